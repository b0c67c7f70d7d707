"""Every change made through the Django admin also goes into the portal's audit trail."""

from django.contrib import admin

from audit.models import AuditEntry
from audit.services import record
from lib.addresses import client_address


class AuditedAdminMixin:
    """Records additions, changes and deletions with who, what and Django's change message."""

    def _audit(self, request, obj, what: str, message) -> None:
        record(
            AuditEntry.Action.ADMIN_CHANGE,
            actor=request.user,
            address=client_address(request),
            organisation=getattr(obj, "organisation", None)
            if getattr(obj, "organisation_id", None)
            else None,
            target=obj,
            data={
                "model": obj._meta.label,
                "object_id": obj.pk,
                "what": what,
                "change": str(message)[:2000],
            },
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "added", message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "changed", message)
        return entry

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "deleted", "")
        return super().log_deletions(request, queryset)


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass
