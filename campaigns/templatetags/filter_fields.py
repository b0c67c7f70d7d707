"""One field of a page's filters (a box to type in, a date, a month, a number, or a list to choose
from), marked up exactly as the form layout library marks up the portal's other forms, label,
error and all.

Built in Python because the toolkit, the activity list and impact are among the pages opened
most: through the layout library and Django's widget templates their fields cost a tenth of the
toolkit's time and two fifths of the activity list's, and through a template of their own, a
loop over each option, still half of the activity list's template time. The audit trail's list
of organisations holds every partner of a national campaign. A value is shown as the
person sent it: these forms have no initial dates to format. tests/campaigns/test_filter_fields.py
holds the markup to the layout library's.
"""

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

FIELD = (
    '<div id="div_{}" class="mb-3">\n'
    '  <label for="{}" class="form-label">{}</label>\n'
    "  {}\n"
    "  {}{}\n"
    "</div>"
)


@register.simple_tag
def filter_field(field: BoundField) -> SafeString:
    described = [f"{field.auto_id}_helptext"] if field.help_text else []
    if field.errors:
        described.append(f"{field.auto_id}_error")
    # Written inside the control's class attribute's quotes, as the layout library writes them
    # there: whether it is invalid, and what describes it (its help, its error).
    invalid = SafeString(' is-invalid" aria-invalid="true' if field.errors else "")
    if described:
        invalid = format_html('{}" aria-describedby="{}', invalid, " ".join(described))
    help_text = ""
    if field.help_text:
        # The form's own markup, unescaped as Django and the layout library write it.
        help_text = format_html(
            '<div id="{}_helptext" class="form-text">{}</div>',
            field.auto_id,
            mark_safe(field.help_text),  # noqa: S308 - the form's own text
        )
    control = _select(field, invalid) if field.widget_type == "select" else _input(field, invalid)
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1)),
            ),
        )
    return format_html(
        FIELD, field.auto_id, field.id_for_label, field.label, control, errors, help_text
    )


def _select(field: BoundField, invalid: str) -> SafeString:
    chosen = field.value()
    if chosen is None:
        chosen = ""
    # The choices iterated, not listed: list() of them asks for their number first, and for
    # choices from the database (the activity filters' campaigns and organisations) that
    # number is a query of its own.
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if value == chosen else "", label)
            for value, label in field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" class="select form-select{}" id="{}">\n    {}\n  </select>',
        field.html_name,
        invalid,
        field.auto_id,
        options,
    )


def _input(field: BoundField, invalid: str) -> SafeString:
    widget = field.field.widget
    value = field.value()
    return format_html(
        '<input type="{}" name="{}"{}{} class="{}input form-control{}" id="{}">',
        widget.input_type,
        field.html_name,
        format_html(' value="{}"', value) if value else "",
        format_html_join("", ' {}="{}"', widget.attrs.items()),
        widget.input_type,
        invalid,
        field.auto_id,
    )
