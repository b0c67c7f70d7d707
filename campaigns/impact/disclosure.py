"""Disclosure control: what a person may see of a help-seeker count. The only place that decides.

Small helpline figures could identify people, so for everyone but the campaign's admins:
- a count from 1 to the threshold less one (`SMALL_NUMBER_THRESHOLD`, 5 unless set) is withheld
  and shown as “fewer than 5”;
- a total made of counts of which one is withheld is rounded to the nearest multiple of the
  threshold (“about 45”), so that the withheld count cannot be worked out by subtraction;
- no percentage is worked out from a withheld or rounded count.

Every page, chart, export and workbook that shows a count goes through `show_exact`,
`show_protected` or `show_sum`, or through the tables built here from them.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from agencies.models import ForceArea
from campaigns.impact.areas import AreaTable
from campaigns.impact.effect import WINDOWS, Effect, EffectRow, format_percent, not_comparable_text
from campaigns.impact.uncertainty import Change

WITHHELD_PERCENT = "not shown: the counts are too small"


def threshold() -> int:
    return settings.SMALL_NUMBER_THRESHOLD


def small_numbers_note() -> str:
    limit = threshold()
    return (
        f"Counts below {limit} are shown as “fewer than {limit}”, and totals that include "
        "one are rounded (“about …”), so that nobody can be identified. Percentages are not "
        "worked out from withheld or rounded counts."
    )


@dataclass(frozen=True)
class Shown:
    """A count as a person may see it: exact, "fewer than 5", or rounded to hide a small count."""

    value: int | None
    text: str
    suppressed: bool = False
    rounded: bool = False

    @property
    def exact(self) -> bool:
        return not (self.suppressed or self.rounded)


def cell_value(shown: Shown):
    """A count as a spreadsheet cell: a number when exact, the words when withheld or rounded
    (“about 895” as a bare 895 would pass for exact), empty when there is no figure."""
    if not shown.exact:
        return shown.text
    return shown.value


def show_exact(value: int | None) -> Shown:
    return Shown(value, "–" if value is None else f"{value:,}")


def show_protected(value: int | None, *, hides_small: bool, threshold: int | None = None) -> Shown:
    """For partners: a count from 1 to threshold-1 is withheld; a total that includes one is
    rounded to the nearest threshold, so the withheld count cannot be worked out."""
    limit = threshold if threshold is not None else settings.SMALL_NUMBER_THRESHOLD
    if value is None:
        return Shown(None, "–")
    if 0 < value < limit:
        return Shown(None, f"fewer than {limit}", suppressed=True)
    if hides_small:
        rounded = limit * round(value / limit)
        if rounded < limit:
            return Shown(None, f"fewer than {limit}", suppressed=True)
        return Shown(rounded, f"about {rounded:,}", rounded=True)
    return show_exact(value)


def show_sum(parts: Iterable[int], *, exact: bool, value: int | None = None) -> Shown:
    """A total of counts (areas, channels, figures) as a person may see it: rounded for a partner
    when any of its parts would be withheld. `value` is the total when the caller has it."""
    parts = [part for part in parts if part is not None]
    if value is None and parts:
        value = sum(parts)
    if exact:
        return show_exact(value)
    # A part that would be withheld: from 1 to the threshold less one. The threshold is read
    # once, as a region's total has hundreds of parts.
    limit = threshold()
    hides_small = any(0 < part < limit for part in parts)
    return show_protected(value, hides_small=hides_small, threshold=limit)


def shown_percent(before: Shown, after: Shown, percent: int | None) -> str:
    """A percentage only from counts shown exactly: never one that would undo a withholding."""
    if not (before.exact and after.exact):
        return WITHHELD_PERCENT
    return format_percent(percent)


def _sees(own_areas: set[int] | None, kind: str, force_area: ForceArea | None) -> bool:
    """Partners see their own areas' rows and the region's total; the admins every row."""
    if kind == "total" or own_areas is None:
        return True
    return force_area is not None and force_area.pk in own_areas


# --- The area table ------------------------------------------------------------------------


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
    channel_ids = [channel.pk for channel in table.channels]
    shown = []
    for row in [*table.rows, table.total]:
        if not _sees(own_areas, row.kind, row.force_area):
            continue
        if row.kind == "total":
            cells = [
                show_sum(table.column(pk), exact=exact, value=row.counts[pk]) for pk in channel_ids
            ]
            every = [part for other in table.rows for part in other.parts]
            total = show_sum(every, exact=exact, value=row.total)
        else:
            cells = [
                show_exact(row.counts[pk])
                if exact
                else show_protected(row.counts[pk], hides_small=False)
                for pk in channel_ids
            ]
            total = show_sum(row.parts, exact=exact, value=row.total)
        shown.append(ShownRow(row.label, row.kind, cells, total, row.force_area))
    return shown


# --- The effect ----------------------------------------------------------------------------


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
    verdict: str = ""
    verdict_year_earlier: str = ""
    windows_label: str = ""
    comparable: bool = True
    change: Change | None = None
    # The percentages as numbers, only where they are shown as numbers (for workbooks).
    percent_value: int | None = None
    percent_value_year_earlier: int | None = None

    @property
    def withheld(self) -> bool:
        return self.percent == WITHHELD_PERCENT


def _verdict(change: Change | None) -> str:
    if change is None or change.ratio is None:
        return "too few people to tell" if change is not None else ""
    if change.interval_text:
        return f"{change.words} (95% interval {change.interval_text})"
    return change.words


def _percent_and_verdict(
    row: EffectRow, pair: str, before: Shown, after: Shown, *, name_areas: bool
) -> tuple[str, str, Change | None]:
    """What a person may read where a percentage would go: “not comparable: …” where a window is
    not fully covered, the withholding note where a count is withheld or rounded, else the
    percentage and whether it is larger than chance variation."""
    if not row.comparable(pair):
        return not_comparable_text(row, pair, name_areas=name_areas), "", None
    if before.value is None and after.value is None and not (before.suppressed or after.suppressed):
        return "", "", None
    if not (before.exact and after.exact):
        return WITHHELD_PERCENT, "", None
    change = row.ratio if pair == "now" else row.ratio_year_earlier
    percent = row.percent if pair == "now" else row.percent_year_earlier
    return format_percent(percent), _verdict(change), change


def _windows_label(row: EffectRow, effect: Effect) -> str:
    if effect.uniform or row.windows is None:
        return ""
    return f"{row.windows['before'].label} against {row.windows['after'].label}"


def present_effect(
    effect: Effect, *, exact: bool, own_areas: set[int] | None = None
) -> list[ShownEffectRow]:
    """The effect's rows as a person may see them. For partners: their own areas and the total,
    small counts withheld, totals that would reveal them rounded, and no percentage worked out
    from a withheld or rounded count."""
    shown = []
    for row in [*effect.rows, effect.total]:
        if not _sees(own_areas, row.kind, row.force_area):
            continue
        cells = {
            name: show_sum(row.parts.get(name, []), exact=exact, value=getattr(row, name))
            for name in WINDOWS
        }
        percent, verdict, change = _percent_and_verdict(
            row, "now", cells["before"], cells["after"], name_areas=exact
        )
        percent_ye, verdict_ye, _ = _percent_and_verdict(
            row,
            "year_earlier",
            cells["before_year_earlier"],
            cells["after_year_earlier"],
            name_areas=exact,
        )
        shown.append(
            ShownEffectRow(
                row.label,
                row.kind,
                cells["before"],
                cells["after"],
                percent,
                cells["before_year_earlier"],
                cells["after_year_earlier"],
                percent_ye,
                row.force_area,
                verdict,
                verdict_ye,
                _windows_label(row, effect),
                row.comparable("now"),
                change,
                row.percent if percent == format_percent(row.percent) and percent else None,
                row.percent_year_earlier
                if percent_ye == format_percent(row.percent_year_earlier) and percent_ye
                else None,
            )
        )
    return shown


def _rose_or_fell(percent: int) -> str:
    if percent > 0:
        return f"rose {percent}%"
    if percent < 0:
        return f"fell {abs(percent)}%"
    return "did not change"


def net_effect(effect: Effect, shown: ShownEffectRow, row: EffectRow, *, where: str = "") -> str:
    """The net effect in words, for one row as the person may see it: “People seeking help rose
    72% after launch, against a 4% fall over the same months a year earlier.”"""
    subject = f"People seeking help{where}"
    if not row.comparable("now"):
        return f"{subject}: {shown.percent}, so there is no effect to report yet."
    if shown.withheld:
        return f"{subject}: the counts are too small to give a change."
    change = row.ratio
    if change is None or change.ratio is None:
        return f"{subject}: no figures around the launch yet."
    if change.verdict == "too few":
        return (
            f"{subject} went from {shown.before.text} to {shown.after.text}: too few people to "
            "tell whether the campaign made a difference."
        )
    sentence = (
        f"{subject} {_rose_or_fell(change.percent)} after launch ({change.words}, 95% interval "
        f"{change.interval_text})"
    )
    before_ye, after_ye = shown.before_year_earlier, shown.after_year_earlier
    year = row.ratio_year_earlier
    if not row.comparable("year_earlier"):
        sentence += (
            "; the same months a year earlier are not comparable, so a seasonal change is not "
            "ruled out"
        )
    elif not (before_ye.exact and after_ye.exact):
        sentence += "; the same months a year earlier have counts too small to compare"
    elif year is not None and year.percent is not None:
        percent = year.percent
        if percent == 0:
            sentence += ", against no change over the same months a year earlier"
        else:
            sentence += (
                f", against a {abs(percent)}% {'rise' if percent > 0 else 'fall'} over the "
                "same months a year earlier"
            )
    sentence += "."
    adjusted = row.adjusted
    if adjusted is not None and adjusted.ratio is not None and year is not None:
        if adjusted.interval_text and year.percent is not None:
            sentence += (
                f" Allowing for the year-earlier change, the campaign's effect is "
                f"{format_percent(adjusted.percent)} (95% interval {adjusted.interval_text}): "
                f"{adjusted.words}."
            )
    return sentence


def comparison_sentence(comparison) -> str:
    """The staggered-launch comparison in words (campaign admins only: it shows other areas)."""
    if comparison is None:
        return ""
    if not comparison.comparable:
        return (
            "The areas that launched later cannot be compared yet: some of the months are "
            "missing figures."
        )
    difference = comparison.difference
    launched = format_percent(comparison.launched_percent) or "no figure"
    not_yet = format_percent(comparison.not_yet_percent) or "no figure"
    sentence = (
        f"Over the same months, areas where the campaign had launched changed by {launched} and "
        f"areas without it yet by {not_yet}"
    )
    if difference is not None and difference.interval_text:
        sentence += (
            f": a difference of {format_percent(difference.percent)} (95% interval "
            f"{difference.interval_text}), {difference.words}"
        )
    sentence += "."
    placebo = comparison.difference_year_earlier
    if placebo is not None and placebo.percent is not None:
        sentence += (
            f" A year earlier, before any launch, the same areas drifted apart by "
            f"{format_percent(placebo.percent)}."
        )
    return sentence
