"""What the portal keeps in a person's session while they sign in and while they are signed in."""

import time

# When the person signed in (seconds since the epoch): the absolute session limit counts from it.
SIGNED_IN_AT = "portal_signed_in_at"
# When the person was last seen (seconds since the epoch), recorded at most once a minute: the
# idle limit counts from it (agencies.middleware.SessionLimitsMiddleware).
LAST_SEEN_AT = "portal_last_seen_at"
# An invitation being accepted, kept across its steps.
INVITATION_SESSION_KEY = "portal_invitation_token"
# Where to go once the second step is done.
NEXT_AFTER_SECOND_STEP = "portal_next_after_second_step"


def mark_signed_in(session) -> None:
    """The person has just signed in (a step of it): both limits count from now."""
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
