"""Download records name the person, so they are kept DOWNLOAD_RETENTION_DAYS, then counted into
a monthly DownloadSummary per material and organisation, and deleted."""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.models import Download
from campaigns.models.downloads import DownloadSummary
from lib.retention import Summarised, add_to, check_counted, month_of


def summarise_old_downloads(*, now: datetime | None = None, dry_run: bool = False) -> Summarised:
    """Count downloads past their retention into monthly summaries, then delete them.

    The old rows are locked while they are counted, so two runs at once cannot count the same
    download twice: the second waits, and then finds them gone.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.DOWNLOAD_RETENTION_DAYS)
    with transaction.atomic():
        old = Download.objects.filter(downloaded_at__lt=cutoff)
        counts = Counter(
            (material_id, organisation_id, month_of(downloaded_at))
            for material_id, organisation_id, downloaded_at in old.select_for_update()
            .order_by()
            .values_list("material_id", "organisation_id", "downloaded_at")
            .iterator()
        )
        for (material_id, organisation_id, month), number in counts.items():
            add_to(
                DownloadSummary,
                "downloads",
                number,
                material_id=material_id,
                organisation_id=organisation_id,
                month=month,
            )
        deleted, _ = old.delete()
        check_counted(deleted, counts, "downloads")
        transaction.set_rollback(dry_run)
    return Summarised(deleted=deleted, summary_rows=len(counts), cutoff=cutoff)


def delete_old_exports(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Big exports are for downloading once: after EXPORT_RETENTION_DAYS the file and its record
    go. The file is deleted first, so a failure leaves a record pointing at nothing rather than a
    file nobody can reach."""
    from campaigns.models import Export

    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    old = list(Export.objects.filter(created_at__lt=cutoff))
    if dry_run:
        return len(old)
    for export in old:
        if export.file:
            export.file.delete(save=False)
        export.delete()
    return len(old)
