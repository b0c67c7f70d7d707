"""What the impact page works out from a region's figures, worked out once for each state of
them and kept in the shared cache.

A national campaign's page reads thousands of figures (47 months of 45 areas' two channels at
100 times the seeds' scale) to show a few dozen sums: reading and adding them was most of the
page's time, the same for every visit until a figure changes. The work is kept under a key made
of everything it is worked out from:

- the region's figures, through their stamp (campaigns.models.RegionFiguresStamp), which the
  database changes in the same transaction as any figure written, however it is written. The
  stamp is read before the figures, so work kept under a stamp is never older than it;
- the region's force areas and every channel, as they are named and ordered now;
- the campaign's launch, its areas' own launches, the windows asked for and the months of the
  timeline (which move with today);
- the code of campaigns.impact, so that a release that changes how figures are worked out does
  not read what the one before kept.

Nothing here depends on who is looking: what a partner may see of it (small numbers, other
areas' detail) is decided afterwards, for each person (campaigns.impact.disclosure).

The work names the campaign, its region, force areas and channels, which the key was made from
and so were just read: it is kept with each of them as its model and id only, and given back
with the instances read for the key in their places. Kept whole, a national campaign's 45
areas made reading it back most of what it cost (28 KB, 1.4 ms to unpickle, at 100 times the
seeds' scale).
"""

import hashlib
import io
import logging
import pickle
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import django
from django.core.cache import cache
from django.db.models import Model, Subquery

from agencies.models import ForceArea
from campaigns.impact.areas import AreaTable
from campaigns.impact.effect import MONTHLY, Effect, Periods, campaign_effect, figures_window
from campaigns.impact.figures import region_figures
from campaigns.impact.periods import Window, add_months
from campaigns.models import Campaign, Channel, HelpSeekerFigure, RegionFiguresStamp

# Long enough to serve a day of visits; a new stamp or any other part of the key changing
# leaves the old entry unused until it expires.
KEPT_SECONDS = 24 * 60 * 60

# The code the work is done by and kept as: this package, the models it keeps instances of, and
# Django (whose pickled model instances are its own version's).
_SOURCES = [
    *sorted(Path(__file__).parent.glob("*.py")),
    Path(__file__).parents[1] / "models" / "figures.py",
    Path(__file__).parents[2] / "agencies" / "models.py",
]
_CODE = hashlib.sha256(
    django.get_version().encode() + b"".join(path.read_bytes() for path in _SOURCES)
).hexdigest()[:16]
logger = logging.getLogger(__name__)


@dataclass
class ImpactFigures:
    effect: Effect | None
    table: AreaTable
    # For each force area (None: area not given), each month of the timeline's monthly counts
    # (one per channel): the help-seekers chart's points, before what a viewer may see.
    monthly: dict[int | None, list[list[int]]]
    monthly_illustrative: bool
    # Years with a figure covering exactly that year (such as the South West's 2017).
    published_years: list[int]


def impact_figures(
    campaign: Campaign,
    *,
    months: int,
    window: Window,
    launches: dict[int, date],
    timeline: list[date],
    keep: bool = True,
) -> ImpactFigures:
    """The effect over `months`, the area table over `window`, the monthly counts over the
    timeline and the published years, for a campaign with a region: from the cache when
    nothing they are worked out from has changed (2 queries), else worked out (5) and kept
    (unless not `keep`: for choices few people make, which would only fill the cache)."""
    region = campaign.region
    # Every channel rather than the region's own, each read with the region's stamp: for the
    # key that is the same (a region's channels change only with its figures, and so with its
    # stamp) in one plain query rather than two, one of them a search of the figures. Where
    # there is no channel there is no figure, and the stamp does not matter.
    channels = list(
        Channel.objects.annotate(
            region_stamp=Subquery(
                RegionFiguresStamp.objects.filter(region=region).values("stamp")[:1]
            )
        )
    )
    stamp = (channels[0].region_stamp if channels else None) or 0
    asked = _Asked(
        campaign,
        list(region.force_areas.order_by("name")),
        channels,
        months,
        window,
        launches,
        timeline,
    )
    key = asked.key(stamp)
    instances = asked.instances()
    found = _kept(key, instances) if keep else None
    if found is None:
        found = asked.work_out()
        if keep:
            _keep(key, found, instances)
    return found


# The cache out of reach is no reason to refuse the page: the work is done as if nothing were
# kept, and the failure logged (as Django's cached sessions go to the database then).
def _kept(key: str, instances: dict[tuple[str, int], Model]) -> ImpactFigures | None:
    try:
        kept = cache.get(key)
    except Exception:
        logger.warning("The impact page's kept work could not be read", exc_info=True)
        return None
    if kept is None:
        return None
    try:
        return _Unpickler(io.BytesIO(kept), instances).load()
    except Exception:
        # Such as an instance no longer among those read (which the key would also have
        # changed with): worked out afresh, and kept again over it.
        logger.warning("The impact page's kept work could not be read back", exc_info=True)
        return None


def _keep(key: str, found: ImpactFigures, instances: dict[tuple[str, int], Model]) -> None:
    kept = io.BytesIO()
    try:
        _Pickler(kept, instances).dump(found)
        cache.set(key, kept.getvalue(), KEPT_SECONDS)
    except Exception:
        logger.warning("The impact page's work could not be kept", exc_info=True)


class _Pickler(pickle.Pickler):
    """Pickles the work with the instances read for its key as their model and id only."""

    def __init__(self, file, instances: dict[tuple[str, int], Model]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._known = instances

    def persistent_id(self, obj):
        if isinstance(obj, Model):
            named = (obj._meta.label, obj.pk)
            if named in self._known:
                return named
        # Anything else is pickled in full, an instance the key was not made from included.
        return None


class _Unpickler(pickle.Unpickler):
    """Reads back what _Pickler kept, from the portal's own cache (which Django's cache
    backends read with pickle too)."""

    def __init__(self, file, instances: dict[tuple[str, int], Model]) -> None:
        super().__init__(file)
        self._known = instances

    def persistent_load(self, pid):
        try:
            return self._known[tuple(pid)]
        except KeyError:
            raise pickle.UnpicklingError(f"{pid} was not read for the key") from None


@dataclass
class _Asked:
    """Everything the work is worked out from but the figures themselves, as read now."""

    campaign: Campaign
    areas: list[ForceArea]
    every_channel: list[Channel]
    months: int
    window: Window
    launches: dict[int, date]
    timeline: list[date]

    def instances(self) -> dict[tuple[str, int], Model]:
        """The instances read for the key, by model and id."""
        every = [self.campaign, self.campaign.region, *self.areas, *self.every_channel]
        return {(instance._meta.label, instance.pk): instance for instance in every}

    def key(self, stamp: int) -> str:
        region = self.campaign.region
        parts = (
            self.campaign.pk,
            self.campaign.launch_date,
            (region.pk, region.name, stamp),
            [(area.pk, area.name) for area in self.areas],
            [(c.pk, c.name, c.slug, c.position) for c in self.every_channel],
            self.months,
            (self.window.start, self.window.end),
            sorted(self.launches.items()),
            tuple(self.timeline),
        )
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()
        return f"impact:{_CODE}:{digest}"

    def work_out(self) -> ImpactFigures:
        campaign = self.campaign
        # The effect's span holds the timeline, and the table's window is added to it.
        loaded = region_figures(
            campaign.region,
            [figures_window(campaign, self.months, self.launches), self.window],
            areas=self.areas,
        )
        effect = campaign_effect(
            campaign, months=self.months, launches=self.launches, loaded=loaded
        )
        monthly, illustrative = _monthly(loaded.figures, self.timeline)
        return ImpactFigures(
            effect,
            loaded.area_table(self.window),
            monthly,
            illustrative,
            published_years(campaign.region),
        )


def _monthly(figures: list, timeline: list[date]) -> tuple[dict, bool]:
    """Each area's monthly counts over the timeline (ImpactFigures.monthly), and whether any is
    illustrative. Only monthly figures: a yearly one is never split."""
    if not timeline:
        return {}, False  # a campaign launching more than a year from now has none yet
    index = {month: number for number, month in enumerate(timeline)}
    shown = Window(timeline[0], add_months(timeline[-1], 1) - timedelta(days=1))
    monthly: dict[int | None, list[list[int]]] = {}
    illustrative = False
    for figure in figures:
        if shown.holds(figure.period_start, figure.period_end) and _is_calendar_month(figure):
            area_months = monthly.setdefault(figure.force_area_id, [[] for _ in timeline])
            area_months[index[figure.period_start]].append(figure.count)
            illustrative = illustrative or figure.is_illustrative
    return monthly, illustrative


def _is_calendar_month(figure) -> bool:
    return figure.period_start.day == 1 and Periods.of(figure) == MONTHLY


def published_years(region) -> list[int]:
    """Years with a figure covering exactly that year (such as the South West's 2017)."""
    # Compared as text ("2017-01-01"): taking the month and day out of every figure's dates is
    # a function call per figure (on SQLite, in Python), over ten years of a region's months.
    return sorted(
        {
            start.year
            for start, end in HelpSeekerFigure.objects.filter(
                region=region, period_start__endswith="-01-01", period_end__endswith="-12-31"
            )
            .order_by()
            .values_list("period_start", "period_end")
            if end == date(start.year, 12, 31)
        }
    )
