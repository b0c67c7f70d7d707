"""The evaluation report's longest tables, their rows built in Python rather than by template
loops: a national campaign's report lists every partner (448 at 100 times the seeds' scale),
each one's activity by type, and every piece of approved material (10,000). The markup is the
templates', escaping included (tests/campaigns/test_evaluation.py holds it to it)."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from campaigns.evaluation.report import DownloadRow, MaterialItem, OutputRow, PartnerEntry
from lib.written import grouped, month_abbreviations, short_date

register = template.Library()

# Every value below is escaped or a number.


@register.simple_tag
def partner_rows(partners: Iterable[PartnerEntry]) -> SafeString:
    months = month_abbreviations()
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            f'<tr><th scope="row" class="fw-normal">{escape(partner.name)}</th>'
            f"<td>{escape(partner.kind)}</td>"
            f"<td>{escape(short_date(partner.launch_date, months))}"
            f"{' (its own launch date)' if partner.launches_later else ''}</td></tr>"
            for partner in partners
        )
    )


@register.simple_tag
def material_rows(material: Iterable[MaterialItem]) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            f'<tr><th scope="row" class="fw-normal">{escape(item.title)}</th>'
            f"<td>{escape(item.kind)}</td><td>{escape(item.owner)}</td></tr>"
            for item in material
        )
    )


@register.simple_tag
def activity_rows_by_type(rows: Iterable[OutputRow]) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            f'<tr><th scope="row" class="fw-normal">{escape(row.label)}</th>'
            + "".join(f'<td class="text-end">{grouped(count)}</td>' for count in row.counts)
            + f'<td class="text-end fw-semibold">{grouped(row.total)}</td></tr>'
            for row in rows
        )
    )


@register.simple_tag
def download_rows(rows: Iterable[DownloadRow]) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            f'<tr><th scope="row" class="fw-normal">{escape(row.label)}</th>'
            f'<td class="text-end">{grouped(row.downloads)}</td>'
            f'<td class="text-end">{grouped(row.items)}</td></tr>'
            for row in rows
        )
    )
