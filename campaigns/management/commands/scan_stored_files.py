from django.core.management.base import CommandError

from campaigns.scanning import scan_unscanned_files
from campaigns.tasks import scan_stored_files_task
from lib.commands import QueueableCommand
from lib.scanning import ScanFailed, scanning_on


class Command(QueueableCommand):
    help = (
        "Scan stored material and evidence not yet scanned (stored before scanning was turned "
        "on, or films scanned after upload). Clean files become downloadable; infected ones, and "
        "ones over the scanner's limits, are listed and stay blocked."
    )

    task = scan_stored_files_task
    enqueue_help = "Hand the scan to the task worker instead of running it here."

    def handle(self, *args, **options):
        if not scanning_on():
            raise CommandError("Scanning is off: set CLAMAV_ADDRESS first.")
        super().handle(*args, **options)

    def run_here(self, *, dry_run: bool) -> None:
        try:
            done = scan_unscanned_files()
        except ScanFailed as problem:
            raise CommandError(f"The scanner did not answer: {problem}") from problem
        for finding in done.unscanned + done.infected:
            self.stderr.write(finding)
        self.stdout.write(
            f"{done.clean} files scanned clean, {len(done.infected)} found infected, "
            f"{len(done.unscanned)} over the scanner's limits (not scanned)."
        )
