"""A piece of material's badges (its state, its embargo) and its card in the toolkit, built in
Python rather than by template includes.

The toolkit is the page partners open most, and its cards were most of its template's time:
through the template language (a lookup per value, a filter per date and size, an include per
badge, a URL resolved per link) the demo's fifteen cards took 7.84 ms, in Python 2.66 (median of
300, side by side). The markup is what the templates wrote; tests/campaigns/test_material_cards.py
holds it to theirs.
"""

from html import escape

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat, pluralize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime

from campaigns.models import Material
from lib.links import address_for_each

register = template.Library()

STATES = {
    "approved": ("text-bg-success", "Approved"),
    "in_review": ("text-bg-warning", "Waiting for review"),
    "changes_requested": ("text-bg-danger", "Changes requested"),
    "withdrawn": ("text-bg-dark", "Withdrawn"),
}


def _badge(styles: str, text: str) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', styles, text)


def _when(moment, form: str) -> str:
    """The moment as the date filter writes it: in the portal's time zone."""
    return date_filter(template_localtime(moment), form)


@register.simple_tag
def embargo_badge(material: Material) -> SafeString:
    if not material.is_under_embargo():
        return SafeString("")
    return _badge(
        "embargo-badge", f"EMBARGOED UNTIL {_when(material.embargo_until, 'H:i, l j F Y')}"
    )


@register.simple_tag
def state_badges(material: Material) -> SafeString:
    """Where the material stands: its state, a version waiting for review, a release still to
    come, its expiry."""
    badges = []
    state = material.state
    if state in STATES:
        badges.append(_badge(*STATES[state]))
        if state == "approved" and material.version_in_review:
            badges.append(_badge("text-bg-light border", "New version waiting for review"))
    if material.release_at and not material.is_released():
        when = _when(material.release_at, "H:i, j F Y")
        badges.append(
            _badge("text-bg-info", f"Released to partners at {when}: partners cannot see this yet")
        )
    if material.is_expired():
        badges.append(_badge("text-bg-secondary", "Expired"))
    return format_html_join(" ", "{}", ((badge,) for badge in badges))


@register.simple_tag
def toolkit_cards(materials: list[Material], runs_it: bool) -> SafeString:
    """The cards of one kind of material, each in its list item."""
    page_of = address_for_each("campaigns:material-detail")
    # Every value is escaped (as Django's own escape does, without its checks for lazy text) or
    # a number.
    return mark_safe(  # noqa: S308 - every value below is escaped or a number
        "".join(_card(material, runs_it, page_of(material.pk)) for material in materials)
    )


def _card(material: Material, runs_it: bool, address: str) -> str:
    current = material.current_version or material.latest_version
    badges = []
    if material.is_new:
        badges.append(_badge("text-bg-primary", "New since your last visit"))
    if material.show_state:
        badges.append(state_badges(material))
    badges.append(embargo_badge(material))
    details = ""
    if current and current.size:
        details = f" · {escape(str(filesizeformat(current.size)))}"
    if runs_it:
        count = int(material.download_count or 0)
        details += f" · {count} download{pluralize(count)}"
    pk = int(material.pk)
    shown = " ".join(badge for badge in badges if badge)
    return (
        '<li class="col-md-6 col-xl-4">'
        f'<article class="card h-100" aria-labelledby="material-{pk}-title">{_preview(current)}'
        '<div class="card-body">'
        f'<h3 class="h5 portal-card-title" id="material-{pk}-title">'
        f'<a href="{escape(str(address))}">{escape(str(material.title))}</a></h3>'
        f'<p class="mb-2">{shown}</p>{_suggested_words(material, current)}'
        f'<p class="small text-body-secondary mb-0">{escape(str(material.owner_organisation))}'
        f"{details}</p>"
        "</div></article></li>"
    )


def _preview(current) -> str:
    if not (current and current.preview):
        return ""
    size = ""
    if current.preview_width and current.preview_height:
        size = f' width="{int(current.preview_width)}" height="{int(current.preview_height)}"'
    return (
        f'<img class="card-img-top toolkit-thumb" src="{escape(str(current.preview_url))}" '
        f'alt="{escape(str(current.alt_text or ""))}" loading="lazy"{size}>'
    )


def _suggested_words(material: Material, current) -> str:
    if material.kind != Material.Kind.SUGGESTED_POST or not (current and current.text):
        return ""
    words = escape(str(Truncator(current.text).chars(160)))
    return f'<p class="small mb-2 text-truncate-3">{words}</p>'
