from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Activity, MaterialVersion
from lib.files import open_stored
from lib.scanning import ScanFailed, scan_result, scanning_on


class Command(BaseCommand):
    help = (
        "Scan stored material and evidence not yet scanned (stored before scanning was turned "
        "on). Clean files become downloadable; infected ones are listed and stay blocked."
    )

    def handle(self, *args, **options):
        if not scanning_on():
            raise CommandError("Scanning is off: set CLAMAV_ADDRESS first.")
        clean = infected = 0
        for version in MaterialVersion.objects.filter(virus_checked=False).exclude(file=""):
            result = self._scan(version.file)
            if result == "OK":
                MaterialVersion.objects.filter(pk=version.pk).update(virus_checked=True)
                clean += 1
            else:
                infected += 1
                self.stderr.write(
                    f"Material {version.material_id} version {version.number}: {result}"
                )
        for activity in Activity.objects.filter(evidence_virus_checked=False).exclude(evidence=""):
            result = self._scan(activity.evidence)
            if result == "OK":
                Activity.objects.filter(pk=activity.pk).update(evidence_virus_checked=True)
                clean += 1
            else:
                infected += 1
                self.stderr.write(f"Evidence of activity {activity.pk}: {result}")
        self.stdout.write(f"{clean} files scanned clean, {infected} found infected.")

    def _scan(self, field_file) -> str:
        """Stream the stored file (local or in the object store) to the scanner."""
        reader, _ = open_stored(field_file)
        try:
            return scan_result(reader)
        except ScanFailed as problem:
            raise CommandError(f"The scanner did not answer: {problem}") from problem
        finally:
            reader.close()
