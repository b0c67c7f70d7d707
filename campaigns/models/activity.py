"""What partners did for a campaign (its outputs), and the enforcement figures forces publicise."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Prefetch, Q

from agencies.models import ForceArea, Organisation
from campaigns.models.campaigns import Campaign, campaign_ids_led_by, campaigns_of
from campaigns.models.material import Material

# Beyond these a figure is a typo, not a campaign: no poster run has a million posters, and no
# partner reaches more people than there are in the world's largest audiences.
MAX_QUANTITY = 1_000_000
MAX_REACH = 5_000_000_000

# What a list of records shows of each (campaigns/templatetags/activity_rows.py).
LIST_COLUMNS = ("started_on", "ended_on", "activity_type", "channel", "quantity", "reach")


def evidence_path(activity: "Activity", filename: str) -> str:
    return f"evidence/{activity.campaign_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1][:5]}"


def activity_reach(user, database: str) -> Q:
    """Whose records a signed-in person may see, on any table keyed by campaign and
    organisation (the records, and their monthly totals): a partner its own organisation's in
    the campaigns it takes part in; campaign admins all of their campaigns'."""
    # The campaigns are found first, once, and the rows by their campaign's id: the database
    # then reads the rows alone (no join with the campaigns, no subquery per row), in the
    # order of an index when a page of them is asked for.
    if not user.organisation_ids:
        return Q(pk__in=[])
    runs_it = Q(campaign_id__in=campaign_ids_led_by(user.admin_organisation_ids))
    own = Q(organisation_id__in=user.organisation_ids) & Q(
        campaign_id__in=campaigns_of(database, user.organisation_ids)
    )
    return runs_it | own


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ActivityQuerySet":
        """A partner sees its own organisation's records; campaign admins see all of theirs."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(activity_reach(user, self.db))

    def for_list(self) -> "ActivityQuerySet":
        """What a list of records shows of each: its organisation and campaign (who logged it,
        where and with what material are for its own page)."""
        # The campaigns come in a query of their own: joined, they are so few that the database
        # would start from them and sort all of a partner's records for a page, rather than
        # read the page in order from the index of the partner's records.
        # Only the columns the list shows: a page of fifty records with every column of each,
        # and of its organisation, was a third of the page's time in making them into objects.
        return (
            self.select_related("organisation")
            .only(*LIST_COLUMNS, "organisation__name", "campaign")
            .prefetch_related(Prefetch("campaign", queryset=Campaign.objects.only("name")))
        )


class Activity(models.Model):
    """Something an organisation did for a campaign: posters displayed, a post, an interview."""

    class Type(models.TextChoices):
        POSTERS = "posters", "Posters or leaflets displayed"
        SOCIAL_POST = "social_post", "Social media post"
        PRESS_RELEASE = "press_release", "Press release issued"
        MEDIA_COVERAGE = "media_coverage", "Media coverage"
        INTERVIEW = "interview", "Interview"
        EVENT = "event", "Event or briefing"
        INTERNAL = "internal", "Internal communication"
        ENFORCEMENT = "enforcement", "Enforcement work publicised"
        OTHER = "other", "Other"

    class ReachSource(models.TextChoices):
        PLATFORM = "platform", "The platform's own statistics"
        PUBLISHER = "publisher", "The publisher's audience or circulation figure"
        COUNTED = "counted", "Counted"
        ESTIMATE = "estimate", "Our estimate"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="activities", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="activities", db_index=False
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activity_type = models.CharField("type", max_length=20, choices=Type.choices)
    started_on = models.DateField("date", help_text="When it happened, or when a run began.")
    ended_on = models.DateField(
        "until", null=True, blank=True, help_text="For something that ran over days, e.g. posters."
    )
    channel = models.CharField(
        "channel or platform",
        max_length=100,
        blank=True,
        help_text="E.g. X, Facebook, BBC Points West, the Western Gazette, public libraries.",
    )
    quantity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_QUANTITY)],
        help_text="How many: posters, posts, events…",
    )
    reach = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_REACH)],
        help_text="How many people it reached: impressions, audience or circulation.",
    )
    reach_source = models.CharField(
        "where the reach figure comes from", max_length=20, choices=ReachSource.choices, blank=True
    )
    engagement = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_REACH)],
        help_text="Likes, shares, clicks or replies, where known.",
    )
    force_area = models.ForeignKey(
        ForceArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        help_text="Where it happened; your organisation's force area unless you change it.",
    )
    place = models.CharField(
        max_length=150, blank=True, help_text="A town or venue, e.g. “Yeovil library”."
    )
    link = models.URLField(blank=True, max_length=500)
    materials = models.ManyToManyField(
        Material,
        through="ActivityMaterial",
        blank=True,
        related_name="activities",
        verbose_name="material used",
        help_text="The campaign material your organisation used.",
    )
    notes = models.TextField(blank=True)
    evidence = models.FileField(upload_to=evidence_path, blank=True, max_length=200)
    evidence_name = models.CharField(max_length=150, blank=True)
    evidence_virus_checked = models.BooleanField(default=False)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(engagement__isnull=True)
                | Q(reach__isnull=True)
                | Q(engagement__lte=F("reach")),
                name="%(app_label)s_%(class)s_engagement_within_reach",
                violation_error_message="Engagement cannot be more than the reach.",
            ),
        ]
        # The list's order (newest first, then the newest record) under each filter it is read
        # with, so that a page of it, the last as the first, is read from an index: everything
        # a campaign admin sees, a campaign's records, by type, and a partner's own (with the
        # campaign, so that counting them reads the index alone). Readiness counts a campaign's
        # records by partner and type, and their days, from an index of its own; the home page asks
        # whether a partner logged anything since a time from another. They lead with
        # the campaign and the organisation, so those keys need no index of their own.
        indexes = [
            models.Index(fields=["started_on", "id"], name="campaigns_activity_newest"),
            models.Index(fields=["campaign", "started_on", "id"], name="campaigns_activity_date"),
            models.Index(
                fields=["campaign", "activity_type", "started_on", "id"],
                name="campaigns_activity_type_date",
            ),
            models.Index(
                fields=["organisation", "started_on", "id", "campaign"],
                name="campaigns_activity_own_date",
            ),
            models.Index(
                fields=["campaign", "organisation", "activity_type", "started_on", "ended_on"],
                name="campaigns_activity_readiness",
            ),
            # Whether an organisation logged anything in a campaign since a time (the home
            # page's prompt after a toolkit download), from the index alone.
            models.Index(
                fields=["campaign", "organisation", "created_at"],
                name="campaigns_activity_logged_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} by {self.organisation} on {self.started_on}"

    def snapshot(self) -> dict:
        """The record as it is now, for its history."""
        return {
            "activity_type": self.activity_type,
            "started_on": self.started_on.isoformat() if self.started_on else None,
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "channel": self.channel,
            "quantity": self.quantity,
            "reach": self.reach,
            "reach_source": self.reach_source,
            "engagement": self.engagement,
            "force_area": str(self.force_area) if self.force_area_id else None,
            "place": self.place,
            "link": self.link,
            "notes": self.notes,
            "evidence": self.evidence_name,
            "material": sorted(material.title for material in self.materials.all())
            if self.pk
            else [],
        }


class ActivityMaterial(models.Model):
    """That one activity record used one piece of material. The record's organisation is kept
    with it, so that whether an organisation has logged using a piece of material (the home
    page's prompt after a download) is read from one index, however many records use it."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="material_links")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="The record's organisation, kept with the link for the index.",
    )

    class Meta:
        # The table the link had before it had a model of its own, with its unique pair as it
        # was made then (unique_together, under the name the database already gives it).
        db_table = "campaigns_activity_materials"
        ordering = ["pk"]
        unique_together = [("activity", "material")]
        indexes = [
            models.Index(fields=["material", "organisation"], name="campaigns_material_used_by"),
        ]

    def __str__(self) -> str:
        return f"{self.material} used in {self.activity}"


class ActivityMonthlyTotalQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ActivityMonthlyTotalQuerySet":
        """The totals of the records the person may see (the records' own rule)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(activity_reach(user, self.db))

    def records(self) -> int:
        return self.aggregate(records=models.Sum("records"))["records"] or 0


class ActivityMonthlyTotal(models.Model):
    """How many activity records one organisation has for one campaign, of one type, in one
    month (by the day each happened), and the last day any of them was happening, so that
    counting a national campaign's million records reads a few thousand totals.

    The database keeps them: triggers on the records' table (campaigns migration 0017) add and
    take away in the statement that writes a record, whoever writes it (a form, the admin, an
    import, a cascade), so a total is never out of step with its records. Nothing else writes
    them; a month with no records has no row."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    activity_type = models.CharField("type", max_length=20, choices=Activity.Type.choices)
    month = models.DateField(help_text="The first day of the month.")
    records = models.PositiveIntegerField()
    last_day = models.DateField(
        help_text="The last day of any of these records (the day it ended, or happened); it may "
        "be after the month."
    )

    objects = ActivityMonthlyTotalQuerySet.as_manager()
    # Not in backups: restoring the records makes their totals again (portal/backup.py).
    kept_by_the_database = True

    class Meta:
        ordering = ["campaign", "organisation", "activity_type", "month"]
        constraints = [
            # The key the triggers add to (ON CONFLICT names these columns), and the index that
            # finds a campaign's or a partner's totals.
            models.UniqueConstraint(
                fields=["campaign", "organisation", "activity_type", "month"],
                name="%(app_label)s_%(class)s_unique_month",
            ),
        ]

    def __str__(self) -> str:
        kind = self.get_activity_type_display()
        return f"{self.organisation}, {kind}, {self.month:%B %Y}: {self.records}"


class ActivityRevision(models.Model):
    """One saved state of an activity record: every edit is kept, with who made it and when."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    edited_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        ordering = ["activity", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "number"], name="%(app_label)s_%(class)s_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} (revision {self.number})"


class ActivityComment(models.Model):
    """A campaign admin's (or the partner's) comment on an activity record."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["activity", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.activity}"


class EnforcementFiguresQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EnforcementFiguresQuerySet":
        """Figures are for publicity, so everyone in the campaign may see every force's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class EnforcementFigures(models.Model):
    """Enforcement work a force publicises for a period, e.g. 90 search warrants in 12 months."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="enforcement_figures"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="enforcement_figures",
        limit_choices_to={"kind": Organisation.Kind.POLICE_FORCE},
    )
    period_start = models.DateField()
    period_end = models.DateField()
    search_warrants = models.PositiveIntegerField(
        "search warrants executed", null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    offenders_charged = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    live_cases = models.PositiveIntegerField(
        "live cases at the end of the period",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000)],
    )
    referrals_change_percent = models.IntegerField(
        "change in referrals (%)",
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100_000)],
        help_text="E.g. 100 for “referrals up 100%”, -20 for a fall of a fifth.",
    )
    notes = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnforcementFiguresQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "organisation", "-period_end", "pk"]
        verbose_name_plural = "enforcement figures"
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_ends_after_start",
                violation_error_message="The period cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["campaign", "organisation", "period_start", "period_end"],
                name="%(app_label)s_%(class)s_unique_period",
                violation_error_message="Figures for this period are already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(referrals_change_percent__isnull=True)
                | Q(referrals_change_percent__gte=-100),
                name="%(app_label)s_%(class)s_referrals_fall_at_most_all",
                violation_error_message="Referrals cannot fall by more than 100%.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.period_start} to {self.period_end}"

    @property
    def months(self) -> int:
        return round(((self.period_end - self.period_start).days + 1) / 30.44)
