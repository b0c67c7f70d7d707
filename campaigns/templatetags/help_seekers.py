"""How a help-seeker count is written in a table cell, as campaigns.impact.disclosure decided it.

A filter rather than an included template: the impact page's tables have a cell for each count of
each area, and including a template for each cost more than the rest of the table together.
"""

from django import template
from django.utils.html import format_html

from campaigns.impact.disclosure import Shown

register = template.Library()


@register.filter
def shown(cell: Shown) -> str:
    """A withheld count greyed, a rounded one with why it is rounded, an exact one as it is."""
    if cell.suppressed:
        return format_html('<span class="text-body-secondary">{}</span>', cell.text)
    if cell.rounded:
        return format_html(
            '<span title="Rounded so that a small count cannot be worked out">{}</span>', cell.text
        )
    return cell.text
