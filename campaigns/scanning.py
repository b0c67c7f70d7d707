"""Scanning stored files: material and evidence stored unscanned (before scanning was turned on,
or films too big to scan while their uploader waited). Clean files become downloadable; infected
ones, and ones over the scanner's limits, stay blocked and are reported."""

from dataclasses import dataclass, field

from campaigns.models import Activity, MaterialVersion
from lib.files import open_stored
from lib.scanning import ScanLimitExceeded, scan_result

NOT_SCANNED = "over the scanner's limits, not scanned (see Virus scanning in docs/deploy.md)"


@dataclass
class Scanned:
    clean: int = 0
    infected: list[str] = field(default_factory=list)
    unscanned: list[str] = field(default_factory=list)


def _scan(field_file) -> str | None:
    """clamd's answer, or None when the file is over its limits and so was not scanned. The
    stored file is streamed to the scanner, from local disk or the object store."""
    reader, _ = open_stored(field_file)
    try:
        return scan_result(reader)
    except ScanLimitExceeded:
        return None
    finally:
        reader.close()


def scan_unscanned_files() -> Scanned:
    """Scan every stored file not yet scanned clean. Raises ScanFailed if the scanner does not
    answer; what was scanned clean before that stays so, and running it again scans the rest."""
    done = Scanned()
    stored = [
        (version, version.file, f"Material {version.material_id} version {version.number}")
        for version in MaterialVersion.objects.filter(virus_checked=False).exclude(file="")
    ] + [
        (activity, activity.evidence, f"Evidence of activity {activity.pk}")
        for activity in Activity.objects.filter(evidence_virus_checked=False).exclude(evidence="")
    ]
    for owner, field_file, name in stored:
        result = _scan(field_file)
        if result == "OK":
            if isinstance(owner, MaterialVersion):
                MaterialVersion.objects.filter(pk=owner.pk).update(virus_checked=True)
            else:
                Activity.objects.filter(pk=owner.pk).update(evidence_virus_checked=True)
            done.clean += 1
        elif result is None:
            done.unscanned.append(f"{name}: {NOT_SCANNED}")
        else:
            done.infected.append(f"{name}: {result}")
    return done
