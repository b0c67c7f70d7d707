"""Importing help-seeker figures from CSV or XLSX: read, check every row, preview, then commit
all rows or none; and undo a whole import.

The spreadsheet has one row per figure, with the columns area, channel, period and count (and
an optional note). A period is a year (2017), a quarter (2017-Q2), a month (2017-03) or a date
range (2017-03-01/2017-05-31). An area is a force area's name, or "<region> (area not given)".
"""

import csv
import hashlib
import io
import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone

from agencies.models import ForceArea, Organisation, Region
from audit.models import AuditEntry
from audit.services import record
from campaigns.models.figures import (
    Channel,
    FigureChange,
    FigureImport,
    HelpSeekerFigure,
    RegionFiguresStamp,
)
from lib import uploads
from lib.files import StoredFiles
from lib.spreadsheets import read_first_sheet

COLUMNS = ("area", "channel", "period", "count")
NOT_GIVEN = re.compile(r"^(?P<region>.+?)\s*\((?:area|county|force area) not given\)$", re.I)
QUARTER = re.compile(r"^(?P<year>\d{4})[- ]?Q(?P<quarter>[1-4])$", re.I)
MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")
YEAR = re.compile(r"^(?P<year>\d{4})$")
RANGE = re.compile(
    r"^(?P<start>\d{4}-\d{2}-\d{2})\s*(?:/|to|–|-{1,2})\s*(?P<end>\d{4}-\d{2}-\d{2})$"
)


@dataclass(frozen=True)
class Row:
    line: int
    region: Region
    force_area: ForceArea | None
    channel: Channel
    period_start: date
    period_end: date
    count: int
    note: str

    @property
    def key(self) -> tuple:
        return (
            self.region.pk,
            self.force_area_id,
            self.channel.pk,
            self.period_start,
            self.period_end,
        )

    @property
    def force_area_id(self) -> int | None:
        return self.force_area.pk if self.force_area else None

    @property
    def area_label(self) -> str:
        return self.force_area.name if self.force_area else f"{self.region} (area not given)"


@dataclass
class Outcome:
    row: Row
    action: str  # "add", "change" or "unchanged"
    existing: HelpSeekerFigure | None = None


@dataclass
class Preview:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    extension: str = ".csv"

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def added(self) -> int:
        return self.count("add")

    @property
    def changed(self) -> int:
        return self.count("change")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def changes_anything(self) -> bool:
        return any(outcome.action != "unchanged" for outcome in self.outcomes)


def max_import_bytes() -> int:
    return settings.FIGURE_IMPORT_MAX_MB * uploads.MB


# --- Reading the file ----------------------------------------------------------------------------


def read_table(
    uploaded: UploadedFile, *, columns: list[str], rows_are: str, optional: str = ""
) -> tuple[str, list[tuple[int, dict]]]:
    """A person's spreadsheet (CSV or Excel), checked like every upload: its extension and data
    rows as (line, {column: value}), blank rows skipped; ValidationError for a problem with the
    whole file. rows_are names what the rows hold ("figures"), for the messages."""
    checked = uploads.check_upload(
        uploaded,
        allowed={uploads.XLSX, uploads.TEXT},
        max_bytes=max_import_bytes(),
        what="spreadsheet",
    )
    checked.content.seek(0)
    if checked.content_type == uploads.XLSX:
        table = _xlsx_table(checked.content)
    else:
        table = _csv_table(checked.content.read())
    if not table:
        raise ValidationError(f"The file is empty: it has no header row and no {rows_are}.")
    header = [str(cell or "").strip().lower() for cell in table[0][1]]
    missing = [column for column in columns if column not in header]
    if missing:
        found = ", ".join(name for name in header if name) or "nothing"
        raise ValidationError(
            f"The first row must name the columns {', '.join(columns)}{optional}. "
            f"It is missing {', '.join(missing)}; it has {found}."
        )
    rows = []
    for line, cells in table[1:]:
        values = dict(zip(header, cells, strict=False))
        if all(value in (None, "") for value in values.values()):
            continue
        rows.append((line, values))
    if not rows:
        raise ValidationError(f"The file has a header row but no {rows_are}.")
    return (".xlsx" if checked.content_type == uploads.XLSX else ".csv"), rows


def _read_rows(uploaded: UploadedFile) -> tuple[str, list[tuple[int, dict]]]:
    return read_table(
        uploaded, columns=COLUMNS, rows_are="figures", optional=" (and optionally note)"
    )


def _csv_table(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV (Comma delimited)" writes Windows-1252.
        text = data.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text))
    return [(number, row) for number, row in enumerate(reader, start=1)]


def _xlsx_table(handle) -> list[tuple[int, list]]:
    table = []
    for line, row in read_first_sheet(handle):
        for cell in row:
            # The sheet is read with formulas as formulas: one is refused, never evaluated or
            # trusted for its cached value.
            if cell.data_type == "f":
                raise ValidationError(
                    f"Line {cell.row}: cell {cell.coordinate} holds a formula. Formulas are "
                    "not read: copy the sheet and paste it back as values, then import that."
                )
        table.append((line, [cell.value for cell in row]))
    return table


# --- Understanding each row ----------------------------------------------------------------------


def parse_period(value) -> tuple[date, date]:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        # Excel turns "2017-03" typed in a cell into 1 March 2017: read that as the month.
        if value.day == 1:
            return value, value.replace(day=monthrange(value.year, value.month)[1])
        raise ValueError("a single day is not a period: write a month such as 2017-03")
    text = str(value or "").strip()
    if match := YEAR.match(text):
        year = int(match["year"])
        return date(year, 1, 1), date(year, 12, 31)
    if match := QUARTER.match(text):
        year, quarter = int(match["year"]), int(match["quarter"])
        first = 3 * quarter - 2
        return date(year, first, 1), date(year, first + 2, monthrange(year, first + 2)[1])
    if match := MONTH.match(text):
        year, month = int(match["year"]), int(match["month"])
        return date(year, month, 1), date(year, month, monthrange(year, month)[1])
    if match := RANGE.match(text):
        start, end = date.fromisoformat(match["start"]), date.fromisoformat(match["end"])
        if end < start:
            raise ValueError("the range ends before it starts")
        return start, end
    raise ValueError(
        "write the period as a year (2017), a quarter (2017-Q2), a month (2017-03) or a date "
        "range (2017-03-01/2017-05-31)"
    )


def parse_count(value) -> int:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError("a count is a whole number")
        number = int(value)
    else:
        text = str(value or "").strip().replace(",", "")
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"“{value}” is not a whole number")
        number = int(text)
    if number < 0:
        raise ValueError("a count cannot be negative")
    return number


class _Lookup:
    """Areas and channels by the names people write in spreadsheets, loaded once."""

    def __init__(self):
        self.areas = {}
        for area in ForceArea.objects.select_related("region"):
            self.areas[area.name.lower()] = area
            self.areas[area.slug] = area
        self.regions = {}
        for region in Region.objects.all():
            self.regions[region.name.lower()] = region
            self.regions[region.slug] = region
        self.channels = {}
        for channel in Channel.objects.all():
            self.channels[channel.name.lower()] = channel
            self.channels[channel.slug] = channel

    def area(self, value) -> tuple[Region, ForceArea | None]:
        text = " ".join(str(value or "").split())
        if text.lower() in self.areas:
            area = self.areas[text.lower()]
            return area.region, area
        if match := NOT_GIVEN.match(text):
            region = self.regions.get(match["region"].lower())
            if region is not None:
                return region, None
        raise ValueError(
            f"“{text}” is not a force area or “<region> (area not given)” the portal knows"
        )

    def channel(self, value) -> Channel:
        text = " ".join(str(value or "").split()).lower()
        if text not in self.channels:
            names = ", ".join(sorted({c.name for c in self.channels.values()}))
            raise ValueError(f"“{value}” is not a channel; use one of {names}")
        return self.channels[text]


def _parse(rows: list[tuple[int, dict]]) -> tuple[list[Row], list[tuple[int, str]]]:
    lookup = _Lookup()
    parsed, errors = [], []
    for line, values in rows:
        problems = []
        try:
            region, area = lookup.area(values.get("area"))
        except ValueError as problem:
            problems.append(f"area: {problem}")
        try:
            channel = lookup.channel(values.get("channel"))
        except ValueError as problem:
            problems.append(f"channel: {problem}")
        try:
            start, end = parse_period(values.get("period"))
        except ValueError as problem:
            problems.append(f"period: {problem}")
        try:
            count = parse_count(values.get("count"))
        except ValueError as problem:
            problems.append(f"count: {problem}")
        if problems:
            errors.extend((line, problem) for problem in problems)
            continue
        note = str(values.get("note") or "").strip()[:300]
        parsed.append(Row(line, region, area, channel, start, end, count, note))
    return parsed, errors


def _overlaps(first_start, first_end, second_start, second_end) -> bool:
    return first_start <= second_end and second_start <= first_end


def check_rows(parsed: list[Row]) -> Preview:
    """Decide what each row would do, and find duplicates and overlapping periods."""
    preview = Preview()
    seen: dict[tuple, int] = {}
    by_series: dict[tuple, list[Row]] = {}
    for row in parsed:
        if row.key in seen:
            preview.errors.append((row.line, f"duplicates line {seen[row.key]}"))
            continue
        seen[row.key] = row.line
        series = (row.region.pk, row.force_area_id, row.channel.pk)
        clash = next(
            (
                other
                for other in by_series.get(series, [])
                if _overlaps(row.period_start, row.period_end, other.period_start, other.period_end)
            ),
            None,
        )
        if clash is not None:
            preview.errors.append(
                (row.line, f"its period overlaps line {clash.line} for the same area and channel")
            )
            continue
        by_series.setdefault(series, []).append(row)

    regions = {row.region.pk for row in parsed}
    existing: dict[tuple, list[HelpSeekerFigure]] = {}
    for figure in HelpSeekerFigure.objects.filter(region_id__in=regions):
        existing.setdefault((figure.region_id, figure.force_area_id, figure.channel_id), []).append(
            figure
        )
    failed = {line for line, _ in preview.errors}
    for row in parsed:
        if row.line in failed:
            continue
        same, overlapping = None, None
        for figure in existing.get((row.region.pk, row.force_area_id, row.channel.pk), []):
            if (figure.period_start, figure.period_end) == (row.period_start, row.period_end):
                same = figure
            elif _overlaps(
                row.period_start, row.period_end, figure.period_start, figure.period_end
            ):
                overlapping = figure
        if overlapping is not None:
            preview.errors.append(
                (
                    row.line,
                    f"its period overlaps the figure already held for {row.area_label}, "
                    f"{row.channel}, {overlapping.period_start:%d %b %Y} to "
                    f"{overlapping.period_end:%d %b %Y}",
                )
            )
        elif same is None:
            preview.outcomes.append(Outcome(row, "add"))
        elif same.count == row.count and same.note == row.note:
            preview.outcomes.append(Outcome(row, "unchanged", same))
        else:
            preview.outcomes.append(Outcome(row, "change", same))
    preview.errors.sort(key=lambda error: (error[0] or 0, error[1]))
    return preview


def preview_file(uploaded: UploadedFile) -> Preview:
    """Everything the import would do, or every error with its line, before anything is saved."""
    try:
        extension, rows = read_table(
            uploaded, columns=COLUMNS, rows_are="figures", optional=" (and optionally note)"
        )
    except ValidationError as problem:
        return Preview(errors=[(None, message) for message in problem.messages])
    parsed, errors = _parse(rows)
    preview = check_rows(parsed)
    preview.extension = extension
    preview.errors = sorted(errors + preview.errors, key=lambda error: (error[0] or 0, error[1]))
    return preview


# --- Saving, committing and undoing ---------------------------------------------------------


def keep_for_commit(
    uploaded: UploadedFile, preview: Preview, *, organisation: Organisation, actor
) -> FigureImport:
    """Store a previewed file, so that committing it saves exactly what was shown.

    A file store that cannot keep it raises StorageUnavailable, with nothing stored or saved."""
    uploaded.seek(0)
    digest = hashlib.sha256(uploaded.read()).hexdigest()
    uploaded.seek(0)
    figure_import = FigureImport(
        organisation=organisation,
        filename=uploads.clean_filename(uploaded.name or "figures", preview.extension),
        sha256=digest,
        uploaded_by=actor,
    )
    with StoredFiles() as stored, transaction.atomic():
        figure_import.file.save(figure_import.filename, uploaded, save=False)
        stored.add(figure_import.file)
        figure_import.save()
    return figure_import


class ImportRefused(Exception):
    """The import cannot be committed or undone; the message says why."""


def _lock_stamps(region_ids: Iterable[int]) -> None:
    """Every figure written changes its region's stamp (campaigns.models.RegionFiguresStamp), a
    row the database then keeps locked until the import is saved. Taken first, in the order of
    their regions, by every import: two imports writing figures of the same regions wait for
    each other rather than each holding a stamp the other needs (a deadlock, on PostgreSQL)."""
    ids = sorted(set(region_ids))
    RegionFiguresStamp.objects.bulk_create(
        [RegionFiguresStamp(region_id=pk, stamp=0) for pk in ids], ignore_conflicts=True
    )
    list(
        RegionFiguresStamp.objects.select_for_update()
        .filter(region_id__in=ids)
        .order_by("region_id")
        .values_list("pk", flat=True)
    )


def commit_import(figure_import: FigureImport, *, actor, address: str | None = None) -> Preview:
    """Save every row of a previewed import, or none: the file is checked again first, since
    figures may have changed since the preview."""
    with transaction.atomic():
        locked = FigureImport.objects.select_for_update().get(pk=figure_import.pk)
        if locked.status != FigureImport.Status.PREVIEWED:
            raise ImportRefused("This import has already been saved.")
        with locked.file.open("rb") as handle:
            preview = preview_file(SimpleUploadedFile(locked.filename, handle.read()))
        if not preview.ok:
            return preview
        _lock_stamps(
            outcome.row.region.pk for outcome in preview.outcomes if outcome.action != "unchanged"
        )
        now = timezone.now()
        for outcome in preview.outcomes:
            row = outcome.row
            if outcome.action == "add":
                figure = HelpSeekerFigure(
                    region=row.region,
                    force_area=row.force_area,
                    channel=row.channel,
                    period_start=row.period_start,
                    period_end=row.period_end,
                    count=row.count,
                    note=row.note,
                    source_import=locked,
                )
                figure.full_clean()
                figure.save()
                FigureChange.objects.create(
                    figure_import=locked,
                    figure=figure,
                    action="added",
                    line=row.line,
                    new_count=row.count,
                )
            elif outcome.action == "change":
                figure = outcome.existing
                FigureChange.objects.create(
                    figure_import=locked,
                    figure=figure,
                    action="changed",
                    line=row.line,
                    previous_count=figure.count,
                    previous_note=figure.note,
                    previous_import=figure.source_import,
                    new_count=row.count,
                )
                figure.count, figure.note, figure.source_import = row.count, row.note, locked
                figure.save(update_fields=["count", "note", "source_import", "updated_at"])
        locked.status = FigureImport.Status.COMMITTED
        locked.committed_at = now
        locked.rows_added = preview.count("add")
        locked.rows_changed = preview.count("change")
        locked.rows_unchanged = preview.count("unchanged")
        locked.save()
        record(
            AuditEntry.Action.FIGURES_IMPORTED,
            actor=actor,
            address=address,
            organisation=locked.organisation,
            target=locked,
            data={
                "added": locked.rows_added,
                "changed": locked.rows_changed,
                "unchanged": locked.rows_unchanged,
                "sha256": locked.sha256,
            },
        )
    figure_import.refresh_from_db()
    return preview


def undo_import(figure_import: FigureImport, *, actor, address: str | None = None) -> None:
    """Take back everything an import did, unless a later import has changed the same figures."""
    with transaction.atomic():
        locked = FigureImport.objects.select_for_update().get(pk=figure_import.pk)
        if locked.status != FigureImport.Status.COMMITTED:
            raise ImportRefused("Only a saved import can be undone.")
        changes = list(locked.changes.select_related("figure"))
        later = {
            change.figure.source_import_id
            for change in changes
            if change.figure is not None and change.figure.source_import_id != locked.pk
        }
        if later:
            raise ImportRefused(
                "Some of these figures were changed by a later import. Undo the later import first."
            )
        _lock_stamps(change.figure.region_id for change in changes if change.figure is not None)
        for change in changes:
            if change.figure is None:
                continue
            if change.action == FigureChange.Action.ADDED:
                HelpSeekerFigure.objects.filter(pk=change.figure.pk).delete()
            else:
                figure = change.figure
                figure.count = change.previous_count
                figure.note = change.previous_note
                figure.source_import = change.previous_import
                figure.save(update_fields=["count", "note", "source_import", "updated_at"])
        locked.status = FigureImport.Status.UNDONE
        locked.undone_at = timezone.now()
        locked.undone_by = actor
        locked.save()
        record(
            AuditEntry.Action.FIGURES_IMPORT_UNDONE,
            actor=actor,
            address=address,
            organisation=locked.organisation,
            target=locked,
            data={"figures": len(changes)},
        )
    figure_import.refresh_from_db()
