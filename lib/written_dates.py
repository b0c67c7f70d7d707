"""Dates as the template language's date filter writes them ("j M Y"), for rows built in Python
(the activity list's, the audit trail's, readiness): the filter's lookups and checks, once per
value, were most of what a long table's dates cost."""

from datetime import date

from django.utils.dates import MONTHS_3


def month_abbreviations() -> dict[int, str]:
    """The months as the filter's "M" gives them, in the language being spoken: read once for
    a table, not once per date."""
    return {number: str(name).title() for number, name in MONTHS_3.items()}


def short_date(day: date, months: dict[int, str]) -> str:
    """The day as the filter's "j M Y" writes it (a datetime already in local time)."""
    return f"{int(day.day)} {months[day.month]} {int(day.year)}"
