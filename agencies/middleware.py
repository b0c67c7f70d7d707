"""Sign-in state on every request: the absolute session limit, and holding a person who has given
their password, but not yet their code, at the second step."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect

from agencies import two_step
from agencies.sessions import SIGNED_IN_AT

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


class SessionLimitsMiddleware:
    """Ends a session a fixed time after sign-in, however active it has been.

    The idle limit needs no code: the session cookie's age is the idle limit and every request
    slides it forward (SESSION_SAVE_EVERY_REQUEST).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if now - signed_in_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                messages.info(
                    request,
                    f"For your security you were signed out after "
                    f"{settings.SESSION_ABSOLUTE_HOURS} hours. Please sign in again.",
                )
        return self.get_response(request)
