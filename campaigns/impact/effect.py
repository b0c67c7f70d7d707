"""A campaign's effect: help-seekers in the months before launch against the same length after,
per area and in total, the same windows a year earlier for seasonality, and, where partners
launched on different dates, the areas that had launched against those that had not yet."""

from dataclasses import dataclass, field
from datetime import date

from agencies.models import ForceArea
from campaigns.impact.areas import AreaTable, area_label, area_table, channels_for
from campaigns.impact.periods import Coverage, Window
from campaigns.models import Campaign, HelpSeekerFigure

WINDOWS = ("before", "after", "before_year_earlier", "after_year_earlier")


def percent_change(before: int | None, after: int | None) -> int | None:
    if before is None or after is None or before == 0:
        return None
    return round((after - before) * 100 / before)


def format_percent(percent: int | None) -> str:
    if percent is None:
        return ""
    if percent == 0:
        return "no change"
    return f"+{percent}%" if percent > 0 else f"−{abs(percent)}%"


@dataclass
class EffectRow:
    label: str
    kind: str
    before: int | None
    after: int | None
    before_year_earlier: int | None
    after_year_earlier: int | None
    force_area: ForceArea | None = None
    # For each window, the counts (one per channel and area) that its figure is the sum of.
    parts: dict[str, list[int]] = field(default_factory=dict)

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


def _row_total(table: AreaTable, kind: str, force_area: ForceArea | None) -> int | None:
    match = table.row_for(kind, force_area)
    return match.total if match else None


def _row_parts(table: AreaTable, kind: str, force_area: ForceArea | None) -> list[int]:
    match = table.row_for(kind, force_area)
    return match.parts if match else []


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
    channels = channels_for(region, figures)
    tables = {
        name: area_table(region, window, figures, areas=areas, channels=channels)
        for name, window in windows.items()
    }
    keys = [(r.kind, r.force_area) for r in tables["before"].rows if r.kind == "area"]
    if any(r.kind == "not_given" for table in tables.values() for r in table.rows):
        keys.append(("not_given", None))
    rows = [
        EffectRow(
            area_label(region, force_area),
            kind,
            *(_row_total(tables[name], kind, force_area) for name in windows),
            force_area=force_area,
            parts={name: _row_parts(tables[name], kind, force_area) for name in windows},
        )
        for kind, force_area in keys
    ]
    total = EffectRow(
        f"Total for {region}",
        "total",
        *(tables[name].total.total for name in windows),
        parts={name: [part for row in rows for part in row.parts[name]] for name in windows},
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
