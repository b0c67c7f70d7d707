from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Activity, MaterialVersion
from lib.files import open_stored
from lib.scanning import ScanFailed, ScanLimitExceeded, scan_result, scanning_on


class Command(BaseCommand):
    help = (
        "Scan stored material and evidence not yet scanned (stored before scanning was turned "
        "on). Clean files become downloadable; infected ones, and ones over the scanner's limits, "
        "are listed and stay blocked."
    )

    NOT_SCANNED = "over the scanner's limits, not scanned (see Virus scanning in docs/deploy.md)"

    def handle(self, *args, **options):
        if not scanning_on():
            raise CommandError("Scanning is off: set CLAMAV_ADDRESS first.")
        clean = infected = unscanned = 0
        for version in MaterialVersion.objects.filter(virus_checked=False).exclude(file=""):
            result = self._scan(version.file)
            name = f"Material {version.material_id} version {version.number}"
            if result == "OK":
                MaterialVersion.objects.filter(pk=version.pk).update(virus_checked=True)
                clean += 1
            elif result is None:
                unscanned += 1
                self.stderr.write(f"{name}: {self.NOT_SCANNED}")
            else:
                infected += 1
                self.stderr.write(f"{name}: {result}")
        for activity in Activity.objects.filter(evidence_virus_checked=False).exclude(evidence=""):
            result = self._scan(activity.evidence)
            if result == "OK":
                Activity.objects.filter(pk=activity.pk).update(evidence_virus_checked=True)
                clean += 1
            elif result is None:
                unscanned += 1
                self.stderr.write(f"Evidence of activity {activity.pk}: {self.NOT_SCANNED}")
            else:
                infected += 1
                self.stderr.write(f"Evidence of activity {activity.pk}: {result}")
        self.stdout.write(
            f"{clean} files scanned clean, {infected} found infected, {unscanned} over the "
            "scanner's limits (not scanned)."
        )

    def _scan(self, field_file) -> str | None:
        """clamd's answer, or None when the file is over its limits and so was not scanned. The
        stored file is streamed to the scanner, from local disk or the object store."""
        reader, _ = open_stored(field_file)
        try:
            return scan_result(reader)
        except ScanLimitExceeded:
            return None
        except ScanFailed as problem:
            raise CommandError(f"The scanner did not answer: {problem}") from problem
        finally:
            reader.close()
