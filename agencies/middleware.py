"""Sign-in state on every request: the absolute session limit, and holding a person who has given
their password, but not yet their code, at the second step."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from agencies import two_step
from agencies.sessions import LAST_SEEN_AT, SIGNED_IN_AT

# What someone half-way through signing in may reach: the second step itself, signing out, and
# the public pages.
ALLOWED_BEFORE_CODE = {
    "agencies:two-step-verify",
    "agencies:two-step-recover",
    "agencies:two-step-set-up",
    "agencies:two-step-codes",
    "agencies:sign-out",
    "agencies:session-keep-alive",
    "privacy-notice",
    "accessibility-statement",
}


class TwoStepSignInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_BEFORE_CODE:
            return None
        step = two_step.pending_step(user)
        if step is None:
            return None
        target = "agencies:two-step-verify" if step == "code" else "agencies:two-step-set-up"
        response = redirect(target)
        if request.method == "GET":
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response


class TwoStepStateMiddleware(OTPMiddleware):
    """django-otp's middleware (request.user.otp_device, is_verified()), finding the session's
    authenticator among those loaded with the person (agencies.backends) instead of asking the
    database again."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = None
            if persistent_id:
                loaded = getattr(user, "confirmed_devices", None)
                if loaded is None:  # signed in through another backend
                    device = self._device_from_persistent_id(persistent_id)
                else:
                    wanted = self._normalize_persistent_id(persistent_id)
                    device = next((d for d in loaded if d.persistent_id == wanted), None)
            user.otp_device = self._finalize_device(request, user, device)
        return user


def idle_seconds() -> float:
    return settings.SESSION_IDLE_MINUTES * 60


def touch_interval() -> float:
    """How stale the recorded last activity may get before a request records it again: a
    minute, or a tenth of the idle limit if that is shorter."""
    return min(60.0, idle_seconds() / 10)


class SessionLimitsMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without a request, and a fixed time after
    sign-in however active it has been.

    The last activity is kept in the session and saved at most once a touch_interval() (a
    minute), not on every request: a page view writes nothing to the database in between. Each
    save also moves the stored session's expiry (and the cookie's) to the idle limit from then.
    The session therefore ends between the idle limit minus a minute and the idle limit after the
    last request; the page's idle warning counts down from the limit minus a minute, so it always
    comes before the end (data-idle-seconds, from portal.context_processors).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN_AT, now)
            if now - signed_in_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                self._end(
                    request,
                    f"For your security you were signed out after "
                    f"{settings.SESSION_ABSOLUTE_HOURS} hours. Please sign in again.",
                )
            elif now - last_seen > idle_seconds():
                self._end(
                    request,
                    f"For your security you were signed out after "
                    f"{settings.SESSION_IDLE_MINUTES} minutes without activity. "
                    "Please sign in again.",
                )
            elif LAST_SEEN_AT not in session or now - last_seen >= touch_interval():
                session[LAST_SEEN_AT] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, message: str) -> None:
        logout(request)
        messages.info(request, message)
