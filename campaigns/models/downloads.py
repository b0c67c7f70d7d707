"""The record of who downloaded which material, and the notices they get when it is withdrawn."""

from django.conf import settings
from django.db import models

from agencies.models import Organisation
from campaigns.models.material import Material, MaterialVersion


class DownloadQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DownloadQuerySet":
        """Campaign admins see every download in their campaigns; anyone else, their own
        organisations' downloads."""
        if not user.is_authenticated:
            return self.none()
        runs_it = models.Q(material__campaign__lead_organisation_id__in=user.admin_organisation_ids)
        own = models.Q(organisation_id__in=user.organisation_ids)
        return self.filter(runs_it | own)


class Download(models.Model):
    """One download of one version of material by one person, kept as evidence of use."""

    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="downloads")
    version = models.ForeignKey(MaterialVersion, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="downloads"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="downloads",
        help_text="The organisation the person downloaded it for.",
    )
    downloaded_at = models.DateTimeField(db_index=True)
    embargo_acknowledged = models.BooleanField(
        default=False,
        help_text="The person confirmed they would not publish it before the embargo lifts.",
    )
    in_toolkit_zip = models.BooleanField(default=False)

    objects = DownloadQuerySet.as_manager()

    class Meta:
        ordering = ["-downloaded_at", "-pk"]
        indexes = [
            models.Index(fields=["material", "organisation"], name="campaigns_download_mat_org"),
            models.Index(fields=["user", "material"], name="campaigns_download_user_mat"),
        ]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.version} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class WithdrawalNotice(models.Model):
    """Tells one person, on their home page, that material they downloaded was withdrawn."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="withdrawal_notices"
    )
    material = models.ForeignKey(
        Material, on_delete=models.CASCADE, related_name="withdrawal_notices"
    )
    created_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One notice, and so one e-mail, per person per withdrawal.
            models.UniqueConstraint(
                fields=["user", "material"], name="%(app_label)s_%(class)s_unique_person_material"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material} withdrawn: notice for {self.user}"


class DownloadSummary(models.Model):
    """How many times material was downloaded for one organisation in one month, kept once the
    individual downloads (which name the person) pass their retention period."""

    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, related_name="download_summaries"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for downloads made without an organisation.",
    )
    month = models.DateField(help_text="The first day of the month, in UK time.")
    downloads = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "material", "organisation", "pk"]
        verbose_name_plural = "download summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["material", "organisation", "month"],
                condition=models.Q(organisation__isnull=False),
                name="%(app_label)s_%(class)s_unique_material_organisation_month",
            ),
            models.UniqueConstraint(
                fields=["material", "month"],
                condition=models.Q(organisation__isnull=True),
                name="%(app_label)s_%(class)s_unique_material_month_no_organisation",
            ),
        ]

    def __str__(self) -> str:
        who = self.organisation or "no organisation"
        return f"{self.material}, {who}, {self.month:%B %Y}: {self.downloads} downloads"


class ReleaseNotice(models.Model):
    """That one person is to be told about one piece of newly released material: the digests
    (as released, or daily) are made from the notices not yet e-mailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="release_notices"
    )
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="release_notices")
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the digest naming it was queued for sending."
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "material"], name="%(app_label)s_%(class)s_unique_person_material"
            ),
        ]
        indexes = [models.Index(fields=["emailed_at", "user"], name="campaigns_notice_waiting")]

    def __str__(self) -> str:
        return f"{self.material} released: notice for {self.user}"
