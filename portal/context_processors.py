from django.conf import settings
from django.http import HttpRequest

from agencies.access import may_read_audit_trail
from agencies.middleware import idle_seconds, touch_interval
from campaigns.access import can_review_material


def portal(request: HttpRequest) -> dict:
    """The portal's name and idle limit for every page, and which parts of the navigation the
    person may use, as the access modules decide."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "portal_name": settings.PORTAL_NAME,
        # What the page's idle warning counts down from: the idle limit less the interval at which
        # the session records activity, since the recorded activity may be that much older than
        # this page (agencies.middleware.SessionLimitsMiddleware). The warning therefore always
        # comes before the session ends, and every page says the same.
        "session_idle_seconds": int(idle_seconds() - touch_interval()),
        # Reviewing material and managing help-seeker figures are the same people's work.
        "navigation_shows_review": signed_in and can_review_material(user),
        "navigation_shows_audit": signed_in and may_read_audit_trail(user),
    }
