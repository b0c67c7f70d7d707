"""Project-wide pages: the privacy notice and accessibility statement, a person's download of their
own data, and the way into the Django admin."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from agencies.personal_data import personal_data
from audit.models import AuditEntry
from audit.services import record
from lib.addresses import client_address


def _retention_periods() -> dict[str, int]:
    """The periods the privacy notice states, from the settings that enforce them."""
    return {
        "deactivated_retention_days": settings.DEACTIVATED_RETENTION_DAYS,
        "download_retention_days": settings.DOWNLOAD_RETENTION_DAYS,
        "audit_retention_days": settings.AUDIT_RETENTION_DAYS,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        "session_absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
        "invitation_valid_days": settings.INVITATION_VALID_DAYS,
    }


@login_not_required
@require_http_methods(["GET"])
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Public: people must be able to read it before they sign in or accept an invitation."""
    return render(request, "portal/privacy_notice.html", _retention_periods())


@login_not_required
@require_http_methods(["GET"])
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """Public: someone who cannot sign in must be able to find out how to report it."""
    return render(request, "portal/accessibility_statement.html")


@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """GET explains the download; POST answers with everything the portal holds about the
    signed-in person as JSON, and records that it was downloaded."""
    if request.method == "GET":
        return render(request, "portal/my_data.html")
    data = personal_data(request.user)
    record(
        AuditEntry.Action.PERSONAL_DATA_EXPORTED,
        actor=request.user,
        address=client_address(request),
        subject_user=request.user,
        target=request.user,
    )
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_not_required
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The Django admin has no sign-in of its own: everyone signs in through the portal, with
    their second step, so there is no way into /admin/ with a password alone.

    Someone already signed in is not sent to sign in again: the sign-in page would send them
    straight back to the admin, which sends them here, round and round. Staff go on to the
    admin; anyone else is told plainly that it is not for their account."""
    next_url = request.GET.get("next")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            if next_url and url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}
            ):
                return redirect(next_url)
            return redirect("admin:index")
        return render(request, "portal/admin_refused.html", status=403)
    target = reverse("agencies:sign-in")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        target += "?" + urlencode({"next": next_url})
    return redirect(target)
