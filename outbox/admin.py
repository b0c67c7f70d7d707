from django.contrib import admin, messages
from django.http import HttpRequest

from audit.admin_mixins import AuditedModelAdmin
from outbox.models import OutgoingEmail
from outbox.services import try_again


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(AuditedModelAdmin):
    """Read-only: what was sent, what waits, and what failed (with the mail server's answer)."""

    list_display = ["created_at", "template", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"
    # The bodies are not shown: a waiting invitation or password reset carries its secret link.
    exclude = ["text", "html"]
    readonly_fields = [
        field.name for field in OutgoingEmail._meta.fields if field.name not in {"text", "html"}
    ]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Send the selected e-mail again")
    def send_again(self, request, queryset):
        count = try_again(queryset)
        self.message_user(request, f"{count} e-mail queued again.", messages.SUCCESS)
