"""The figures a report is worked out from, read once: a region's force areas and its figures over
the windows a page needs, as plain rows rather than model instances (a page of 45 areas works
from thousands of figures, and each is only read)."""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from agencies.models import ForceArea, Region
from campaigns.impact.periods import Window
from campaigns.models import Channel, HelpSeekerFigure

if TYPE_CHECKING:
    from campaigns.impact.areas import AreaTable


@dataclass(slots=True, eq=False)
class Figure:
    """One help-seeker figure as the reports read it (the attributes of HelpSeekerFigure they
    use, with its area and channel)."""

    pk: int
    force_area_id: int | None
    channel_id: int
    period_start: date
    period_end: date
    count: int
    is_illustrative: bool
    force_area: ForceArea | None
    channel: Channel


@dataclass
class RegionFigures:
    """A region's force areas (by name), the channels it has figures for, and its figures
    overlapping the windows asked for."""

    region: Region
    areas: list[ForceArea]
    channels: list[Channel]
    figures: list[Figure]

    def overlapping(self, window: Window) -> list[Figure]:
        return [f for f in self.figures if window.overlaps(f.period_start, f.period_end)]

    def area_table(self, window: Window) -> "AreaTable":
        """The area table over `window` (one of the windows these figures were read for), from
        these figures, areas and channels: no further query."""
        # areas.py reads the region's figures through this module, so it is imported here.
        from campaigns.impact.areas import area_table

        return area_table(
            self.region,
            window,
            self.overlapping(window),
            areas=self.areas,
            used=self.channels,
        )


def region_channels(region: Region) -> list[Channel]:
    """The channels the region has any figure for."""
    return list(
        Channel.objects.filter(
            Exists(HelpSeekerFigure.objects.filter(channel=OuterRef("pk"), region=region))
        )
    )


def region_figures(
    region: Region,
    windows: list[Window],
    *,
    areas: list[ForceArea] | None = None,
    channels: list[Channel] | None = None,
) -> RegionFigures:
    """The region's force areas (by name), its channels (region_channels), and its figures
    overlapping any of the windows, in three queries, or one when the caller has the areas and
    channels."""
    if areas is None:
        areas = list(region.force_areas.order_by("name"))
    if channels is None:
        channels = region_channels(region)
    area_by_id = {area.pk: area for area in areas}
    channel_by_id = {channel.pk: channel for channel in channels}
    reach = Q()
    for window in windows:
        reach |= Q(period_start__lte=window.end, period_end__gte=window.start)
    # In no particular order: sorting thousands of rows by area and channel names costs the
    # database more than finding them, and only the notes of figures left out need an order
    # (areas.py gives them one).
    rows = (
        HelpSeekerFigure.objects.filter(region=region)
        .filter(reach)
        .order_by()
        .values_list(
            "pk",
            "force_area_id",
            "channel_id",
            "period_start",
            "period_end",
            "count",
            "is_illustrative",
        )
    )
    figures = [
        Figure(
            pk,
            area_id,
            channel_id,
            start,
            end,
            count,
            illustrative,
            area_by_id.get(area_id) if area_id is not None else None,
            channel_by_id[channel_id],
        )
        for pk, area_id, channel_id, start, end, count, illustrative in rows
    ]
    return RegionFigures(region, areas, channels, figures)
