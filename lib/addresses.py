"""The network address a request came from, as the portal's proxies let it be known."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front: then the address the nearest
    of them saw, counted from the right of X-Forwarded-For. Anything further left was written by
    the client and is ignored, so a spoofed header changes nothing.
    """
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None
