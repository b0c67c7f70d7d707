"""Who someone is: regions, force areas, organisations, people, memberships and invitations."""

import hashlib
import secrets
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class Region(models.Model):
    """A group of force areas that help-seeker figures are totalled by, e.g. South West England."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ForceArea(models.Model):
    """The geography a police force covers; help-seeker figures are reported by force area."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="force_areas")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationQuerySet(models.QuerySet):
    def active(self) -> "OrganisationQuerySet":
        return self.filter(is_active=True)

    def visible_to(self, user) -> "OrganisationQuerySet":
        """Organisations whose page and people this person may see.

        A campaign admin sets up partners and invites people into any organisation, so sees them
        all; anyone else sees only the organisations they belong to.
        """
        if not user.is_authenticated:
            return self.none()
        base = self.select_related("force_area__region", "region")
        if user.admin_organisation_ids:
            return base
        return base.filter(pk__in=user.organisation_ids)


class Organisation(models.Model):
    """A police force, council, charity or other agency that takes part in campaigns."""

    class Kind(models.TextChoices):
        POLICE_FORCE = "police_force", "Police force"
        COUNCIL = "council", "Council"
        CHARITY = "charity", "Charity"
        OTHER_AGENCY = "other_agency", "Other agency"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    force_area = models.ForeignKey(
        ForceArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text="The force area a police force covers, or that a council or local agency lies "
        "within. Required for police forces and councils.",
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text="Only for a body that covers a whole region (a Regional Organised Crime Unit). "
        "Leave empty when a force area is set.",
    )
    logo = models.FileField(upload_to="logos/", blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(
        default=True,
        help_text="Members of an inactive organisation lose access to its campaigns.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="An organisation with this name already exists.",
            ),
            models.UniqueConstraint(
                fields=["force_area"],
                condition=Q(kind="police_force"),
                name="%(app_label)s_%(class)s_unique_force_per_area",
                violation_error_message="This force area already has a police force.",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["police_force", "council"]) | Q(force_area__isnull=False),
                name="%(app_label)s_%(class)s_force_area_required",
                violation_error_message="A police force or council must have a force area.",
            ),
            models.CheckConstraint(
                condition=Q(force_area__isnull=True) | Q(region__isnull=True),
                name="%(app_label)s_%(class)s_one_kind_of_area",
                violation_error_message="Give either a force area or a region, not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def covered_region(self) -> Region | None:
        """The region the organisation works in, whether set directly or through its force area."""
        if self.force_area_id:
            return self.force_area.region
        return self.region

    @property
    def can_run_campaigns(self) -> bool:
        return self.kind == self.Kind.CHARITY


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Addresses are compared case-insensitively everywhere, so store them in one case.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A person needs an e-mail address.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their work e-mail address."""

    class NewMaterialDigest(models.TextChoices):
        AS_RELEASED = "as_released", "One e-mail per campaign each time material is released"
        DAILY = "daily", "One e-mail a day listing what was released"

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(
        default=True,
        help_text="Clear this instead of deleting: a deactivated person cannot sign in, and "
        "their history is kept.",
    )
    is_staff = models.BooleanField(
        default=False, help_text="Whether the person can sign in to the Django admin."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Optional e-mails each person can turn off. Withdrawals are always sent: people must stop
    # using withdrawn material.
    email_new_material = models.BooleanField(
        "e-mail me when new material is released to my organisation", default=True
    )
    new_material_digest = models.CharField(
        "how to hear about new material",
        max_length=16,
        choices=NewMaterialDigest.choices,
        default=NewMaterialDigest.AS_RELEASED,
    )
    email_review_requests = models.BooleanField(
        "e-mail me when material is submitted for my review", default=True
    )
    email_review_outcomes = models.BooleanField(
        "e-mail me when material I submitted is approved or sent back", default=True
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="%(app_label)s_%(class)s_unique_email",
                violation_error_message="Someone with this e-mail address already has an account.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def active_memberships(self) -> list["Membership"]:
        """This person's memberships that grant access, loaded once per request."""
        return list(
            self.memberships.filter(is_active=True, organisation__is_active=True)
            .select_related("organisation__force_area__region", "organisation__region")
            .order_by("organisation__name")
        )

    @property
    def organisation_ids(self) -> set[int]:
        return {m.organisation_id for m in self.active_memberships}

    @property
    def admin_organisation_ids(self) -> set[int]:
        """Organisations in which this person is a campaign admin."""
        return {
            m.organisation_id
            for m in self.active_memberships
            if m.role == Membership.Role.CAMPAIGN_ADMIN
        }

    @property
    def lead_organisation_ids(self) -> set[int]:
        return {
            m.organisation_id for m in self.active_memberships if m.role == Membership.Role.LEAD
        }

    @property
    def is_campaign_admin(self) -> bool:
        return bool(self.admin_organisation_ids)


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(is_active=True)


class Membership(models.Model):
    """A person's place in an organisation, with the role that decides what they may do."""

    class Role(models.TextChoices):
        MEMBER = "member", "Partner member"
        LEAD = "lead", "Partner lead"
        CAMPAIGN_ADMIN = "campaign_admin", "Campaign admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(
        max_length=20,
        choices=Role.choices,
        default=Role.MEMBER,
        help_text="Members take part; leads also invite and deactivate colleagues; campaign admins "
        "(charity staff only) run the organisation's campaigns.",
    )
    is_active = models.BooleanField(default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="%(app_label)s_%(class)s_unique_person_per_organisation",
                violation_error_message="This person is already a member of this organisation.",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True) | Q(deactivated_at__isnull=False),
                name="%(app_label)s_%(class)s_deactivation_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"

    def clean(self) -> None:
        super().clean()
        if (
            self.role == self.Role.CAMPAIGN_ADMIN
            and self.organisation_id
            and not self.organisation.can_run_campaigns
        ):
            raise ValidationError({"role": "Only the charity's staff can be campaign admins."})


def roles_for(organisation: Organisation, *, inviter_is_admin: bool) -> list[tuple[str, str]]:
    """The roles that may be given in this organisation by this kind of inviter."""
    roles = [Membership.Role.MEMBER, Membership.Role.LEAD]
    if inviter_is_admin and organisation.can_run_campaigns:
        roles.append(Membership.Role.CAMPAIGN_ADMIN)
    return [(role.value, role.label) for role in roles]


class InvitationQuerySet(models.QuerySet):
    def open(self) -> "InvitationQuerySet":
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An offer to join an organisation with a role, sent as a single-use link that expires."""

    email = models.EmailField("e-mail address", max_length=254)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Only a hash is stored: a database leak must not hand out working invitation links.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a newer invitation replaced this one."
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open_per_person",
                violation_error_message="This person already has an open invitation.",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="%(app_label)s_%(class)s_not_accepted_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue_token(cls) -> tuple[str, str]:
        """A fresh random token and the hash to store for it."""
        token = secrets.token_urlsafe(32)
        return token, cls.hash_token(token)

    @staticmethod
    def default_expiry(now=None):
        return (now or timezone.now()) + timedelta(days=settings.INVITATION_VALID_DAYS)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class RecoveryCode(models.Model):
    """A single-use code for signing in without the authenticator app.

    Only a slow hash is stored (django-otp's own backup tokens are kept in plain text): the codes
    are shown once, when they are made, and each works once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"
