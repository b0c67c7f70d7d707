import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from agencies import services, two_step
from agencies.access import get_membership_for_user, get_organisation_for_user
from agencies.forms import (
    EmailSettingsForm,
    ExistingAccountForm,
    InvitationForm,
    LogoForm,
    NewAccountForm,
    PasswordResetRequestForm,
    RoleForm,
    SignInForm,
)
from agencies.models import Membership, UserManager
from agencies.security import record_failed_sign_in
from agencies.sessions import (
    INVITATION_SESSION_KEY,
    LAST_SEEN_AT,
    NEXT_AFTER_SECOND_STEP,
    mark_signed_in,
)
from audit.models import AuditEntry
from audit.services import record
from lib import ratelimit, security_log
from lib.addresses import client_address
from lib.files import StorageUnavailable


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "agencies/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        """The password was right: the session changes key, then the second step, if any."""
        user = form.get_user()
        login(self.request, user)
        mark_signed_in(self.request.session)
        next_url = self.get_success_url()
        step = two_step.pending_step(user)
        if step is None:
            record(AuditEntry.Action.SIGNED_IN, actor=user, address=client_address(self.request))
            return redirect(next_url)
        self.request.session[NEXT_AFTER_SECOND_STEP] = next_url
        return redirect(
            "agencies:two-step-verify" if step == "code" else "agencies:two-step-set-up"
        )

    def form_invalid(self, form):
        record_failed_sign_in(
            AuditEntry.Action.SIGN_IN_FAILED,
            form.data.get("username") or "",
            address=client_address(self.request),
        )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            record(
                AuditEntry.Action.SIGNED_OUT, actor=request.user, address=client_address(request)
            )
        response = super().post(request, *args, **kwargs)
        # The session is deleted on the server; this also clears what the browser kept.
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response


@require_POST
def session_keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in" after the idle warning: restarts the idle time now."""
    request.session[LAST_SEEN_AT] = time.time()
    return HttpResponse(status=204)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "agencies/password_reset_form.html"
    email_template_name = "emails/password_reset/body.txt"
    html_email_template_name = "emails/password_reset/body.html"
    subject_template_name = "emails/password_reset/subject.txt"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("agencies:password-reset-done")

    def post(self, request, *args, **kwargs):
        # Limits per network address, and per network address and address typed together: never
        # per address typed alone, or a stranger asking for a person's reset three times would
        # block that person's own request for an hour. Past the second limit the page answers
        # as ever and no e-mail goes (the person asking learns nothing about the address).
        address = client_address(request) or ""
        email = UserManager.normalize_email(request.POST.get("email", ""))
        if not ratelimit.allow("password-reset-ip", address, limit=10, window_seconds=900):
            return ratelimit.too_many(request, "password-reset", 15)
        if not ratelimit.allow(
            "password-reset-email", f"{address} {email}", limit=3, window_seconds=3600
        ):
            security_log.event("rate_limited", scope="password-reset-email")
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Links in e-mails use the configured address, never the Host header of the request.
        self.extra_email_context = {"portal_base_url": settings.PORTAL_BASE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "agencies/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "agencies/password_reset_confirm.html"
    success_url = reverse_lazy("agencies:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            AuditEntry.Action.PASSWORD_RESET, actor=form.user, address=client_address(self.request)
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "agencies/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "agencies/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            AuditEntry.Action.PASSWORD_CHANGED,
            actor=self.request.user,
            address=client_address(self.request),
        )
        messages.success(self.request, "Your password has been changed.")
        return response


@login_not_required
@require_http_methods(["GET"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """Move the token from the address into the session, so it leaves no trace in history."""
    if not ratelimit.allow(
        "invitation-open", client_address(request) or "", limit=20, window_seconds=900
    ):
        return ratelimit.too_many(request, "invitation", 15)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("agencies:invitation-accept")


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest) -> HttpResponse:
    token = request.session.get(INVITATION_SESSION_KEY, "")
    try:
        invitation = services.find_invitation(token)
    except services.InvitationUnusable as unusable:
        return render(
            request,
            "agencies/invitation_unusable.html",
            {"reason": unusable.reason},
            status=404 if unusable.invitation is None else 410,
        )

    existing = services.existing_account_for(invitation)
    has_account = existing is not None and existing.is_active
    form_class = ExistingAccountForm if has_account else NewAccountForm
    form_kwargs = {} if has_account else {"email": invitation.email}
    form = form_class(request.POST if request.method == "POST" else None, **form_kwargs)
    if request.method == "POST" and not ratelimit.allow(
        "invitation-accept", client_address(request) or "", limit=10, window_seconds=900
    ):
        return ratelimit.too_many(request, "invitation", 15)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                invitation,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data.get("full_name", ""),
                address=client_address(request),
            )
        except services.InvitationUnusable as unusable:
            return render(
                request,
                "agencies/invitation_unusable.html",
                {"reason": unusable.reason},
                status=410,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            login(request, user, backend="agencies.backends.PersonBackend")
            mark_signed_in(request.session)
            messages.success(
                request, f"Welcome. You are now a member of {invitation.organisation}."
            )
            step = two_step.pending_step(user)
            if step is None:
                record(AuditEntry.Action.SIGNED_IN, actor=user, address=client_address(request))
                return redirect("home")
            request.session[NEXT_AFTER_SECOND_STEP] = reverse("home")
            return redirect(
                "agencies:two-step-verify" if step == "code" else "agencies:two-step-set-up"
            )
    return render(
        request,
        "agencies/invitation_accept.html",
        {"invitation": invitation, "form": form, "has_account": has_account},
    )


@require_http_methods(["GET"])
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)
    memberships = organisation.memberships.select_related("user", "deactivated_by").order_by(
        "-is_active", "user__full_name", "pk"
    )
    invitations = organisation.invitations.open().select_related("invited_by")
    return render(
        request,
        "agencies/organisation_detail.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "invitations": invitations,
            "logo_form": LogoForm(),
        },
    )


@require_POST
def organisation_logo(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)
    form = LogoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_logo(
                organisation,
                form.cleaned_data["logo"],
                actor=request.user,
                address=client_address(request),
            )
        except StorageUnavailable:
            messages.error(
                request,
                "The logo was not saved: the file store cannot be reached just now. Try again in "
                "a few minutes.",
            )
        else:
            messages.success(request, "The logo has been saved: co-branded posters now use it.")
    else:
        for error in form.errors.get("logo", []):
            messages.error(request, f"The logo was not saved. {error}")
    return redirect("agencies:organisation-detail", slug=organisation.slug)


@require_http_methods(["GET", "POST"])
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        organisation=organisation,
        inviter=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_person(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                address=client_address(request),
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(request, f"An invitation has been sent to {invitation.email}.")
            return redirect("agencies:organisation-detail", slug=organisation.slug)
    return render(
        request,
        "agencies/invitation_form.html",
        {
            "organisation": organisation,
            "form": form,
            "invitation_valid_days": settings.INVITATION_VALID_DAYS,
        },
    )


def _confirm_membership_action(
    request: HttpRequest,
    slug: str,
    membership_id: int,
    *,
    template: str,
    act: Callable[..., object],
    done: Callable[[Membership], str],
) -> HttpResponse:
    """A page asking to confirm an action on one person's membership; POST carries it out, or
    shows why it was refused."""
    organisation = get_organisation_for_user(request.user, slug)
    membership = get_membership_for_user(request.user, organisation, membership_id)
    error = None
    if request.method == "POST":
        try:
            act(membership, actor=request.user, address=client_address(request))
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, done(membership))
            return redirect("agencies:organisation-detail", slug=organisation.slug)
    return render(
        request,
        template,
        {"organisation": organisation, "membership": membership, "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def membership_deactivate(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    return _confirm_membership_action(
        request,
        slug,
        membership_id,
        template="agencies/membership_deactivate.html",
        act=services.deactivate_membership,
        done=lambda membership: (
            f"{membership.user} has been deactivated in {membership.organisation}."
        ),
    )


@require_http_methods(["GET", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    form = EmailSettingsForm(
        request.POST if request.method == "POST" else None, instance=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your e-mail settings have been saved.")
        return redirect("agencies:email-settings")
    return render(request, "agencies/email_settings.html", {"form": form})


@require_http_methods(["GET", "POST"])
def membership_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)
    membership = get_membership_for_user(request.user, organisation, membership_id)
    form = RoleForm(
        request.POST if request.method == "POST" else None,
        organisation=organisation,
        changer=request.user,
        initial={"role": membership.role},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(
                membership,
                role=form.cleaned_data["role"],
                actor=request.user,
                address=client_address(request),
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"{membership.user}'s role has been changed.")
            return redirect("agencies:organisation-detail", slug=organisation.slug)
    return render(
        request,
        "agencies/membership_role.html",
        {"organisation": organisation, "membership": membership, "form": form},
    )


@require_http_methods(["GET", "POST"])
def membership_reset_two_step(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    return _confirm_membership_action(
        request,
        slug,
        membership_id,
        template="agencies/membership_reset_two_step.html",
        act=services.reset_two_step_sign_in,
        done=lambda membership: (
            f"{membership.user} will set up two-step sign-in again when they next sign in."
        ),
    )
