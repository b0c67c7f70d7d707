"""Templates that partners fill with their own figures, the material made from them, and what
each generated version was made of."""

import uuid

from django.conf import settings
from django.db import models

from agencies.models import Organisation
from campaigns.models.material import Material, MaterialVersion


def generated_pdf_path(generated: "GeneratedVersion", filename: str) -> str:
    return f"material/{generated.version.material.campaign_id}/{uuid.uuid4().hex}.pdf"


class LocalisedTemplate(models.Model):
    """Campaign material the charity has marked as a template partners make their own from."""

    class Kind(models.TextChoices):
        PRESS_RELEASE = "press_release", "Press release (Word document with fields)"
        POSTER = "poster", "Co-branded poster (image with a logo zone and a text zone)"

    material = models.OneToOneField(Material, on_delete=models.CASCADE, related_name="template")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    logo_zone = models.JSONField(
        null=True,
        blank=True,
        help_text="Posters: where the partner's logo goes, as [left, top, width, height] in "
        "fractions of the image (0 to 1).",
    )
    text_zone = models.JSONField(
        null=True,
        blank=True,
        help_text="Posters: where the partner's words go, as [left, top, width, height].",
    )
    poster_text = models.CharField(
        max_length=300,
        blank=True,
        help_text="Posters: the words in the text zone, with fields, e.g. "
        "“{{ organisation_name }} supports Stop it Now! {{ helpline }}”.",
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["material", "pk"]

    def __str__(self) -> str:
        return f"Template: {self.material}"


class LocalisedMaterial(models.Model):
    """A partner's own material made from a template with its figures and words."""

    material = models.OneToOneField(Material, on_delete=models.CASCADE, related_name="localised")
    template = models.ForeignKey(
        LocalisedTemplate, on_delete=models.PROTECT, related_name="made_from_it"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose figures it uses: always the organisation that made it.",
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    free_values = models.JSONField(
        default=dict, blank=True, help_text="What the partner wrote, e.g. its local quotes."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template", "organisation", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True, period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material} (from {self.template.material})"


class GeneratedVersion(models.Model):
    """What one version of localised material was made from: the template's version and every
    value it used, so a later change in the figures can be found by recomputing them."""

    version = models.OneToOneField(
        MaterialVersion, on_delete=models.CASCADE, related_name="generated"
    )
    localised = models.ForeignKey(
        LocalisedMaterial, on_delete=models.CASCADE, related_name="generations"
    )
    template_version = models.ForeignKey(
        MaterialVersion, on_delete=models.PROTECT, related_name="+"
    )
    values = models.JSONField(help_text="Each field's text, source, period, as used.")
    figures_as_of = models.DateTimeField()
    pdf = models.FileField(upload_to=generated_pdf_path, blank=True, max_length=200)

    class Meta:
        ordering = ["localised", "-figures_as_of", "pk"]

    def __str__(self) -> str:
        return f"{self.version} made from {self.template_version}"


class PartnerVisits(models.Model):
    """Visits to the campaign's help page that came through one partner's tracked links (its
    posters' QR codes and its releases' links) in a period: a count, nothing about anyone."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="partner_visits"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    medium = models.CharField(
        max_length=40, help_text="The link's utm_medium, e.g. poster or press_release."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    visits = models.PositiveIntegerField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["campaign", "organisation", "medium", "period_start", "pk"]
        verbose_name_plural = "partner visits"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation", "medium", "period_start", "period_end"],
                name="%(app_label)s_%(class)s_unique_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}, {self.medium}, {self.period_start}: {self.visits} visits"
