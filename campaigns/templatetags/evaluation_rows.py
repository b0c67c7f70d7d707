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


@register.simple_tag
def partner_rows(partners: Iterable[PartnerEntry]) -> SafeString:
    months = month_abbreviations()
    return _rows(
        (
            partner.name,
            f"<td>{escape(partner.kind)}</td>"
            f"<td>{escape(short_date(partner.launch_date, months))}"
            f"{' (its own launch date)' if partner.launches_later else ''}</td>",
        )
        for partner in partners
    )


@register.simple_tag
def material_rows(material: Iterable[MaterialItem]) -> SafeString:
    return _rows(
        (item.title, f"<td>{escape(item.kind)}</td><td>{escape(item.owner)}</td>")
        for item in material
    )


@register.simple_tag
def activity_rows_by_type(rows: Iterable[OutputRow]) -> SafeString:
    return _rows(
        (
            row.label,
            "".join(f'<td class="text-end">{grouped(count)}</td>' for count in row.counts)
            + f'<td class="text-end fw-semibold">{grouped(row.total)}</td>',
        )
        for row in rows
    )


@register.simple_tag
def download_rows(rows: Iterable[DownloadRow]) -> SafeString:
    return _rows(
        (
            row.label,
            f'<td class="text-end">{grouped(row.downloads)}</td>'
            f'<td class="text-end">{grouped(row.items)}</td>',
        )
        for row in rows
    )


def _rows(rows: Iterable[tuple[str, str]]) -> SafeString:
    """Each row headed by its label, escaped here, then its cells, written with every value
    escaped or a number."""
    return mark_safe(  # noqa: S308 - escaped, see above
        "".join(
            f'<tr><th scope="row" class="fw-normal">{escape(label)}</th>{cells}</tr>'
            for label, cells in rows
        )
    )
