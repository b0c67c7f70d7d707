"""The readiness table's rows, built in Python rather than by a template loop.

A national campaign's admin sees every partner, 448 at 100 times the seeds' scale, and each
row's activity is listed by type in the order of the types: through the template language that
was a loop over every type for each type, and the rows were half a second of the page. The
markup is the template's, escaping included (tests/campaigns/test_readiness.py holds it to it).
"""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from campaigns.models import Activity
from campaigns.readiness import PartnerReadiness
from lib.written import month_abbreviations, short_date

register = template.Library()

NO_ROWS = SafeString('<tr><td colspan="6">No partners to show.</td></tr>')


@register.simple_tag
def readiness_rows(rows: Iterable[PartnerReadiness]) -> SafeString:
    months = month_abbreviations()
    types = [(value, escape(str(label))) for value, label in Activity.Type.choices]
    written = "\n".join(_row(row, months, types) for row in rows)
    return mark_safe(written) if written else NO_ROWS  # noqa: S308 - every value escaped in _row


def _row(row: PartnerReadiness, months: dict[int, str], types: list[tuple[str, str]]) -> str:
    partner = escape(str(row.organisation))
    if row.not_started:
        partner += '<br><span class="badge text-bg-warning">Not started</span>'
    launch = escape(short_date(row.launch_date, months))
    signed_in = row.signed_in
    if signed_in:
        last = escape(short_date(timezone.localtime(row.last_sign_in), months))
        people = f"{len(signed_in)} signed in, last {last}"
    else:
        people = "<strong>nobody has signed in</strong>"
    downloaded = row.materials_downloaded
    toolkit = (
        f"{int(downloaded)} item{'' if downloaded == 1 else 's'} downloaded"
        if downloaded
        else "<strong>not downloaded</strong>"
    )
    by_type = row.activity_by_type
    if by_type:
        counts = "".join(
            f"<li>{label}: {int(by_type[value])}</li>" for value, label in types if value in by_type
        )
        activity = (
            f'<ul class="list-unstyled mb-0">{counts}</ul>'
            f'<span class="small">{int(row.activity_since_launch)} since launch</span>'
        )
    else:
        activity = "<strong>none</strong>"
    last_activity = escape(short_date(row.last_activity, months)) if row.last_activity else "–"
    contacts = "".join(
        f"<div>{escape(person.full_name)}<br>"
        f'<a href="mailto:{escape(person.email)}">{escape(person.email)}</a></div>'
        for person in row.contacts
    )
    return (
        f'<tr><th scope="row">{partner}<br>'
        f'<span class="small text-body-secondary fw-normal">launch {launch}</span></th>'
        f"<td>{len(row.members)} signed up<br>{people}</td><td>{toolkit}</td>"
        f"<td>{activity}</td><td>{last_activity}</td>"
        f"<td>{contacts or 'Nobody has joined yet'}</td></tr>"
    )
