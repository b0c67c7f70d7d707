"""Dates and counts as the template language's filters write them ("j M Y", floatformat's "0g"),
for rows built in Python (the activity list's, the audit trail's, readiness, the evaluation
report): the filters' lookups and checks, once per value, were most of what a long table cost."""

from datetime import date

from django.utils.dates import MONTHS_3


def month_abbreviations() -> dict[int, str]:
    """The months as the date filter's "M" gives them, in the language being spoken: read once
    for a table, not once per date."""
    return {number: str(name).title() for number, name in MONTHS_3.items()}


def short_date(day: date, months: dict[int, str]) -> str:
    """The day as the date filter's "j M Y" writes it (a datetime already in local time)."""
    return f"{int(day.day)} {months[day.month]} {int(day.year)}"


def grouped(count: int | None) -> str:
    """A whole number with its thousands grouped, as floatformat's "0g" writes it in the
    portal's languages (English and Welsh both group with commas); nothing for None."""
    return "" if count is None else f"{int(count):,}"
