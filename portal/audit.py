"""Writing the audit trail: called explicitly by the code that acts, never from signals."""

from django.conf import settings
from django.http import HttpRequest

from portal.models import AuditEntry


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


def record(
    action: AuditEntry.Action,
    *,
    actor=None,
    request: HttpRequest | None = None,
    organisation=None,
    campaign=None,
    asset=None,
    subject_user=None,
    target: object = None,
    data: dict | None = None,
) -> AuditEntry:
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        organisation=organisation,
        campaign=campaign,
        asset=asset,
        subject_user=subject_user,
        target_repr=str(target)[:300] if target is not None else "",
        ip_address=client_address(request),
        data=data or {},
    )
