"""Project-wide request handling: request ids, security headers and the security log."""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import patch_cache_control

from lib import security_log


class RequestIdMiddleware:
    """Gives every request an id, sent back in X-Request-ID and written in the security log, so
    that a person's report of a problem can be found in the logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        token = security_log.current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            security_log.current_request.reset(token)
        response["X-Request-ID"] = request.id
        return response


class SecurityHeadersMiddleware:
    """Keeps signed-in pages out of shared and browser caches (they hold embargoed material and
    personal data; the one exception is a response marked allowed to be kept privately), and
    tells browsers the portal never uses the camera, microphone, location or payments."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        # Only a response marked by lib.files.allow_private_caching keeps its own private
        # Cache-Control (a shared preview under a fingerprinted address).
        if signed_in and not getattr(response, "private_caching_allowed", False):
            patch_cache_control(response, private=True, no_store=True)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SecurityLogMiddleware:
    """Writes denied object access (403 and 404 from the access checks) to the security log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            security_log.event("access_denied", status=403, reason=str(exception)[:200])
        elif isinstance(exception, Http404) and request.user.is_authenticated:
            security_log.event("not_found_or_hidden", status=404)
