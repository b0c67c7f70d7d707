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


# A person's own sign-ins, account changes and exports are recorded where no organisation is in
# question; they belong to the person's organisation, so that its lead (and the charity's campaign
# admins, for their own staff) find them in the audit trail. Someone in several organisations has
# no single one: their entries stay without, as before.
PERSONAL_ACTIONS = frozenset(
    {
        AuditEntry.Action.SIGNED_IN,
        AuditEntry.Action.SIGNED_OUT,
        AuditEntry.Action.MFA_FAILED,
        AuditEntry.Action.MFA_ENROLLED,
        AuditEntry.Action.MFA_RESET,
        AuditEntry.Action.RECOVERY_CODE_USED,
        AuditEntry.Action.RECOVERY_CODES_ISSUED,
        AuditEntry.Action.EMAIL_CHANGED,
        AuditEntry.Action.PASSWORD_CHANGED,
        AuditEntry.Action.PASSWORD_RESET,
        AuditEntry.Action.AUDIT_EXPORTED,
        AuditEntry.Action.ACTIVITY_EXPORTED,
        AuditEntry.Action.PERSONAL_DATA_EXPORTED,
    }
)


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
    if organisation is None and actor is not None and action in PERSONAL_ACTIONS:
        memberships = actor.active_memberships
        organisation = memberships[0].organisation if len(memberships) == 1 else None
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
