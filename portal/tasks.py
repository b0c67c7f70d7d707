"""Data-protection jobs that span apps, runnable by the task worker."""

from django.utils import timezone
from django_tasks import task

from audit.retention import summarise_old_audit_entries
from campaigns.retention import delete_old_exports, summarise_old_downloads
from lib.held_uploads import remove_stale_held_uploads
from lib.tasks import retry_later
from outbox.retention import delete_old_email


@task()
def apply_retention_task(attempt: int = 1) -> dict:
    """Summarise and delete downloads and audit entries past retention. Running it again adds
    only what has aged since."""
    now = timezone.now()
    try:
        downloads = summarise_old_downloads(now=now, dry_run=False)
        entries = summarise_old_audit_entries(now=now, dry_run=False)
        emails = delete_old_email(now=now)
        exports = delete_old_exports(now=now)
        held = remove_stale_held_uploads(now=now, dry_run=False)
    except Exception as error:
        retry_later(apply_retention_task, attempt=attempt, error=error)
        raise
    return {
        "downloads_deleted": downloads.deleted,
        "audit_entries_deleted": entries.deleted,
        "emails_deleted": emails,
        "exports_deleted": exports,
        "held_uploads_removed": held,
    }
