from django.contrib import admin
from django.http import HttpRequest

from audit.admin_mixins import AuditedModelAdmin
from audit.models import AuditEntry, AuditSummary


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedModelAdmin):
    """Read-only: the audit trail can be searched here but never changed or deleted."""

    list_display = [
        "at",
        "action",
        "actor",
        "organisation",
        "campaign",
        "target_repr",
        "ip_address",
    ]
    list_filter = ["action", "organisation"]
    search_fields = ["target_repr", "actor__email", "actor__full_name"]
    date_hierarchy = "at"
    list_select_related = ["actor", "organisation", "campaign"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditSummary)
class AuditSummaryAdmin(AuditedModelAdmin):
    """Read-only: apply_retention writes these when it deletes audit entries past retention."""

    list_display = ["month", "action", "organisation", "count"]
    list_filter = ["action", "organisation"]
    search_fields = ["action", "organisation__name"]
    date_hierarchy = "month"
    list_select_related = ["organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditSummary | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditSummary | None = None) -> bool:
        return False
