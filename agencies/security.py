"""Sign-in protection hooks for django-axes: how it names an account, and what a locked-out
person sees. The answer never says whether the address has an account."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import User, UserManager
from audit.models import AuditEntry
from audit.services import record
from lib import security_log
from lib.addresses import client_address


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """The same account whatever the case of the address typed, so case cannot dodge a lockout."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return UserManager.normalize_email(value)


def person_with_address(email: str) -> User | None:
    """The person whose address was typed at sign-in, if it is anyone's: failed sign-ins and
    lockouts are recorded against them (and so their organisation), never shown to the visitor."""
    normalised = UserManager.normalize_email(email)
    if not normalised:
        return None
    return User.objects.filter(email__iexact=normalised).first()


def record_failed_sign_in(action: str, email: str, *, address: str | None) -> None:
    """A failed sign-in or a lockout, in the audit trail and the security log."""
    email = email[:254]
    record(
        action,
        address=address,
        subject_user=person_with_address(email),
        data={"email": email},
    )
    # The security log names events as the audit trail does: "sign_in_failed", "locked_out".
    security_log.event(action.removeprefix("auth."), email=email)


def locked_out(
    request: HttpRequest, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    record_failed_sign_in(
        AuditEntry.Action.LOCKED_OUT,
        axes_username(request, credentials),
        address=client_address(request),
    )
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "agencies/locked_out.html", {"minutes": minutes}, status=429)
