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
from campaigns.impact.effect import WINDOWS, Effect, format_percent

WITHHELD_PERCENT = "not shown: the counts are too small"


def threshold() -> int:
    return settings.SMALL_NUMBER_THRESHOLD


def is_small(value: int | None) -> bool:
    """A count that would be withheld from a partner: from 1 to the threshold less one."""
    return value is not None and 0 < value < threshold()


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
    return show_protected(value, hides_small=any(is_small(part) for part in parts))


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
        shown.append(
            ShownEffectRow(
                row.label,
                row.kind,
                cells["before"],
                cells["after"],
                shown_percent(cells["before"], cells["after"], row.percent),
                cells["before_year_earlier"],
                cells["after_year_earlier"],
                shown_percent(
                    cells["before_year_earlier"],
                    cells["after_year_earlier"],
                    row.percent_year_earlier,
                ),
                row.force_area,
            )
        )
    return shown
