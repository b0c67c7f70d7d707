"""Periods and windows: months, spans of days, how they read, and what a window is missing.

A report only counts figures whose whole period lies inside its window: a yearly figure is never
split into months, and a window that no set of figures exactly covers says what is missing.
"""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import formats


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

    @classmethod
    def whole_months(cls, first: date, last: date) -> "Window":
        """From the first day of one month to the last day of another."""
        return cls(first.replace(day=1), add_months(last.replace(day=1), 1) - timedelta(days=1))

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


def is_month_start(day: date) -> bool:
    return day.day == 1


def is_month_end(day: date) -> bool:
    return day.day == monthrange(day.year, day.month)[1]


def describe_span(start: date, end: date) -> str:
    """“March to May 2017”, “2017”, “June 2017”, or dates when the span is not whole months."""
    if is_month_start(start) and is_month_end(end):
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


def gaps(window: Window, spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The parts of the window that no span covers."""
    found, cursor = [], window.start
    for start, end in sorted(spans):
        if start > cursor:
            found.append((cursor, min(start - timedelta(days=1), window.end)))
        cursor = max(cursor, end + timedelta(days=1))
        if cursor > window.end:
            break
    if cursor <= window.end:
        found.append((cursor, window.end))
    return found


class Note(str):
    """A line about a gap in the figures, which knows the area it is about (None: area not
    given), so that a partner is shown detail only about its own area."""

    area_id: int | None

    def __new__(
        cls,
        text: str,
        area_id: int | None,
        *,
        label: str = "",
        channel: str = "",
        span: str = "",
    ) -> "Note":
        note = super().__new__(cls, text)
        note.area_id = area_id
        note.label, note.channel, note.span = label, channel, span
        return note

    def __getnewargs_ex__(self) -> tuple[tuple, dict]:
        # Kept in the cache with the report it is part of (campaigns.impact.report).
        return (str(self), self.area_id), {
            "label": self.label,
            "channel": self.channel,
            "span": self.span,
        }


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

    @property
    def summary(self) -> list[str]:
        """At most two sentences instead of a line per figure: what is missing, grouped by
        period, and how many figures run past the period's edge."""
        sentences = []
        by_span: dict[str, list[str]] = {}
        others = []
        for note in self.missing:
            if not note.span:
                others.append(str(note))
                continue
            by_span.setdefault(note.span, []).append(f"{note.label} ({note.channel})")
        if by_span:
            areas = sorted({who.rsplit(" (", 1)[0] for whos in by_span.values() for who in whos})
            if len(by_span) <= 3:
                parts = [f"{span} ({', '.join(whos)})" for span, whos in by_span.items()]
                text = f"Figures are missing for {' and '.join(parts)}"
            else:
                text = (
                    f"Figures are missing for {len(by_span)} periods in {len(areas)} "
                    f"area{'s' if len(areas) != 1 else ''} ({', '.join(areas)})"
                )
            if others:
                text += "; " + "; ".join(others)
            sentences.append(text + ", so the totals are not the whole picture.")
        elif others:
            sentences.append("; ".join(others).capitalize() + ".")
        if self.left_out:
            count = len(self.left_out)
            example = self.left_out[0]
            sentences.append(
                f"{count} figure{'s' if count != 1 else ''} cover{'s' if count == 1 else ''} a "
                f"longer period than this one and {'is' if count == 1 else 'are'} not counted "
                f"(for example {example.label}'s for {example.span}): a figure is never split."
            )
        return sentences
