"""What the help-seeker figures say: the area table for a region and period, and a campaign's
before-and-after effect, each saying plainly where its window is not fully covered.

A report only counts figures whose whole period lies inside its window: a yearly figure is
never split into months, and a window that no set of figures exactly covers says what is missing.
"""

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.utils import formats

from agencies.models import ForceArea, Region
from campaigns.models import Campaign, Channel, HelpSeekerFigure


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Window:
    """A span of days, both ends included."""

    start: date
    end: date

    @classmethod
    def months_before(cls, day: date, months: int) -> "Window":
        return cls(add_months(day, -months), day - timedelta(days=1))

    @classmethod
    def months_after(cls, day: date, months: int) -> "Window":
        return cls(day, add_months(day, months) - timedelta(days=1))

    def year_earlier(self) -> "Window":
        return Window(
            add_months(self.start, -12),
            add_months(self.end + timedelta(days=1), -12) - timedelta(days=1),
        )

    def holds(self, start: date, end: date) -> bool:
        return self.start <= start and end <= self.end

    def overlaps(self, start: date, end: date) -> bool:
        return start <= self.end and self.start <= end

    @property
    def label(self) -> str:
        return describe_span(self.start, self.end)


def _is_month_start(day: date) -> bool:
    return day.day == 1


def _is_month_end(day: date) -> bool:
    return day.day == monthrange(day.year, day.month)[1]


def describe_span(start: date, end: date) -> str:
    """“March to May 2017”, “2017”, “June 2017”, or dates when the span is not whole months."""
    if _is_month_start(start) and _is_month_end(end):
        if start.month == 1 and end.month == 12 and start.year == end.year:
            return str(start.year)
        first = formats.date_format(start, "F")
        last = formats.date_format(end, "F Y")
        if (start.year, start.month) == (end.year, end.month):
            return last
        if start.year == end.year:
            return f"{first} to {last}"
        return f"{formats.date_format(start, 'F Y')} to {last}"
    return f"{formats.date_format(start, 'j M Y')} to {formats.date_format(end, 'j M Y')}"


def _gaps(window: Window, spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The parts of the window that no span covers."""
    gaps, cursor = [], window.start
    for start, end in sorted(spans):
        if start > cursor:
            gaps.append((cursor, min(start - timedelta(days=1), window.end)))
        cursor = max(cursor, end + timedelta(days=1))
        if cursor > window.end:
            break
    if cursor <= window.end:
        gaps.append((cursor, window.end))
    return gaps


class Note(str):
    """A line about a gap in the figures, which knows the area it is about (None: area not
    given), so that a partner is shown detail only about its own area."""

    area_id: int | None

    def __new__(cls, text: str, area_id: int | None) -> "Note":
        note = super().__new__(cls, text)
        note.area_id = area_id
        return note


@dataclass
class Coverage:
    """What a report's window is missing, in words, so no partial number passes as whole."""

    missing: list[Note] = field(default_factory=list)
    left_out: list[Note] = field(default_factory=list)

    def seen_by(self, own_areas: set[int] | None) -> "Coverage":
        """The notes a person may read: everything for the campaign's admins; for a partner, its
        own areas' in detail and only how many other areas are incomplete."""
        if own_areas is None or self.complete:
            return self
        notes = self.missing + self.left_out
        others = {note.area_id for note in notes if note.area_id not in own_areas}
        seen = Coverage(
            [note for note in self.missing if note.area_id in own_areas],
            [note for note in self.left_out if note.area_id in own_areas],
        )
        if others:
            count = len(others)
            seen.missing.append(
                Note(
                    f"{count} other area{'s are' if count != 1 else ' is'} missing figures for "
                    "some of this period, so the region's total is incomplete",
                    None,
                )
            )
        return seen

    @property
    def complete(self) -> bool:
        return not self.missing and not self.left_out


@dataclass
class AreaRow:
    label: str
    force_area: ForceArea | None
    counts: dict[int, int | None]
    kind: str = "area"  # "area", "not_given" or "total"

    @property
    def total(self) -> int | None:
        present = [count for count in self.counts.values() if count is not None]
        return sum(present) if present else None


@dataclass
class AreaTable:
    region: Region
    window: Window
    channels: list[Channel]
    rows: list[AreaRow]
    total: AreaRow
    coverage: Coverage
    illustrative: bool


def _label(region: Region, force_area: ForceArea | None) -> str:
    return force_area.name if force_area else f"{region} (area not given)"


def _channels_for(region: Region, figures: list[HelpSeekerFigure]) -> list[Channel]:
    """The channels a table has columns for: those in its figures, else those the region uses."""
    channels = {figure.channel for figure in figures}
    if not channels:
        channels = set(Channel.objects.filter(figures__region=region).distinct())
    return sorted(channels, key=lambda channel: (channel.position, channel.name))


def area_table(
    region: Region,
    window: Window,
    figures: list[HelpSeekerFigure] | None = None,
    *,
    areas: list[ForceArea] | None = None,
    channels: list[Channel] | None = None,
) -> AreaTable:
    """One row per force area, the "area not given" row, and the regional total.

    Callers building several tables pass the region's figures, areas and channels loaded once.
    """
    if figures is None:
        figures = list(
            HelpSeekerFigure.objects.filter(region=region)
            .overlapping(window.start, window.end)
            .select_related("channel", "force_area")
        )
    if areas is None:
        areas = list(region.force_areas.order_by("name"))
    inside = [f for f in figures if window.holds(f.period_start, f.period_end)]
    straddling = [
        f for f in figures if window.overlaps(f.period_start, f.period_end) and f not in inside
    ]
    if inside:
        channels = _channels_for(region, inside)
    elif channels is None:
        channels = _channels_for(region, figures)

    sums: dict[tuple, int] = defaultdict(int)
    spans: dict[tuple, list] = defaultdict(list)
    for figure in inside:
        key = (figure.force_area_id, figure.channel_id)
        sums[key] += figure.count
        spans[key].append((figure.period_start, figure.period_end))

    def row(force_area: ForceArea | None, kind: str) -> AreaRow:
        area_id = force_area.pk if force_area else None
        counts = {
            channel.pk: sums[(area_id, channel.pk)] if (area_id, channel.pk) in sums else None
            for channel in channels
        }
        return AreaRow(_label(region, force_area), force_area, counts, kind)

    rows = [row(area, "area") for area in areas]
    if any(f.force_area_id is None for f in inside):
        rows.append(row(None, "not_given"))
    total = AreaRow(
        f"Total for {region}",
        None,
        {
            channel.pk: sum(r.counts[channel.pk] or 0 for r in rows)
            if any(r.counts[channel.pk] is not None for r in rows)
            else None
            for channel in channels
        },
        "total",
    )

    coverage = Coverage()
    for table_row in rows:
        area_id = table_row.force_area.pk if table_row.force_area else None
        for channel in channels:
            for start, end in _gaps(window, spans[(area_id, channel.pk)]):
                span = describe_span(start, end)
                coverage.missing.append(
                    Note(
                        f"{table_row.label}, {channel.name.lower()}: no figures for {span}",
                        area_id,
                    )
                )
    for figure in straddling:
        coverage.left_out.append(
            Note(
                f"{_label(region, figure.force_area)}, {figure.channel.name.lower()}: the figure "
                f"for {describe_span(figure.period_start, figure.period_end)} reaches outside "
                "this period, so it is not counted",
                figure.force_area_id,
            )
        )
    return AreaTable(
        region, window, channels, rows, total, coverage, any(f.is_illustrative for f in inside)
    )


# --- Small numbers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A count as a person may see it: exact, "fewer than 5", or rounded to hide a small count."""

    value: int | None
    text: str
    suppressed: bool = False
    rounded: bool = False


def show_exact(value: int | None) -> Shown:
    return Shown(value, "–" if value is None else f"{value:,}")


def show_protected(value: int | None, *, hides_small: bool, threshold: int) -> Shown:
    """For partners: a count from 1 to threshold-1 is withheld; a total that includes one is
    rounded to the nearest threshold, so the withheld count cannot be worked out."""
    if value is None:
        return Shown(None, "–")
    if 0 < value < threshold:
        return Shown(None, f"fewer than {threshold}", suppressed=True)
    if hides_small:
        rounded = threshold * round(value / threshold)
        if rounded < threshold:
            return Shown(None, f"fewer than {threshold}", suppressed=True)
        return Shown(rounded, f"about {rounded:,}", rounded=True)
    return show_exact(value)


def _small(value: int | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


@dataclass
class ShownRow:
    label: str
    kind: str
    cells: list[Shown]
    total: Shown
    force_area: ForceArea | None = None


def present_area_table(
    table: AreaTable, *, exact: bool, own_areas: set[int] | None = None
) -> list[ShownRow]:
    """The rows a person may see, with small-number rules for everyone but campaign admins.

    A partner sees its own areas' rows and the regional total; others' rows are left out.
    """
    threshold = settings.SMALL_NUMBER_THRESHOLD
    channel_ids = [channel.pk for channel in table.channels]
    every_row = [*table.rows]
    shown = []
    for row in [*table.rows, table.total]:
        if row.kind != "total" and own_areas is not None:
            if row.force_area is None or row.force_area.pk not in own_areas:
                continue
        if exact:
            cells = [show_exact(row.counts[pk]) for pk in channel_ids]
            total = show_exact(row.total)
        elif row.kind == "total":
            column_small = {
                pk: any(_small(r.counts[pk], threshold) for r in every_row) for pk in channel_ids
            }
            cells = [
                show_protected(row.counts[pk], hides_small=column_small[pk], threshold=threshold)
                for pk in channel_ids
            ]
            any_small = any(column_small.values())
            total = show_protected(row.total, hides_small=any_small, threshold=threshold)
        else:
            cells = [
                show_protected(row.counts[pk], hides_small=False, threshold=threshold)
                for pk in channel_ids
            ]
            row_small = any(_small(row.counts[pk], threshold) for pk in channel_ids)
            total = show_protected(row.total, hides_small=row_small, threshold=threshold)
        shown.append(ShownRow(row.label, row.kind, cells, total, row.force_area))
    return shown


# --- The campaign effect -------------------------------------------------------------------


def percent_change(before: int | None, after: int | None) -> int | None:
    if before is None or after is None or before == 0:
        return None
    return round((after - before) * 100 / before)


@dataclass
class EffectRow:
    label: str
    kind: str
    before: int | None
    after: int | None
    before_year_earlier: int | None
    after_year_earlier: int | None
    force_area: ForceArea | None = None
    has_small: dict[str, bool] = field(default_factory=dict)

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def percent(self) -> int | None:
        return percent_change(self.before, self.after)

    @property
    def percent_year_earlier(self) -> int | None:
        return percent_change(self.before_year_earlier, self.after_year_earlier)


@dataclass
class GroupComparison:
    """Where partners launched on different dates: the areas that had launched against those
    that had not yet, over the same windows around the first launch."""

    launched: list[str]
    not_yet: list[str]
    launched_before: int | None
    launched_after: int | None
    not_yet_before: int | None
    not_yet_after: int | None

    @property
    def launched_percent(self) -> int | None:
        return percent_change(self.launched_before, self.launched_after)

    @property
    def not_yet_percent(self) -> int | None:
        return percent_change(self.not_yet_before, self.not_yet_after)


@dataclass
class Effect:
    campaign: Campaign
    launch: date
    months: int
    before: Window
    after: Window
    rows: list[EffectRow]
    total: EffectRow
    coverage: dict[str, Coverage]
    comparison: GroupComparison | None
    illustrative: bool


def area_launch_dates(campaign: Campaign) -> dict[int, date]:
    """When the campaign launched in each force area: the earliest of its partners there."""
    launches: dict[int, date] = {}
    for partner in campaign.partners.select_related("organisation"):
        area_id = partner.organisation.force_area_id
        if area_id is None:
            continue
        launch = partner.effective_launch_date
        launches[area_id] = min(launch, launches.get(area_id, launch))
    return launches


def _row_has_small(
    table: AreaTable, kind: str, force_area: ForceArea | None, threshold: int
) -> bool:
    """Whether any channel's count in the row is small: its total would then reveal it."""
    match = next((r for r in table.rows if r.kind == kind and r.force_area == force_area), None)
    return match is not None and any(_small(count, threshold) for count in match.counts.values())


def _row_total(table: AreaTable, kind: str, force_area: ForceArea | None) -> int | None:
    match = next((r for r in table.rows if r.kind == kind and r.force_area == force_area), None)
    return match.total if match else None


def campaign_effect(campaign: Campaign, *, months: int = 3) -> Effect | None:
    """Help-seekers in the months before launch against the same length after, per area and in
    total, with the same windows a year earlier beside them for seasonality (four windows, one
    query of figures)."""
    region = campaign.region
    if region is None:
        return None
    launch = campaign.launch_date
    before, after = Window.months_before(launch, months), Window.months_after(launch, months)
    windows = {
        "before": before,
        "after": after,
        "before_year_earlier": before.year_earlier(),
        "after_year_earlier": after.year_earlier(),
    }
    figures = list(
        HelpSeekerFigure.objects.filter(region=region)
        .overlapping(windows["before_year_earlier"].start, after.end)
        .select_related("channel", "force_area")
    )
    areas = list(region.force_areas.order_by("name"))
    channels = _channels_for(region, figures)
    tables = {
        name: area_table(region, window, figures, areas=areas, channels=channels)
        for name, window in windows.items()
    }
    keys = [(r.kind, r.force_area) for r in tables["before"].rows if r.kind == "area"]
    if any(r.kind == "not_given" for table in tables.values() for r in table.rows):
        keys.append(("not_given", None))
    threshold = settings.SMALL_NUMBER_THRESHOLD
    rows = [
        EffectRow(
            _label(region, force_area),
            kind,
            *(_row_total(tables[name], kind, force_area) for name in windows),
            force_area=force_area,
            has_small={
                name: _row_has_small(tables[name], kind, force_area, threshold) for name in windows
            },
        )
        for kind, force_area in keys
    ]
    total = EffectRow(
        f"Total for {region}", "total", *(tables[name].total.total for name in windows)
    )
    return Effect(
        campaign,
        launch,
        months,
        before,
        after,
        rows,
        total,
        {name: table.coverage for name, table in tables.items()},
        _comparison(rows, area_launch_dates(campaign), launch, after),
        any(table.illustrative for table in tables.values()),
    )


def _comparison(
    rows: list[EffectRow], launches: dict[int, date], launch: date, after: Window
) -> GroupComparison | None:
    """Only where partners launched on different dates: areas launched by the campaign's launch
    against areas that had not launched by the end of the window after it."""
    if len(set(launches.values())) < 2:
        return None
    launched = [r for r in rows if r.force_area and launches.get(r.force_area.pk, launch) <= launch]
    not_yet = [
        r for r in rows if r.force_area and launches.get(r.force_area.pk, launch) > after.end
    ]
    if not launched or not not_yet:
        return None

    def total(group: list[EffectRow], attribute: str) -> int | None:
        values = [getattr(r, attribute) for r in group]
        return None if any(v is None for v in values) else sum(values)

    return GroupComparison(
        [r.label for r in launched],
        [r.label for r in not_yet],
        total(launched, "before"),
        total(launched, "after"),
        total(not_yet, "before"),
        total(not_yet, "after"),
    )


def format_percent(percent: int | None) -> str:
    if percent is None:
        return ""
    if percent == 0:
        return "no change"
    return f"+{percent}%" if percent > 0 else f"−{abs(percent)}%"


@dataclass
class ShownEffectRow:
    label: str
    kind: str
    before: Shown
    after: Shown
    percent: str
    before_year_earlier: Shown
    after_year_earlier: Shown
    percent_year_earlier: str
    force_area: ForceArea | None = None


def present_effect(
    effect: Effect, *, exact: bool, own_areas: set[int] | None = None
) -> list[ShownEffectRow]:
    """The effect's rows as a person may see them. For partners: their own areas and the total,
    small counts withheld, totals that would reveal them rounded, and no percentage worked out
    from a withheld or rounded count."""
    threshold = settings.SMALL_NUMBER_THRESHOLD
    windows = ["before", "after", "before_year_earlier", "after_year_earlier"]
    column_small = {
        name: any(
            row.has_small.get(name) or _small(getattr(row, name), threshold) for row in effect.rows
        )
        for name in windows
    }
    shown = []
    for row in [*effect.rows, effect.total]:
        if row.kind != "total" and own_areas is not None:
            if row.force_area is None or row.force_area.pk not in own_areas:
                continue
        cells = {}
        for name in windows:
            value = getattr(row, name)
            if exact:
                cells[name] = show_exact(value)
            else:
                hides = (
                    column_small[name] if row.kind == "total" else row.has_small.get(name, False)
                )
                cells[name] = show_protected(value, hides_small=hides, threshold=threshold)

        shown.append(
            ShownEffectRow(
                row.label,
                row.kind,
                cells["before"],
                cells["after"],
                _shown_percent(cells["before"], cells["after"], row.percent),
                cells["before_year_earlier"],
                cells["after_year_earlier"],
                _shown_percent(
                    cells["before_year_earlier"],
                    cells["after_year_earlier"],
                    row.percent_year_earlier,
                ),
                row.force_area,
            )
        )
    return shown


def _shown_percent(before: Shown, after: Shown, percent: int | None) -> str:
    """A percentage only from counts shown exactly: never one that would undo a withholding."""
    if any(cell.suppressed or cell.rounded for cell in (before, after)):
        return "not shown: the counts are too small"
    return format_percent(percent)


def viewer_areas(user, campaign: Campaign) -> set[int] | None:
    """None for the campaign's admins (every area, exact figures); otherwise the force areas of
    the person's organisations, whose rows they see in detail."""
    if campaign.is_run_by(user):
        return None
    return {
        membership.organisation.force_area_id
        for membership in user.active_memberships
        if membership.organisation.force_area_id is not None
    }
