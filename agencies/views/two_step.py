"""Two-step sign-in pages: the code, recovery codes, setting up an authenticator, and the
changes to how someone signs in that need their password and a code again."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import two_step
from agencies.forms import CodeForm, EmailChangeForm, ReauthenticationForm, RecoveryCodeForm
from agencies.sessions import NEXT_AFTER_SECOND_STEP, mark_signed_in
from audit.models import AuditEntry
from audit.services import record
from lib import ratelimit, security_log
from lib.addresses import client_address

NEW_CODES_KEY = "portal_new_recovery_codes"

# How many codes may be typed for one person. From one network address: 10 in 5 minutes for
# authenticator codes (5 in 15 for recovery codes), the brute-force protection. From everywhere
# together: twice that in the same windows. One address alone, such as a stranger who has only the
# password, can never use up the person's own allowance; an attack from many addresses holds the
# person up until the window ends (minutes), never for an hour.
CODE_LIMITS = {
    "two-step-code": (10, 20, 300),
    "recovery-code": (5, 10, 900),
}
WRONG_CODE = (
    "That code is not right, or has already been used. Codes change every 30 seconds: enter the "
    "one your app shows now."
)


def _next_url(request: HttpRequest) -> str:
    candidate = request.session.pop(NEXT_AFTER_SECOND_STEP, None) or request.GET.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _code_attempt_allowed(request: HttpRequest, scope: str) -> bool:
    per_address, per_person, window = CODE_LIMITS[scope]
    person = str(request.user.pk)
    address = client_address(request) or ""
    # Attempts an address may not make are not counted against the person.
    return ratelimit.allow(
        f"{scope}-address", f"{person} {address}", limit=per_address, window_seconds=window
    ) and ratelimit.allow(f"{scope}-person", person, limit=per_person, window_seconds=window)


def _signed_in(request: HttpRequest, device: TOTPDevice, how: str) -> None:
    two_step.mark_verified(request, device)
    mark_signed_in(request.session)
    record(
        AuditEntry.Action.SIGNED_IN,
        actor=request.user,
        address=client_address(request),
        data={"second_step": how},
    )


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = two_step.confirmed_device(user)
    if device is None:
        return redirect("agencies:two-step-set-up")
    if user.is_verified():
        return redirect("home")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not _code_attempt_allowed(request, "two-step-code"):
            return ratelimit.too_many(request, "two-step-code", 5)
        if form.is_valid() and two_step.check_code(device, form.cleaned_data["code"]):
            _signed_in(request, device, "authenticator code")
            return redirect(_next_url(request))
        record(AuditEntry.Action.MFA_FAILED, actor=user, address=client_address(request))
        security_log.event("mfa_failed")
        if form.is_bound and "code" not in form.errors:
            form.add_error("code", WRONG_CODE)
    return render(request, "agencies/two_step_verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = two_step.confirmed_device(user)
    if device is None or user.is_verified():
        return redirect("home")
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not _code_attempt_allowed(request, "recovery-code"):
            return ratelimit.too_many(request, "recovery-code", 15)
        if form.is_valid() and two_step.use_recovery_code(user, form.cleaned_data["recovery_code"]):
            _signed_in(request, device, "recovery code")
            record(
                AuditEntry.Action.RECOVERY_CODE_USED, actor=user, address=client_address(request)
            )
            left = two_step.unused_recovery_codes(user)
            messages.warning(
                request,
                f"You signed in with a recovery code; {left} left. If you have lost your phone, "
                "set up two-step sign-in again from your account.",
            )
            return redirect(_next_url(request))
        record(
            AuditEntry.Action.MFA_FAILED,
            actor=user,
            address=client_address(request),
            data={"recovery": True},
        )
        security_log.event("mfa_failed", recovery=True)
        if form.is_bound and "recovery_code" not in form.errors:
            form.add_error("recovery_code", "That recovery code is not right, or has been used.")
    return render(request, "agencies/two_step_recover.html", {"form": form})


@require_http_methods(["GET", "POST"])
def set_up(request: HttpRequest) -> HttpResponse:
    user = request.user
    if two_step.confirmed_device(user) is not None:
        # Setting up again goes through the page that asks for the password and a code.
        return redirect("agencies:two-step" if user.is_verified() else "agencies:two-step-verify")
    device = two_step.pending_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not _code_attempt_allowed(request, "two-step-code"):
            return ratelimit.too_many(request, "two-step-code", 5)
        if form.is_valid() and two_step.check_set_up_code(device, form.cleaned_data["code"]):
            codes = two_step.confirm_enrolment(user, device)
            _signed_in(request, device, "authenticator code")
            record(
                AuditEntry.Action.MFA_ENROLLED,
                actor=user,
                address=client_address(request),
                subject_user=user,
            )
            request.session[NEW_CODES_KEY] = codes
            return redirect("agencies:two-step-codes")
        if form.is_bound and "code" not in form.errors:
            form.add_error("code", WRONG_CODE)
    secret = two_step.secret_of(device)
    return render(
        request,
        "agencies/two_step_set_up.html",
        {
            "form": form,
            # segno draws the SVG from the portal's own data: a QR code of the otpauth address.
            "qr_code": mark_safe(two_step.qr_code_svg(device)),  # noqa: S308
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@require_http_methods(["GET"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown this once: they are stored only as hashes."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("agencies:two-step")
    return render(
        request,
        "agencies/two_step_codes.html",
        {"codes": codes, "next_url": _next_url(request)},
    )


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    device = two_step.confirmed_device(request.user)
    return render(
        request,
        "agencies/two_step_overview.html",
        {
            "device": device,
            "codes_left": two_step.unused_recovery_codes(request.user) if device else 0,
            "required": two_step.required_for(request.user),
        },
    )


def _reauthenticated(request: HttpRequest, form_class):
    """A form asking for the password and a fresh code (no code for someone without an app)."""
    return form_class(
        request.POST if request.method == "POST" else None,
        user=request.user,
        device=two_step.confirmed_device(request.user),
    )


@require_http_methods(["GET", "POST"])
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    form = _reauthenticated(request, ReauthenticationForm)
    if form.device is None:
        return redirect("agencies:two-step-set-up")
    if request.method == "POST":
        if not ratelimit.allow("reauthenticate", str(request.user.pk), limit=5, window_seconds=900):
            return ratelimit.too_many(request, "reauthenticate", 15)
        if form.is_valid():
            request.session[NEW_CODES_KEY] = two_step.issue_recovery_codes(request.user)
            record(
                AuditEntry.Action.RECOVERY_CODES_ISSUED,
                actor=request.user,
                address=client_address(request),
            )
            return redirect("agencies:two-step-codes")
    return render(
        request,
        "agencies/reauthenticate.html",
        {
            "form": form,
            "title": "Make new recovery codes",
            "explanation": "Your old recovery codes will stop working.",
            "button": "Make new codes",
        },
    )


@require_http_methods(["GET", "POST"])
def reset_own(request: HttpRequest) -> HttpResponse:
    form = _reauthenticated(request, ReauthenticationForm)
    if request.method == "POST":
        if not ratelimit.allow("reauthenticate", str(request.user.pk), limit=5, window_seconds=900):
            return ratelimit.too_many(request, "reauthenticate", 15)
        if form.is_valid():
            two_step.reset(request.user)
            record(
                AuditEntry.Action.MFA_RESET,
                actor=request.user,
                address=client_address(request),
                subject_user=request.user,
            )
            return redirect("agencies:two-step-set-up")
    return render(
        request,
        "agencies/reauthenticate.html",
        {
            "form": form,
            "title": "Set up two-step sign-in again",
            "explanation": "For a new phone or app. Your current authenticator and recovery codes "
            "will stop working, and you will set up the new one straight away.",
            "button": "Set up again",
        },
    )


@require_http_methods(["GET", "POST"])
def change_email(request: HttpRequest) -> HttpResponse:
    form = _reauthenticated(request, EmailChangeForm)
    if request.method == "POST":
        if not ratelimit.allow("reauthenticate", str(request.user.pk), limit=5, window_seconds=900):
            return ratelimit.too_many(request, "reauthenticate", 15)
        if form.is_valid():
            user = request.user
            user.email = form.cleaned_data["new_email"]
            user.save(update_fields=["email"])
            record(
                AuditEntry.Action.EMAIL_CHANGED,
                actor=user,
                address=client_address(request),
                subject_user=user,
            )
            messages.success(
                request, "Your e-mail address has been changed. Sign in with it from now on."
            )
            return redirect("agencies:two-step")
    return render(
        request,
        "agencies/reauthenticate.html",
        {
            "form": form,
            "title": "Change your e-mail address",
            "explanation": "You will sign in with the new address. Your password and a code from "
            "your app confirm it is you.",
            "button": "Change e-mail address",
        },
    )
