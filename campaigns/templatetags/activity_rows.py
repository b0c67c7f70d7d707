"""The rows of the activity list, built in Python rather than by a template loop.

A partner's list shows fifty records a page, and through the template language each row cost
more than the rest of the page's queries put together: a lookup per value, two filters per
figure, a URL resolved per link. The markup is the same as a template would write, and
tests/campaigns/test_activity_list.py holds it to that, escaping included.
"""

from collections.abc import Iterable

from django import template
from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from campaigns.models import Activity
from lib.links import address_for_each

register = template.Library()

ROW = (
    "<tr><td>{}</td>"
    '<td><a href="{}">{}</a>{}</td>'
    "<td>{}</td><td>{}</td>"
    '<td class="text-end">{}</td><td class="text-end">{}</td></tr>'
)
NO_ROWS = format_html('<tr><td colspan="6">{}</td></tr>', "No activity matches.")


@register.simple_tag
def activity_rows(activities: Iterable[Activity]) -> SafeString:
    page_of = address_for_each("campaigns:activity-detail")
    # The months as the date filter's "M" gives them, in the language being spoken.
    months = {number: str(name).title() for number, name in MONTHS_3.items()}
    rows = format_html_join(
        "\n",
        ROW,
        (_cells(activity, page_of(activity.pk), months) for activity in activities),
    )
    return rows or NO_ROWS


def _cells(activity: Activity, address: str, months: dict[int, str]) -> tuple:
    when = _day(activity.started_on, months)
    if activity.ended_on:
        when = f"{when} to {_day(activity.ended_on, months)}"
    channel = ""
    if activity.channel:
        channel = format_html(' <span class="text-body-secondary">({})</span>', activity.channel)
    return (
        when,
        address,
        activity.get_activity_type_display(),
        channel,
        activity.organisation,
        activity.campaign,
        _count(activity.quantity),
        _count(activity.reach),
    )


def _day(day, months: dict[int, str]) -> str:
    """The day as the date filter's "j M Y" writes it."""
    return f"{day.day} {months[day.month]} {day.year}"


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"
