"""A campaign's effect: help-seekers in the whole periods before launch against as many after,
per area and in total, the same windows a year earlier for seasonality, and, where partners
launched on different dates, the areas that had launched against those that had not yet.

Windows fit the data. Each area's figures come in periods (months, weeks, three months); its
windows are whole periods of that kind. A launch part-way through a period leaves that period
out (it mixes before and after). Each area is measured from its own launch: the earliest of its
partners' launch dates, else the campaign's. A window not fully covered by figures is "not
comparable" and gets no percentage.
"""

import functools
import itertools
import operator
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Min, Value
from django.db.models.functions import Coalesce
from django.utils import formats

from agencies.models import ForceArea
from campaigns.impact.areas import area_label, channels_for
from campaigns.impact.figures import RegionFigures, region_figures
from campaigns.impact.periods import Window, add_months, describe_span, is_month_end
from campaigns.impact.periods import gaps as window_gaps
from campaigns.impact.uncertainty import Change, adjusted_change, ratio_change
from campaigns.models import Campaign, Channel, HelpSeekerFigure

WINDOWS = ("before", "after", "before_year_earlier", "after_year_earlier")
PAIRS = {"now": ("before", "after"), "year_earlier": ("before_year_earlier", "after_year_earlier")}
_MONDAY = date(2000, 1, 3)
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 6: "six", 12: "twelve", 13: "thirteen"}


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


def _day(value: date) -> str:
    return formats.date_format(value, "j F Y")


# --- Periods the figures come in ------------------------------------------------------------


@dataclass(frozen=True)
class Periods:
    """How an area's figures come: every `months` calendar months from the first of a month, or
    every `days` days; `anchor` is one period's first day (the phase)."""

    months: int = 1
    days: int = 0
    anchor: date = date(2000, 1, 1)

    @classmethod
    def of(cls, figure: HelpSeekerFigure) -> "Periods | None":
        return _periods_of(figure.period_start, figure.period_end)

    @classmethod
    def _of_span(cls, start: date, end: date) -> "Periods | None":
        if start.day == 1 and is_month_end(end):
            months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
            phase = (start.year * 12 + start.month - 1) % months
            return cls(months=months, anchor=date(2000, phase + 1, 1))
        length = (end - start).days + 1
        if length in (7, 14):
            offset = (start - _MONDAY).days % length
            return cls(months=0, days=length, anchor=_MONDAY + timedelta(days=offset))
        return None

    @property
    def name(self) -> str:
        if self.days:
            return "week" if self.days == 7 else "fortnight"
        if self.months == 3:
            return "quarter" if self.anchor.month == 1 else "three-month period"
        return {1: "month", 12: "year"}.get(self.months, f"{self.months}-month period")

    def start_of(self, day: date) -> date:
        if self.days:
            return day - timedelta(days=(day - self.anchor).days % self.days)
        index = day.year * 12 + day.month - 1
        index -= (index - (self.anchor.month - 1)) % self.months
        return date(index // 12, index % 12 + 1, 1)

    def shift(self, start: date, count: int) -> date:
        if self.days:
            return start + timedelta(days=self.days * count)
        return add_months(start, self.months * count)

    def count_for(self, months: int) -> int:
        """How many whole periods come closest to the months asked for."""
        if self.days:
            return max(1, round(months * 365.25 / 12 / self.days))
        return max(1, round(months / self.months))

    def year_earlier(self, window: Window) -> Window:
        if self.days:
            back = timedelta(days=self.days * round(364 / self.days))
            return Window(window.start - back, window.end - back)
        return window.year_earlier()

    def windows(self, launch: date, months: int) -> dict[str, Window]:
        count = self.count_for(months)
        launch_start = self.start_of(launch)
        after_start = launch if launch == launch_start else self.shift(launch_start, 1)
        before = Window(self.shift(launch_start, -count), launch_start - timedelta(days=1))
        after = Window(after_start, self.shift(after_start, count) - timedelta(days=1))
        return {
            "before": before,
            "after": after,
            "before_year_earlier": self.year_earlier(before),
            "after_year_earlier": self.year_earlier(after),
        }

    def describe(self, count: int) -> str:
        """“three whole months”, “13 whole weeks”, “one whole quarter”."""
        number = NUMBERS.get(count, str(count))
        return f"{number} whole {self.name}{'s' if count != 1 else ''}"


MONTHLY = Periods()


@functools.lru_cache(maxsize=4096)
def _periods_of(start: date, end: date) -> Periods | None:
    # Thousands of figures share a few dozen periods (the months of a few years).
    return Periods._of_span(start, end)


def _main_periods(figures: list[HelpSeekerFigure]) -> Periods:
    """The kind of period most figures come in (the shorter one on a tie, then the one whose
    periods start earliest in the year, whatever order the figures come in)."""
    # Counted by span first: thousands of figures share a few dozen spans.
    spans = Counter((f.period_start, f.period_end) for f in figures)
    counts: Counter = Counter()
    for (start, end), count in spans.items():
        periods = _periods_of(start, end)
        if periods is not None:
            counts[periods] += count
    if not counts:
        return MONTHLY
    return min(counts, key=lambda p: (-counts[p], p.days or p.months * 30, p.anchor))


def _merge(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[list[date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def describe_spans(spans: list[tuple[date, date]]) -> str:
    texts = [describe_span(start, end) for start, end in _merge(spans)]
    if len(texts) > 3:
        return f"{', '.join(texts[:3])} and {len(texts) - 3} other periods"
    return " and ".join(texts) if len(texts) < 3 else f"{texts[0]}, {texts[1]} and {texts[2]}"


@dataclass
class Sum:
    """The figures of one area over one window: their sum, the counts it is made of (one per
    channel, for disclosure control), and the parts of the window no figure covers."""

    value: int | None
    parts: list[int]
    gaps: list[tuple[date, date]]
    illustrative: bool = False
    # For each channel, what no figure covers; and the channels with any figure in the window.
    channel_gaps: dict[int, list[tuple[date, date]]] = field(default_factory=dict)
    present: set[int] = field(default_factory=set)


_start = operator.attrgetter("period_start")


def by_start(figures: list) -> list:
    return sorted(figures, key=_start)


def pair_gaps(first: Sum, second: Sum) -> tuple[list, list]:
    """What two windows compared with each other miss. A channel with no figure in either window
    is left out of both (the comparison stays like with like); a channel with figures in one
    window must cover the other too. With no figures at all in either, both are missing."""
    present = first.present | second.present
    if not present:
        return first.gaps, second.gaps

    def kept(total: Sum) -> list:
        return _merge([gap for pk in present for gap in total.channel_gaps.get(pk, [])])

    return kept(first), kept(second)


def _sum(
    figures: list[HelpSeekerFigure], periods: Periods, channels: list[Channel], window: Window
) -> Sum:
    """Only figures of the area's kind of period lying inside the window count. The figures
    come in the order they start (by_start), so that those starting in the window are found
    without reading the others."""
    first = bisect_left(figures, window.start, key=_start)
    inside = []
    for f in itertools.islice(figures, first, None):
        if f.period_start > window.end:
            break
        if f.period_end <= window.end and Periods.of(f) == periods:
            inside.append(f)
    by_channel: dict[int, list[HelpSeekerFigure]] = defaultdict(list)
    for figure in inside:
        by_channel[figure.channel_id].append(figure)
    parts, gaps, channel_gaps = [], [], {}
    for channel in channels:
        found = by_channel.get(channel.pk, [])
        if found:
            parts.append(sum(f.count for f in found))
        channel_gaps[channel.pk] = window_gaps(
            window, [(f.period_start, f.period_end) for f in found]
        )
        gaps.extend(channel_gaps[channel.pk])
    return Sum(
        sum(parts) if parts else None,
        parts,
        _merge(gaps),
        any(f.is_illustrative for f in inside),
        channel_gaps,
        set(by_channel),
    )


# --- Rows -----------------------------------------------------------------------------------


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
    # For each window, what no figure covers, with the area it is missing for.
    missing: dict[str, list[tuple[date, date, str]]] = field(default_factory=dict)
    windows: dict[str, Window] | None = None
    launch: date | None = None
    periods: Periods | None = None

    def comparable(self, pair: str = "now") -> bool:
        return not any(self.missing.get(name) for name in PAIRS[pair])

    def missing_spans(self, pair: str = "now") -> list[tuple[date, date, str]]:
        return [gap for name in PAIRS[pair] for gap in self.missing.get(name, [])]

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def percent(self) -> int | None:
        return percent_change(self.before, self.after) if self.comparable("now") else None

    @property
    def percent_year_earlier(self) -> int | None:
        if not self.comparable("year_earlier"):
            return None
        return percent_change(self.before_year_earlier, self.after_year_earlier)

    @property
    def ratio(self) -> Change | None:
        return ratio_change(self.before, self.after) if self.comparable("now") else None

    @property
    def ratio_year_earlier(self) -> Change | None:
        if not self.comparable("year_earlier"):
            return None
        return ratio_change(self.before_year_earlier, self.after_year_earlier)

    @property
    def adjusted(self) -> Change | None:
        """The change after allowing for the change over the same months a year earlier."""
        if not (self.comparable("now") and self.comparable("year_earlier")):
            return None
        return adjusted_change(
            [(self.after, self.before), (self.before_year_earlier, self.after_year_earlier)]
        )


def not_comparable_text(row: EffectRow, pair: str = "now", *, name_areas: bool = True) -> str:
    """“not comparable: figures for April 2025 are missing”."""
    gaps = row.missing_spans(pair)
    if not gaps:
        return ""
    spans = describe_spans([(start, end) for start, end, _ in gaps])
    areas = sorted({label for _, _, label in gaps})
    who = ""
    if row.kind == "total":
        if name_areas:
            who = f" ({', '.join(areas)})" if len(areas) <= 3 else f" ({len(areas)} areas)"
        else:
            who = " (for some areas)"
    return f"not comparable: figures for {spans} are missing{who}"


@dataclass
class GroupComparison:
    """Where some areas launched later: over the same windows around the first launch, the areas
    that had launched against those that had not yet (a difference in differences), beside the
    same months a year earlier."""

    launched: list[str]
    not_yet: list[str]
    launched_before: int | None
    launched_after: int | None
    not_yet_before: int | None
    not_yet_after: int | None
    comparable: bool = True
    launched_year_earlier: tuple[int | None, int | None] = (None, None)
    not_yet_year_earlier: tuple[int | None, int | None] = (None, None)
    comparable_year_earlier: bool = False

    @property
    def launched_percent(self) -> int | None:
        return (
            percent_change(self.launched_before, self.launched_after) if self.comparable else None
        )

    @property
    def not_yet_percent(self) -> int | None:
        return percent_change(self.not_yet_before, self.not_yet_after) if self.comparable else None

    @property
    def difference(self) -> Change | None:
        """(launched after / before) / (not yet after / before)."""
        if not self.comparable:
            return None
        return adjusted_change(
            [
                (self.launched_after, self.launched_before),
                (self.not_yet_before, self.not_yet_after),
            ]
        )

    @property
    def difference_year_earlier(self) -> Change | None:
        """The same difference over the same months a year earlier, before any launch: how far
        the two groups usually drift apart."""
        if not self.comparable_year_earlier:
            return None
        (lb, la), (nb, na) = self.launched_year_earlier, self.not_yet_year_earlier
        return adjusted_change([(la, lb), (nb, na)])


DID_METHOD = (
    "How the comparison works: over the same months, the areas where the campaign had launched "
    "are set against the areas where it had not launched yet. Both groups live through the same "
    "season and the same national news, so if the launched areas rose by more than the others, "
    "the difference (the ratio of the two changes, a difference in differences) is the "
    "campaign's likely effect. The same calculation for the same months a year earlier, before "
    "anyone launched, shows how far the two groups usually drift apart."
)


@dataclass
class Effect:
    campaign: Campaign
    launch: date
    months: int
    before: Window
    after: Window
    rows: list[EffectRow]
    total: EffectRow
    comparison: GroupComparison | None
    illustrative: bool
    periods: Periods = MONTHLY
    notes: list[str] = field(default_factory=list)

    @functools.cached_property
    def uniform(self) -> bool:
        """Whether every area is measured over the same windows (so headings can name them).
        Worked out once: the impact page asks it for every row, and it looks at every row."""
        return all(row.windows == self.total.windows for row in self.rows if row.windows)

    def row_for(self, label: str) -> EffectRow:
        return next(row for row in [*self.rows, self.total] if row.label == label)

    @property
    def before_year_earlier(self) -> Window:
        return self.periods.year_earlier(self.before)

    @property
    def after_year_earlier(self) -> Window:
        return self.periods.year_earlier(self.after)


def area_launch_dates(campaign: Campaign, partners=None) -> dict[int, date]:
    """When the campaign launched in each force area: the earliest of its partners there.
    partners: for each of the campaign's partners, its organisation's force area and its own
    launch date (None: the campaign's), if the caller has them."""
    if partners is None:
        # Each area's earliest in the database: a national campaign has hundreds of partners
        # in a few dozen areas.
        partners = (
            campaign.partners.order_by()
            .values("organisation__force_area_id")
            .annotate(launch=Min(Coalesce("launch_date", Value(campaign.launch_date))))
            .values_list("organisation__force_area_id", "launch")
        )
    launches: dict[int, date] = {}
    for area_id, own_launch in partners:
        if area_id is None:
            continue
        launch = own_launch or campaign.launch_date
        launches[area_id] = min(launch, launches.get(area_id, launch))
    return launches


def figures_window(campaign: Campaign, months: int, launches: dict[int, date]) -> Window:
    """The span of figures the effect may need: its windows for periods of up to a year, around
    the campaign's launch and its areas' own, and the year before."""
    latest = max([campaign.launch_date, *launches.values()])
    return Window(
        add_months(campaign.launch_date, -(12 + 2 * months + 13)), add_months(latest, months + 13)
    )


def campaign_effect(
    campaign: Campaign,
    *,
    months: int = 3,
    launches: dict[int, date] | None = None,
    loaded: RegionFigures | None = None,
) -> Effect | None:
    """Help-seekers in the whole periods before each area's launch against as many after, per
    area and in total, with the same windows a year earlier for seasonality (one query of
    figures). A page that shows more of the region's figures passes them (and the area launch
    dates) loaded once, covering figures_window."""
    region = campaign.region
    if region is None:
        return None
    launch = campaign.launch_date
    if launches is None:
        launches = area_launch_dates(campaign)
    span = figures_window(campaign, months, launches)
    if loaded is None:
        loaded = region_figures(region, [span])
    figures = loaded.overlapping(span)
    areas = loaded.areas
    channels = channels_for(region, figures, loaded.channels)
    by_area: dict[int | None, list[HelpSeekerFigure]] = defaultdict(list)
    for figure in by_start(figures):
        by_area[figure.force_area_id].append(figure)
    main = _main_periods(figures)

    keys: list[tuple[str, ForceArea | None]] = [("area", area) for area in areas]
    if by_area.get(None):
        keys.append(("not_given", None))
    rows = []
    for kind, force_area in keys:
        area_id = force_area.pk if force_area else None
        own = by_area.get(area_id, [])
        periods = _main_periods(own) if own else main
        area_launch = launches.get(area_id, launch)
        windows = periods.windows(area_launch, months)
        label = area_label(region, force_area)
        sums = {name: _sum(own, periods, channels, window) for name, window in windows.items()}
        gaps: dict[str, list] = {}
        for first, second in PAIRS.values():
            gaps[first], gaps[second] = pair_gaps(sums[first], sums[second])
        rows.append(
            EffectRow(
                label,
                kind,
                *(sums[name].value for name in WINDOWS),
                force_area=force_area,
                parts={name: sums[name].parts for name in WINDOWS},
                missing={
                    name: [(start, end, label) for start, end in gaps[name]] for name in WINDOWS
                },
                windows=windows,
                launch=area_launch,
                periods=periods,
            )
        )

    def total_of(name: str) -> int | None:
        values = [getattr(row, name) for row in rows if getattr(row, name) is not None]
        return sum(values) if values else None

    campaign_windows = main.windows(launch, months)
    total = EffectRow(
        f"Total for {region}",
        "total",
        *(total_of(name) for name in WINDOWS),
        parts={name: [part for row in rows for part in row.parts[name]] for name in WINDOWS},
        missing={name: [gap for row in rows for gap in row.missing[name]] for name in WINDOWS},
        windows=campaign_windows,
        launch=launch,
        periods=main,
    )
    effect = Effect(
        campaign,
        launch,
        months,
        campaign_windows["before"],
        campaign_windows["after"],
        rows,
        total,
        _comparison(rows, by_area, channels, launches, launch, campaign_windows, main),
        any(f.is_illustrative for f in figures),
        main,
    )
    effect.notes = _notes(effect, campaign)
    return effect


def _comparison(
    rows: list[EffectRow],
    by_area: dict[int | None, list[HelpSeekerFigure]],
    channels: list[Channel],
    launches: dict[int, date],
    launch: date,
    windows: dict[str, Window],
    main: Periods,
) -> GroupComparison | None:
    """Where some areas launched later, or have no partner in the campaign: the areas launched
    by the campaign's launch against those that had not launched by the end of the window after
    it, over the same windows (areas whose figures come in other periods are left out)."""
    launched = [
        r for r in rows if r.force_area and launches.get(r.force_area.pk, date.max) <= launch
    ]
    not_yet = [
        r
        for r in rows
        if r.force_area and launches.get(r.force_area.pk, date.max) > windows["after"].end
    ]
    launched = [r for r in launched if r.periods == main]
    not_yet = [r for r in not_yet if r.periods == main]
    if not launched or not not_yet:
        return None

    def group(members: list[EffectRow], first: str, second: str) -> tuple[Sum, Sum]:
        pairs = [
            (
                _sum(by_area.get(r.force_area.pk, []), main, channels, windows[first]),
                _sum(by_area.get(r.force_area.pk, []), main, channels, windows[second]),
            )
            for r in members
        ]
        totals = []
        for index in (0, 1):
            values = [pair[index].value for pair in pairs]
            gaps = [gap for pair in pairs for gap in pair_gaps(*pair)[index]]
            totals.append(Sum(None if any(v is None for v in values) else sum(values), [], gaps))
        return totals[0], totals[1]

    got = {}
    for side, members in (("launched", launched), ("not_yet", not_yet)):
        for first, second in PAIRS.values():
            got[(side, first)], got[(side, second)] = group(members, first, second)

    def covered(*names: str) -> bool:
        return all(
            not got[(side, name)].gaps and got[(side, name)].value is not None
            for side in ("launched", "not_yet")
            for name in names
        )

    return GroupComparison(
        [r.label for r in launched],
        [r.label for r in not_yet],
        got[("launched", "before")].value,
        got[("launched", "after")].value,
        got[("not_yet", "before")].value,
        got[("not_yet", "after")].value,
        comparable=covered("before", "after"),
        launched_year_earlier=(
            got[("launched", "before_year_earlier")].value,
            got[("launched", "after_year_earlier")].value,
        ),
        not_yet_year_earlier=(
            got[("not_yet", "before_year_earlier")].value,
            got[("not_yet", "after_year_earlier")].value,
        ),
        comparable_year_earlier=covered("before_year_earlier", "after_year_earlier"),
    )


def _notes(effect: Effect, campaign: Campaign) -> list[str]:
    """At most two plain sentences on how the windows were fitted to the launch and the data."""
    main, launch, months = effect.periods, effect.launch, effect.months
    count = main.count_for(months)
    first = []
    launch_start = main.start_of(launch)
    if launch != launch_start:
        left_out = describe_span(launch_start, main.shift(launch_start, 1) - timedelta(days=1))
        first.append(
            f"The campaign launched on {_day(launch)}, part-way through a {main.name}, so "
            f"{left_out} is left out: the {main.describe(count)} before it "
            f"({effect.before.label}) are compared with the "
            f"{main.describe(count).replace('whole ', '')} after ({effect.after.label})"
        )
    asked = main.months * count if not main.days else None
    if asked is not None and asked != months:
        first.append(
            f"figures come by {main.name}, so the windows are {main.describe(count)} rather "
            f"than {months} month{'s' if months != 1 else ''}"
        )
    elif main.days:
        first.append(f"figures come by {main.name}, so the windows are {main.describe(count)}")
    sentences = []
    if first:
        sentence = "; ".join(first)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")

    later = [row for row in effect.rows if row.launch and row.launch != launch]
    other_periods = [row for row in effect.rows if row.periods != main and any(row.parts.values())]
    second = []
    if later:
        names = ", ".join(f"{row.label} on {_day(row.launch)}" for row in later)
        same = all(row.windows == effect.total.windows for row in later)
        second.append(
            f"{names} launched later and {'is' if len(later) == 1 else 'are'} measured from "
            "its own launch"
            + (f" (in the same {main.name}, so over the same windows)" if same else "")
        )
    if other_periods:
        second.append(
            ", ".join(f"{row.label}'s figures come by {row.periods.name}" for row in other_periods)
            + ", so "
            + ("its" if len(other_periods) == 1 else "their")
            + " windows are whole periods of that kind"
        )
    if second:
        sentence = "; ".join(second)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return sentences
