"""Holds a person who has given their password, but not yet their code, at the second step."""

from urllib.parse import urlencode

from django.shortcuts import redirect

from agencies import two_step

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
