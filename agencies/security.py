"""Sign-in protection hooks for django-axes: how it names an account, and what a locked-out
person sees. The answer never says whether the address has an account."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import UserManager
from audit.models import AuditEntry
from audit.services import record
from lib import security_log
from lib.addresses import client_address


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """The same account whatever the case of the address typed, so case cannot dodge a lockout."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return UserManager.normalize_email(value)


def locked_out(
    request: HttpRequest, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    email = axes_username(request, credentials)
    record(
        AuditEntry.Action.LOCKED_OUT, address=client_address(request), data={"email": email[:254]}
    )
    security_log.event("locked_out", email=email[:254])
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "agencies/locked_out.html", {"minutes": minutes}, status=429)
