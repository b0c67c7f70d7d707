"""Help-seeker figures: how many people sought help, by area, channel and period, and their
imports. They are stored at the granularity they arrive in; no finer split is ever invented."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from agencies.models import ForceArea, Region


class Channel(models.Model):
    """A way people seek help, e.g. the self-help website or the helpline."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order of the channel's column in tables."
    )
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="%(app_label)s_%(class)s_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


def import_path(figure_import: "FigureImport", filename: str) -> str:
    return f"imports/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1][:5]}"


class FigureImportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "FigureImportQuerySet":
        """Imports are the charity's: its campaign admins see its imports."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(organisation_id__in=user.admin_organisation_ids)


class FigureImport(models.Model):
    """One spreadsheet of figures, previewed, then committed whole, and undoable whole."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed, not saved"
        COMMITTED = "committed", "Saved"
        UNDONE = "undone", "Undone"

    organisation = models.ForeignKey(
        "agencies.Organisation", on_delete=models.PROTECT, related_name="figure_imports"
    )
    file = models.FileField(upload_to=import_path, max_length=200)
    filename = models.CharField(max_length=150)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    rows_added = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = FigureImportQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="committed") | Q(committed_at__isnull=False),
                name="%(app_label)s_%(class)s_commit_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="undone") | Q(undone_at__isnull=False),
                name="%(app_label)s_%(class)s_undo_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display().lower()})"


class HelpSeekerFigureQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> "HelpSeekerFigureQuerySet":
        return self.filter(region=region)

    def inside(self, start, end) -> "HelpSeekerFigureQuerySet":
        """Figures whose whole period lies inside the window."""
        return self.filter(period_start__gte=start, period_end__lte=end)

    def overlapping(self, start, end) -> "HelpSeekerFigureQuerySet":
        return self.filter(period_start__lte=end, period_end__gte=start)


class HelpSeekerFigure(models.Model):
    """How many people sought help from one area, through one channel, in one period.

    A figure with no force area counts people in the region whose area was not given.
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="help_seeker_figures")
    force_area = models.ForeignKey(
        ForceArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_seeker_figures",
        help_text="Empty for people in the region whose area was not given.",
    )
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="figures")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The last day the figure covers.")
    count = models.PositiveIntegerField()
    source_import = models.ForeignKey(
        FigureImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="figures",
        help_text="The import that last set this figure; empty when entered by hand.",
    )
    note = models.CharField(max_length=300, blank=True, help_text="Where the figure comes from.")
    is_illustrative = models.BooleanField(
        default=False, help_text="Made up for demonstration; labelled as such wherever shown."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HelpSeekerFigureQuerySet.as_manager()

    class Meta:
        ordering = ["region", "force_area", "channel", "period_start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_ends_after_start",
                violation_error_message="The period cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["force_area", "channel", "period_start", "period_end"],
                condition=Q(force_area__isnull=False),
                name="%(app_label)s_%(class)s_unique_area_period",
                violation_error_message="This area has a figure for this channel and period.",
            ),
            models.UniqueConstraint(
                fields=["region", "channel", "period_start", "period_end"],
                condition=Q(force_area__isnull=True),
                name="%(app_label)s_%(class)s_unique_not_given_period",
                violation_error_message="This region has a figure for this channel and period.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["region", "period_start", "period_end"], name="campaigns_figure_window"
            ),
        ]

    def __str__(self) -> str:
        area = self.force_area or f"{self.region} (area not given)"
        return f"{area}, {self.channel}, {self.period_start} to {self.period_end}: {self.count}"

    def clean(self) -> None:
        super().clean()
        if self.force_area_id and self.region_id and self.force_area.region_id != self.region_id:
            raise ValidationError({"force_area": f"{self.force_area} is not in {self.region}."})
        if self.region_id and self.channel_id and self.period_start and self.period_end:
            clash = (
                HelpSeekerFigure.objects.filter(
                    region_id=self.region_id,
                    force_area_id=self.force_area_id,
                    channel_id=self.channel_id,
                )
                .overlapping(self.period_start, self.period_end)
                .exclude(pk=self.pk)
                .exclude(period_start=self.period_start, period_end=self.period_end)
                .first()
            )
            if clash is not None:
                raise ValidationError(
                    f"This period overlaps the figure for {clash.period_start:%d %b %Y} to "
                    f"{clash.period_end:%d %b %Y}: figures for one area and channel cannot overlap."
                )


class RegionFiguresStamp(models.Model):
    """A value that changes whenever any of a region's help-seeker figures is added, changed or
    removed, kept by the database (triggers of migration 0019, so every write counts: a form,
    the admin, an import, a bulk load or plain SQL). Reports worked out from a region's figures
    are kept under it (campaigns.impact.report) and worked out again once it changes. A region
    with no row has had no figure written since the triggers were made (its stamp is 0)."""

    # Without a constraint: the triggers write a stamp as the figures go, also while a whole
    # database is emptied, region and all; a stamp left for a region gone is never read.
    region = models.OneToOneField(
        Region,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    # Random rather than counted: a restored database, or a transaction rolled back, can come
    # back to an earlier count with other figures; to an earlier random value only by a chance
    # of about one in 2**53.
    stamp = models.BigIntegerField()

    # Not in backups, and not compared with them: loading a backup's figures stamps their
    # regions anew, which is what it should do (portal/backup.py).
    kept_by_the_database = True
    made_anew_by_a_restore = True

    def __str__(self) -> str:
        return f"{self.region}: {self.stamp}"


class FigureChange(models.Model):
    """What one committed import did to one figure, so the import can be undone as a whole."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"

    figure_import = models.ForeignKey(
        FigureImport, on_delete=models.CASCADE, related_name="changes"
    )
    figure = models.ForeignKey(
        HelpSeekerFigure, on_delete=models.SET_NULL, null=True, related_name="changes"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    line = models.PositiveIntegerField(help_text="The line of the spreadsheet.")
    previous_count = models.PositiveIntegerField(null=True, blank=True)
    previous_note = models.CharField(max_length=300, blank=True)
    previous_import = models.ForeignKey(
        FigureImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    new_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["figure_import", "line", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at line {self.line} of {self.figure_import}"
