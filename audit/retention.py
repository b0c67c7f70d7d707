"""Audit entries are kept AUDIT_RETENTION_DAYS, then counted into a monthly AuditSummary per
action and organisation, and deleted."""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEntry, AuditSummary
from lib.retention import Summarised, add_to, check_counted, month_of


def summarise_old_audit_entries(
    *, now: datetime | None = None, dry_run: bool = False
) -> Summarised:
    """Count audit entries past their retention into monthly summaries, then delete them.

    The audit trail is append-only: the model refuses to delete, and on PostgreSQL so does a
    trigger, unless the transaction first sets portal.audit_retention (see portal migration
    0005). This is the one place that does.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    with transaction.atomic():
        counts = Counter(
            (month_of(at), action, organisation_id)
            for at, action, organisation_id in AuditEntry.objects.filter(at__lt=cutoff)
            .select_for_update()
            .order_by()
            .values_list("at", "action", "organisation_id")
            .iterator()
        )
        for (month, action, organisation_id), number in counts.items():
            add_to(
                AuditSummary,
                "count",
                number,
                month=month,
                action=action,
                organisation_id=organisation_id,
            )
        postgresql = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            if postgresql:
                cursor.execute("SET LOCAL portal.audit_retention = 'on'")
            cursor.execute(
                "DELETE FROM portal_auditentry WHERE at < %s",
                [connection.ops.adapt_datetimefield_value(cutoff)],
            )
            deleted = cursor.rowcount
            if postgresql:
                # Off again at once: when this runs inside a longer transaction, nothing else in
                # it may delete audit entries.
                cursor.execute("SET LOCAL portal.audit_retention = 'off'")
        check_counted(deleted, counts, "audit entries")
        transaction.set_rollback(dry_run)
    return Summarised(deleted=deleted, summary_rows=len(counts), cutoff=cutoff)
