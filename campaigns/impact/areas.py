"""The area table: people seeking help in a region over a window, one row per force area, the
"area not given" row and the regional total, saying plainly where the window is not covered."""

from collections import defaultdict
from dataclasses import dataclass

from agencies.models import ForceArea, Region
from campaigns.impact.figures import region_channels, region_figures
from campaigns.impact.periods import Coverage, Note, Window, describe_span, gaps
from campaigns.models import Channel, HelpSeekerFigure


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

    @property
    def parts(self) -> list[int]:
        """The counts the row's total is made of."""
        return [count for count in self.counts.values() if count is not None]


@dataclass
class AreaTable:
    region: Region
    window: Window
    channels: list[Channel]
    rows: list[AreaRow]
    total: AreaRow
    coverage: Coverage
    illustrative: bool

    def column(self, channel_id: int) -> list[int]:
        """The counts a channel's regional total is made of."""
        return [row.counts[channel_id] for row in self.rows if row.counts[channel_id] is not None]

    def row_for(self, kind: str, force_area: ForceArea | None) -> AreaRow | None:
        return next((r for r in self.rows if r.kind == kind and r.force_area == force_area), None)


def area_label(region: Region, force_area: ForceArea | None) -> str:
    return force_area.name if force_area else f"{region} (area not given)"


def channels_for(
    region: Region, figures: list[HelpSeekerFigure], used: list[Channel] | None = None
) -> list[Channel]:
    """The channels a table has columns for: those in its figures, else those the region uses
    (`used`, if the caller has them)."""
    channels = {figure.channel_id: figure.channel for figure in figures}.values()
    if not channels:
        channels = set(used if used is not None else region_channels(region))
    return sorted(channels, key=lambda channel: (channel.position, channel.name))


def area_table(
    region: Region,
    window: Window,
    figures: list[HelpSeekerFigure] | None = None,
    *,
    areas: list[ForceArea] | None = None,
    channels: list[Channel] | None = None,
    used: list[Channel] | None = None,
) -> AreaTable:
    """One row per force area, the "area not given" row, and the regional total.

    Callers building several tables pass the region's figures (or Figure rows), areas and
    channels loaded once (`used`: the channels the region uses, for a window without figures).
    """
    if figures is None:
        loaded = region_figures(region, [window])
        figures, used = loaded.figures, loaded.channels
        areas = areas if areas is not None else loaded.areas
    if areas is None:
        areas = list(region.force_areas.order_by("name"))
    inside, straddling = [], []
    for figure in figures:
        if window.holds(figure.period_start, figure.period_end):
            inside.append(figure)
        elif window.overlaps(figure.period_start, figure.period_end):
            straddling.append(figure)
    if inside:
        channels = channels_for(region, inside)
    elif channels is None:
        channels = channels_for(region, figures, used)

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
        return AreaRow(area_label(region, force_area), force_area, counts, kind)

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
            for start, end in gaps(window, spans[(area_id, channel.pk)]):
                span = describe_span(start, end)
                coverage.missing.append(
                    Note(
                        f"{table_row.label}, {channel.name.lower()}: no figures for {span}",
                        area_id,
                        label=table_row.label,
                        channel=channel.name.lower(),
                        span=span,
                    )
                )
    # In the table's order: by area, the "area not given" row last, then by channel and period.
    straddling.sort(
        key=lambda f: (
            f.force_area is None,
            f.force_area.name if f.force_area else "",
            f.channel.position,
            f.channel.name,
            f.channel_id,
            f.period_start,
            f.pk,
        )
    )
    for figure in straddling:
        coverage.left_out.append(
            Note(
                f"{area_label(region, figure.force_area)}, {figure.channel.name.lower()}: the "
                f"figure for {describe_span(figure.period_start, figure.period_end)} reaches "
                "outside this period, so it is not counted",
                figure.force_area_id,
                label=area_label(region, figure.force_area),
                channel=figure.channel.name.lower(),
                span=describe_span(figure.period_start, figure.period_end),
            )
        )
    return AreaTable(
        region, window, channels, rows, total, coverage, any(f.is_illustrative for f in inside)
    )
