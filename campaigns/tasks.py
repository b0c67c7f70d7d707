"""The campaigns app's background tasks. Each is safe to run again: see the functions they call."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from campaigns.models import Export
from lib import security_log
from lib.scanning import ScanFailed, scanning_on
from lib.tasks import retry_later


@task()
def write_export(export_id: int, attempt: int = 1) -> str:
    """Write a big export to storage for the person who asked for it."""
    from campaigns.exports import write_activity_export

    export = Export.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None:
        return "export no longer exists"
    try:
        write_activity_export(export)
    except Exception as error:
        will_retry = retry_later(write_export, export_id, attempt=attempt, error=error)
        with transaction.atomic():
            Export.objects.filter(pk=export_id).update(
                status=Export.Status.WAITING if will_retry else Export.Status.FAILED,
                error="" if will_retry else "The export could not be written.",
                finished_at=None if will_retry else timezone.now(),
            )
        raise
    return "ready"


@task()
def scan_stored_files_task(attempt: int = 1) -> dict:
    """Scan stored files not yet scanned; a scanner that does not answer is tried again later."""
    from campaigns.scanning import scan_unscanned_files

    if not scanning_on():
        return {"clean": 0, "infected": 0, "not_scanned": 0}
    try:
        done = scan_unscanned_files()
    except ScanFailed as error:
        retry_later(scan_stored_files_task, attempt=attempt, error=error)
        raise
    for finding in done.infected:
        security_log.event("file.infected", finding=finding)
    for finding in done.unscanned:
        security_log.event("file.not_scanned", finding=finding)
    return {
        "clean": done.clean,
        "infected": len(done.infected),
        "not_scanned": len(done.unscanned),
    }
