import uuid

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from agencies.models import Organisation, User, UserManager, roles_for
from agencies.tasks import send_password_reset
from lib import uploads
from lib.emails import render_email
from lib.tasks import enqueue_after_commit


class SignInForm(AuthenticationForm):
    """Sign-in by e-mail address with one message for every wrong combination.

    A deactivated person who gives the right password is told so; nobody else learns whether an
    address has an account.
    """

    error_messages = {
        "invalid_login": "The e-mail address or password is not right. Check both and try again.",
        "inactive": "Your account has been deactivated. Ask your organisation's lead or the "
        "charity's campaign team if you need access again.",
    }

    username = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def clean(self):
        email = UserManager.normalize_email(self.cleaned_data.get("username"))
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, username=email, password=password)
            if self.user_cache is None:
                deactivated = User.objects.filter(email__iexact=email, is_active=False).first()
                if deactivated is not None and deactivated.check_password(password):
                    raise ValidationError(self.error_messages["inactive"], code="inactive")
                raise self.get_invalid_login_error()
        return self.cleaned_data


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="Their work address. They will be sent a link to set a password.",
    )
    role = forms.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args, organisation: Organisation, inviter: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["role"].choices = roles_for(
            organisation, inviter_is_admin=inviter.is_campaign_admin
        )
        self.fields["role"].initial = self.fields["role"].choices[0][0]

    def clean_email(self) -> str:
        email = UserManager.normalize_email(self.cleaned_data["email"])
        if self.organisation.memberships.active().filter(user__email__iexact=email).exists():
            raise ValidationError(f"This person is already a member of {self.organisation}.")
        return email


class NewAccountForm(forms.Form):
    """Accepting an invitation without an account: a name and a password, typed twice."""

    full_name = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. A few unrelated words make a strong password that is "
        "easy to remember.",
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and cleaned.get("password_again") and password != cleaned["password_again"]:
            self.add_error("password_again", "The two passwords are not the same.")
        elif password:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ExistingAccountForm(forms.Form):
    """Accepting an invitation with an account already: confirm it is you."""

    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "email_new_material",
            "new_material_digest",
            "email_review_requests",
            "email_review_outcomes",
        ]
        widgets = {"new_material_digest": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_campaign_admin:
            # Only campaign admins review material.
            del self.fields["email_review_requests"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="Six digits. A new one appears every 30 seconds.",
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text="One of the codes you saved when you set up two-step sign-in, e.g. ABCDE-23456.",
    )


class ReauthenticationForm(forms.Form):
    """Changing how someone signs in needs their password and a code again, even mid-session."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user: User, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.device = user, device
        if device is None:
            del self.fields["code"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That is not your password.")
        return password

    def clean_code(self) -> str:
        from agencies import two_step

        code = self.cleaned_data["code"]
        if not two_step.check_code(self.device, code):
            raise ValidationError("That code is not right, or has already been used.")
        return code


class EmailChangeForm(ReauthenticationForm):
    new_email = forms.EmailField(label="New e-mail address", max_length=254)

    field_order = ["new_email", "password", "code"]

    def clean_new_email(self) -> str:
        email = UserManager.normalize_email(self.cleaned_data["new_email"])
        if email == self.user.email:
            raise ValidationError("That is already your e-mail address.")
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("That address cannot be used. Choose another.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args, organisation: Organisation, changer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles_for(
            organisation, inviter_is_admin=changer.is_campaign_admin
        )


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, doing the same work whether the address has an account or not.

    For an address of nobody (or of someone who may not reset a password), the link and the
    e-mail are made for a stand-in person who is never saved, exactly as for a real one; only
    the worker finds nobody to write to. So the page takes the same time and says the
    same thing either way, and its timing tells nobody whether an address has an account.
    """

    def get_users(self, email):
        users = list(super().get_users(email))
        return users or [User(email=UserManager.normalize_email(email))]

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # Rendered as the worker will render it, for the person or the stand-in alike.
        render_email("password_reset", context)
        # Then one task is queued either way (the same write to the same table), and the worker
        # stores and sends the real person's e-mail: a slow mail server cannot show in this
        # page's timing, and neither can whether there was anyone to write to.
        enqueue_after_commit(send_password_reset, context["user"].pk, uuid.uuid4().hex)


class LogoForm(forms.Form):
    """An organisation's logo, for co-branded material: checked and re-encoded like every
    image upload, so nothing is stored unless it is a real PNG or JPEG of a sensible size."""

    MAX_BYTES = 2 * 1024 * 1024

    logo = forms.FileField(label="Logo (PNG or JPEG, at most 2 MB)")

    def clean_logo(self):
        return uploads.check_upload(
            self.cleaned_data["logo"],
            allowed={uploads.PNG, uploads.JPEG},
            max_bytes=self.MAX_BYTES,
            what="logo",
        )
