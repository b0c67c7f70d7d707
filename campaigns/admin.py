from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from audit.admin_mixins import AuditedModelAdmin
from campaigns.models import (
    Activity,
    ActivityComment,
    ActivityMaterial,
    ActivityMonthlyTotal,
    ActivityRevision,
    Campaign,
    CampaignPartner,
    CampaignVisit,
    Channel,
    Download,
    EnforcementFigures,
    Export,
    FigureChange,
    FigureImport,
    GeneratedVersion,
    HelpSeekerFigure,
    LocalisedMaterial,
    LocalisedTemplate,
    Material,
    MaterialVersion,
    PartnerVisits,
    RegionFiguresStamp,
    ReleaseNotice,
    Tag,
    WithdrawalNotice,
)
from campaigns.models.downloads import DownloadSummary


class CampaignPartnerInline(admin.TabularInline):
    model = CampaignPartner
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "launch_date", "added_at"]
    readonly_fields = ["added_at"]


@admin.register(Campaign)
class CampaignAdmin(AuditedModelAdmin):
    list_display = ["name", "lead_organisation", "region", "launch_date", "end_date"]
    list_filter = ["lead_organisation", "region"]
    search_fields = ["name", "summary"]
    autocomplete_fields = ["lead_organisation", "region", "created_by"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["lead_organisation", "region"]
    date_hierarchy = "launch_date"
    inlines = [CampaignPartnerInline]


@admin.register(CampaignPartner)
class CampaignPartnerAdmin(AuditedModelAdmin):
    list_display = ["organisation", "campaign", "launch_date", "added_at"]
    list_filter = ["campaign", "organisation__kind"]
    search_fields = ["organisation__name", "campaign__name"]
    autocomplete_fields = ["campaign", "organisation", "added_by"]
    list_select_related = ["organisation", "campaign"]


class ReadOnlyAdmin(AuditedModelAdmin):
    """Records the portal writes itself: searchable here, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MaterialVersionInline(admin.TabularInline):
    """Versions and decisions are made in the portal, where files are checked and audited."""

    model = MaterialVersion
    extra = 0
    can_delete = False
    fields = ["number", "status", "original_filename", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Material)
class MaterialAdmin(AuditedModelAdmin):
    list_display = ["title", "kind", "campaign", "owner_organisation", "audience", "withdrawn_at"]
    list_filter = ["kind", "audience", "campaign", "owner_organisation__kind"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["campaign", "owner_organisation", "tags", "audience_organisations"]
    readonly_fields = ["withdrawn_at", "withdrawn_by", "withdrawal_reason", "release_notified_at"]
    exclude = ["created_by"]
    list_select_related = ["campaign", "owner_organisation"]
    inlines = [MaterialVersionInline]


@admin.register(Tag)
class TagAdmin(AuditedModelAdmin):
    search_fields = ["name"]


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdmin):
    list_display = [
        "downloaded_at",
        "material",
        "version",
        "user",
        "organisation",
        "embargo_acknowledged",
    ]
    list_filter = ["embargo_acknowledged", "in_toolkit_zip", "organisation"]
    search_fields = ["material__title", "user__email"]
    date_hierarchy = "downloaded_at"
    list_select_related = ["material", "version__material", "user", "organisation"]


@admin.register(WithdrawalNotice)
class WithdrawalNoticeAdmin(ReadOnlyAdmin):
    list_display = ["material", "user", "created_at", "dismissed_at"]
    search_fields = ["material__title", "user__email"]
    list_select_related = ["material", "user"]


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    """Big exports and how far each got; a failed one says why in the task results."""

    list_display = ["created_at", "kind", "format", "requested_by", "status", "rows_total"]
    list_filter = ["status", "kind", "format"]
    search_fields = ["requested_by__email", "filename"]
    list_select_related = ["requested_by"]
    # The file is the person's, served only through the portal's own check; no media link here.
    exclude = ["file"]


@admin.register(ReleaseNotice)
class ReleaseNoticeAdmin(ReadOnlyAdmin):
    list_display = ["material", "user", "created_at", "emailed_at"]
    search_fields = ["material__title", "user__email"]
    list_select_related = ["material", "user"]


@admin.register(CampaignVisit)
class CampaignVisitAdmin(ReadOnlyAdmin):
    list_display = ["user", "campaign", "last_seen_at"]
    search_fields = ["user__email", "campaign__name"]
    list_select_related = ["user", "campaign"]


@admin.register(MaterialVersion)
class MaterialVersionAdmin(ReadOnlyAdmin):
    list_display = ["material", "number", "status", "uploaded_by", "uploaded_at", "decided_by"]
    list_filter = ["status", "content_type"]
    search_fields = ["material__title", "original_filename", "sha256"]
    list_select_related = ["material", "uploaded_by", "decided_by"]
    date_hierarchy = "uploaded_at"


class ActivityRevisionInline(admin.TabularInline):
    model = ActivityRevision
    extra = 0
    can_delete = False
    fields = ["number", "edited_by", "edited_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ActivityMaterialInline(admin.TabularInline):
    """The material a record used. Each link keeps the record's organisation (see
    ActivityMaterial), which ActivityAdmin.save_related fills in."""

    model = ActivityMaterial
    extra = 0
    fields = ["material"]
    autocomplete_fields = ["material"]
    verbose_name = "material used"
    verbose_name_plural = "material used"


@admin.register(Activity)
class ActivityAdmin(AuditedModelAdmin):
    list_display = ["started_on", "activity_type", "organisation", "campaign", "quantity", "reach"]
    list_filter = ["activity_type", "campaign", "organisation__kind"]
    search_fields = ["organisation__name", "channel", "place", "notes"]
    autocomplete_fields = ["campaign", "organisation", "force_area"]
    readonly_fields = ["logged_by", "evidence", "evidence_name", "created_at", "updated_at"]
    list_select_related = ["organisation", "campaign"]
    date_hierarchy = "started_on"
    inlines = [ActivityMaterialInline, ActivityRevisionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_formset(self, request, form, formset, change):
        if formset.model is ActivityMaterial:
            for link in formset.forms:
                link.instance.organisation_id = form.instance.organisation_id
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A record moved to another organisation takes its links with it.
        ActivityMaterial.objects.filter(activity=form.instance).exclude(
            organisation_id=form.instance.organisation_id
        ).update(organisation_id=form.instance.organisation_id)


@admin.register(ActivityMaterial)
class ActivityMaterialAdmin(ReadOnlyAdmin):
    """The links, for searching: they are changed on their record's page (ActivityAdmin)."""

    list_display = ["activity", "material", "organisation"]
    search_fields = ["organisation__name", "material__title"]
    list_select_related = ["activity__organisation", "material", "organisation"]


@admin.register(ActivityMonthlyTotal)
class ActivityMonthlyTotalAdmin(ReadOnlyAdmin):
    """The totals the database keeps beside the records: to read, never to remove by hand (a
    total removed would no longer match its records)."""

    list_display = ["campaign", "organisation", "activity_type", "month", "records"]
    list_filter = ["activity_type"]
    search_fields = ["organisation__name", "campaign__name"]
    list_select_related = ["campaign", "organisation"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegionFiguresStamp)
class RegionFiguresStampAdmin(ReadOnlyAdmin):
    """The stamps the database keeps beside the figures: to read, never to change by hand (the
    impact page's kept work would not follow)."""

    list_display = ["region", "stamp"]
    list_select_related = ["region"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivityRevision)
class ActivityRevisionAdmin(ReadOnlyAdmin):
    list_display = ["activity", "number", "edited_by", "edited_at"]
    search_fields = ["activity__organisation__name"]
    list_select_related = ["activity__organisation", "edited_by"]


@admin.register(ActivityComment)
class ActivityCommentAdmin(AuditedModelAdmin):
    list_display = ["activity", "author", "created_at"]
    search_fields = ["body", "author__email"]
    list_select_related = ["activity__organisation", "author"]
    autocomplete_fields = ["activity", "author"]


@admin.register(EnforcementFigures)
class EnforcementFiguresAdmin(AuditedModelAdmin):
    list_display = [
        "organisation",
        "campaign",
        "period_start",
        "period_end",
        "search_warrants",
        "offenders_charged",
        "live_cases",
        "referrals_change_percent",
    ]
    list_filter = ["campaign", "organisation"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["campaign", "organisation", "logged_by"]
    list_select_related = ["organisation", "campaign"]


@admin.register(Channel)
class ChannelAdmin(AuditedModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(HelpSeekerFigure)
class HelpSeekerFigureAdmin(AuditedModelAdmin):
    """Figures can be corrected here one at a time; the model's checks (area in region, no
    overlapping periods) run on every save."""

    list_display = [
        "region",
        "force_area",
        "channel",
        "period_start",
        "period_end",
        "count",
        "is_illustrative",
    ]
    list_filter = ["region", "channel", "is_illustrative", "force_area"]
    search_fields = ["note", "force_area__name", "region__name"]
    autocomplete_fields = ["region", "force_area", "channel"]
    readonly_fields = ["source_import", "created_at", "updated_at"]
    list_select_related = ["region", "force_area", "channel"]
    date_hierarchy = "period_start"


@admin.register(FigureImport)
class FigureImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "organisation", "status", "uploaded_by", "uploaded_at"]
    list_filter = ["status"]
    search_fields = ["filename", "sha256"]
    list_select_related = ["organisation", "uploaded_by"]


@admin.register(FigureChange)
class FigureChangeAdmin(ReadOnlyAdmin):
    list_display = ["figure_import", "line", "action", "previous_count", "new_count"]
    list_filter = ["action"]
    search_fields = ["figure_import__filename"]
    list_select_related = ["figure_import"]


@admin.register(DownloadSummary)
class DownloadSummaryAdmin(ReadOnlyAdmin):
    """Written by apply_retention when downloads pass their retention period; never by hand."""

    list_display = ["month", "material", "organisation", "downloads"]
    list_filter = ["organisation"]
    search_fields = ["material__title", "organisation__name"]
    date_hierarchy = "month"
    list_select_related = ["material", "organisation"]

    def has_delete_permission(
        self, request: HttpRequest, obj: DownloadSummary | None = None
    ) -> bool:
        return False


@admin.register(LocalisedTemplate)
class LocalisedTemplateAdmin(AuditedModelAdmin):
    """A template's zones and poster words can be corrected here; its file is the material's."""

    list_display = ["material", "kind", "marked_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["material__title"]
    readonly_fields = ["material", "marked_by", "created_at", "updated_at"]
    list_select_related = ["material", "marked_by"]


@admin.register(LocalisedMaterial)
class LocalisedMaterialAdmin(ReadOnlyAdmin):
    list_display = ["material", "template", "organisation", "period_start", "period_end"]
    search_fields = ["material__title", "organisation__name"]
    list_select_related = ["material", "template__material", "organisation"]


@admin.register(GeneratedVersion)
class GeneratedVersionAdmin(ReadOnlyAdmin):
    """What each generated version used: written when it is made, never by hand."""

    list_display = ["version", "template_version", "figures_as_of"]
    list_select_related = ["version__material", "template_version__material"]


@admin.register(PartnerVisits)
class PartnerVisitsAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "organisation", "medium", "period_start", "period_end", "visits"]
    list_filter = ["campaign", "medium"]
    search_fields = ["organisation__name"]
    list_select_related = ["campaign", "organisation"]
