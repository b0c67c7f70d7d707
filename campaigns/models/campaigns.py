"""Campaigns and the organisations that take part in them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import formats, timezone

from agencies.models import Organisation, Region
from lib.precompiled import PrecompiledSubquery


def campaign_ids_of(organisation_ids) -> models.QuerySet:
    """The ids of the campaigns these organisations run or take part in: those they lead, and
    those the partners' index of organisations names."""
    # Unordered: the ORM leaves a subquery's ordering out, but campaigns_of compiles it alone.
    return (
        Campaign.objects.filter(
            Q(lead_organisation_id__in=organisation_ids)
            | Q(
                pk__in=CampaignPartner.objects.filter(organisation_id__in=organisation_ids).values(
                    "campaign_id"
                )
            )
        )
        .order_by()
        .values("pk")
    )


def campaign_ids_led_by(organisation_ids) -> models.QuerySet:
    """The ids of the campaigns these organisations lead: those their campaign admins run."""
    return (
        Campaign.objects.filter(lead_organisation_id__in=organisation_ids).order_by().values("pk")
    )


# Built once per number of organisations (lib.precompiled): every campaign page asks for its
# campaign through visible_to, and building the condition cost more than answering it.
_THEIRS = PrecompiledSubquery(campaign_ids_of)


def campaigns_of(database: str, organisation_ids: set[int]) -> RawSQL:
    """campaign_ids_of for these organisations (at least one), as a subquery for
    `campaign_id__in` built once per number of organisations."""
    return _THEIRS.expression(database, organisation_ids)


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CampaignQuerySet":
        """Campaigns this person's organisations run or take part in."""
        if not user.is_authenticated or not user.organisation_ids:
            return self.none()
        return self.filter(pk__in=campaigns_of(self.db, user.organisation_ids)).select_related(
            "lead_organisation", "region"
        )

    def run_by(self, user) -> "CampaignQuerySet":
        """Campaigns this person administers as a campaign admin of the lead organisation."""
        return self.visible_to(user).filter(lead_organisation_id__in=user.admin_organisation_ids)


class Campaign(models.Model):
    """A public campaign the charity runs with partners, e.g. the South West regional campaign."""

    class PublicityChannel(models.TextChoices):
        TRADITIONAL_MEDIA = "traditional_media", "Traditional media"
        SOCIAL_MEDIA = "social_media", "Social media"
        POSTERS = "posters", "Posters"
        PUBLIC_RELATIONS = "public_relations", "Public relations"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="campaigns_led",
        limit_choices_to={"kind": Organisation.Kind.CHARITY},
        help_text="The charity that runs the campaign; its campaign admins administer it.",
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        help_text="The region whose help-seeker figures measure the campaign's effect.",
    )
    summary = models.TextField(blank=True)
    objectives = models.TextField(blank=True, help_text="One objective per line.")
    publicity_channels = models.JSONField(
        default=list,
        blank=True,
        help_text="How the campaign reaches people: "
        + ", ".join(label.lower() for label in PublicityChannel.labels)
        + ".",
    )
    launch_date = models.DateField(
        help_text="The day the campaign goes public. Partners may launch later (set per partner)."
    )
    end_date = models.DateField(null=True, blank=True)
    helpline_name = models.CharField(max_length=100, blank=True)
    helpline_number = models.CharField(max_length=30, blank=True)
    websites = models.TextField(
        blank=True, help_text="The addresses the campaign points to, one per line."
    )
    evaluation_learning = models.TextField(
        "learning",
        blank=True,
        help_text="The evaluation report's learning section, written by the charity's campaign "
        "team.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-launch_date", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="A campaign with this name already exists.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("launch_date")),
                name="%(app_label)s_%(class)s_ends_after_launch",
                violation_error_message="The campaign cannot end before it launches.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def called(self) -> str:
        """The name in running text, "the South West campaign", never "campaign campaign"."""
        name = self.name.strip()
        if name.lower().endswith("campaign"):
            return name
        return f"{name} campaign"

    def clean(self) -> None:
        super().clean()
        errors = {}
        unknown = set(self.publicity_channels or []) - set(self.PublicityChannel.values)
        if unknown:
            errors["publicity_channels"] = f"Unknown channel: {', '.join(sorted(unknown))}."
        validate_url = URLValidator(schemes=["http", "https"])
        for address in self.website_list:
            try:
                validate_url(address)
            except ValidationError:
                errors["websites"] = f"“{address}” is not a web address (it should start https://)."
                break
        if self.lead_organisation_id and not self.lead_organisation.can_run_campaigns:
            errors["lead_organisation"] = "Only the charity can run a campaign."
        if errors:
            raise ValidationError(errors)

    @property
    def objective_list(self) -> list[str]:
        return [line.strip(" •-\t") for line in self.objectives.splitlines() if line.strip(" •-\t")]

    @property
    def website_list(self) -> list[str]:
        return [line.strip() for line in self.websites.splitlines() if line.strip()]

    @property
    def publicity_channel_labels(self) -> list[str]:
        labels = dict(self.PublicityChannel.choices)
        return [labels[value] for value in self.publicity_channels if value in labels]

    def is_run_by(self, user) -> bool:
        return self.lead_organisation_id in user.admin_organisation_ids

    def runs_on(self, day) -> bool:
        """Whether the day is within the campaign's run, from its launch to its end (if set)."""
        return self.launch_date <= day and (self.end_date is None or day <= self.end_date)

    def day_to_suggest(self, today=None):
        """The day a form suggests for activity: today within the run; before the launch, the
        launch day; after the end, the last day of the run."""
        today = today or timezone.localdate()
        if today < self.launch_date:
            return self.launch_date
        if self.end_date is not None and today > self.end_date:
            return self.end_date
        return today

    def has_launched(self, today=None) -> bool:
        return self.launch_date <= (today or timezone.localdate())

    def launch_wording(self, today=None) -> str:
        """ "launched on 1 June 2026" once it has, "launches on 2 December 2026" before."""
        verb = "launched" if self.has_launched(today) else "launches"
        return f"{verb} on {formats.date_format(self.launch_date, 'j F Y')}"

    def stage(self, today=None) -> str:
        today = today or timezone.localdate()
        if today < self.launch_date:
            return "upcoming"
        if self.end_date and today > self.end_date:
            return "ended"
        return "live"


class CampaignPartner(models.Model):
    """An organisation taking part in a campaign, with its own launch date where it differs."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="campaign_partnerships"
    )
    launch_date = models.DateField(
        null=True,
        blank=True,
        help_text="Only if this partner launches on a different day from the campaign.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"],
                name="%(app_label)s_%(class)s_unique_organisation",
                violation_error_message="This organisation is already a partner in the campaign.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.campaign}"

    def clean(self) -> None:
        super().clean()
        if self.campaign_id and self.organisation_id:
            if self.organisation_id == self.campaign.lead_organisation_id:
                raise ValidationError(
                    {"organisation": "The lead organisation runs the campaign, not as a partner."}
                )

    @property
    def effective_launch_date(self):
        return self.launch_date or self.campaign.launch_date


class CampaignVisit(models.Model):
    """When a person last looked at a campaign's toolkit, so the portal can show what is new."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_visits"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="visits")
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "campaign"], name="%(app_label)s_%(class)s_unique_person_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} last saw {self.campaign} at {self.last_seen_at:%Y-%m-%d %H:%M}"
