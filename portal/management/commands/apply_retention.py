"""Summarise and delete downloads and audit entries past their retention periods, and remove
uploads held for a form that was never sent again."""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from audit.retention import summarise_old_audit_entries
from campaigns.retention import delete_old_exports, summarise_old_downloads
from lib.commands import QueueableCommand
from lib.held_uploads import HOLD_MINUTES, remove_stale_held_uploads
from lib.retention import RetentionError, Summarised
from outbox.retention import delete_old_email
from portal.tasks import apply_retention_task


class Command(QueueableCommand):
    help = (
        "Count downloads older than DOWNLOAD_RETENTION_DAYS into monthly download summaries and "
        "audit entries older than AUDIT_RETENTION_DAYS into monthly audit summaries, then delete "
        "them; remove uploads held for a form longer than an hour; delete outgoing e-mail "
        "records older than OUTBOX_RETENTION_DAYS and big exports older than "
        "EXPORT_RETENTION_DAYS. Run it daily from cron; running it again adds only what has aged "
        "since."
    )

    task = apply_retention_task
    dry_run_help = "Say what would be done; change nothing."

    def run_here(self, *, dry_run: bool) -> None:
        now = timezone.now()
        try:
            downloads = summarise_old_downloads(now=now, dry_run=dry_run)
            self._report(downloads, "downloads", settings.DOWNLOAD_RETENTION_DAYS, dry_run)
            entries = summarise_old_audit_entries(now=now, dry_run=dry_run)
            self._report(entries, "audit entries", settings.AUDIT_RETENTION_DAYS, dry_run)
            verb = "Would delete" if dry_run else "Deleted"
            emails = delete_old_email(now=now, dry_run=dry_run)
            self.stdout.write(
                f"{verb} {emails} outgoing e-mail record(s) older than "
                f"{settings.OUTBOX_RETENTION_DAYS} days."
            )
            exports = delete_old_exports(now=now, dry_run=dry_run)
            self.stdout.write(
                f"{verb} {exports} export(s) older than {settings.EXPORT_RETENTION_DAYS} days."
            )
        except RetentionError as error:
            raise CommandError(str(error)) from error
        held = remove_stale_held_uploads(now=now, dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(
            f"{verb} {held} upload(s) held for a form for more than {HOLD_MINUTES} minutes."
        )

    def _report(self, done: Summarised, what: str, days: int, dry_run: bool) -> None:
        verb = "Would summarise and delete" if dry_run else "Summarised and deleted"
        self.stdout.write(
            f"{verb} {done.deleted} {what} older than {days} days (before "
            f"{timezone.localtime(done.cutoff):%d %B %Y %H:%M}) into {done.summary_rows} "
            "monthly summary row(s)."
        )
