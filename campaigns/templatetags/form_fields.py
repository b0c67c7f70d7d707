"""One field of a form, marked up exactly as the form layout library (crispy-forms, its
bootstrap5 pack) marks it up, built in Python rather than through the pack's templates.

For the forms people fill in most: logging activity is the page partners open most after the
toolkit, and rendering its fifteen fields through the pack's nested templates was two thirds of
the page's time. And for adding and editing material, whose list of organisations to send it to
holds every partner of the campaign: at 448 the pack took over 100 ms of each page. The widgets
themselves are still Django's. A field of a kind not written out here (radio buttons, several
inputs in one, a file already attached) is rendered by the library itself.
tests/campaigns/test_form_fields.py holds the two to the same markup, field by field.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, optgroups
from django import forms, template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

NOTHING = SafeString("")

register = template.Library()

REQUIRED_MARK = format_html('<span class="{}">*</span>', "asteriskField")


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    widget = field.field.widget
    if field.is_hidden:
        return format_html("{}", field)
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return _checkboxes(field)
    if isinstance(widget, forms.CheckboxInput):
        return _checkbox(field)
    if isinstance(widget, forms.FileInput):
        if any(subwidget.data.get("is_initial") for subwidget in field.subwidgets):
            return as_crispy_field(field)
        return _wrapped(field, _file(field))
    if isinstance(widget, forms.RadioSelect | forms.MultiWidget):
        return as_crispy_field(field)
    styles = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if field.errors:
        styles += " is-invalid"
    _add_classes(widget, styles)
    return _wrapped(field, format_html("{}{}", field, _errors_and_help(field)))


def _add_classes(widget: forms.Widget, styles: str) -> None:
    """The widget's classes as the library sets them: its own kind's name, then the styles."""
    kind = widget.__class__.__name__.lower()
    classes = widget.attrs.get("class", "")
    if not classes:
        classes = kind
    elif kind not in classes:
        classes += f" {kind}"
    for style in styles.split():
        if style not in classes.split():
            classes += f" {style}"
    widget.attrs["class"] = classes


def _wrapper_classes(field: BoundField, base: str) -> str:
    extra = field.css_classes()
    return f"{base} {extra}" if extra else base


def _wrapped(field: BoundField, content: SafeString) -> SafeString:
    label = ""
    if field.label:
        label = format_html(
            '<label{} class="form-label{}">{}{}</label>',
            format_html(' for="{}"', field.id_for_label) if field.id_for_label else "",
            " requiredField" if field.field.required else "",
            field.label,
            REQUIRED_MARK if field.field.required else "",
        )
    return format_html(
        '<div id="div_{}" class="{}">{}{}</div>',
        field.auto_id,
        _wrapper_classes(field, "mb-3"),
        label,
        content,
    )


def _errors(field: BoundField) -> SafeString:
    if not field.errors:
        return NOTHING
    return format_html(
        '<div id="{}_error" class="invalid-feedback">{}</div>',
        field.errors.field_id,
        format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1)),
        ),
    )


def _help(field: BoundField) -> SafeString:
    if not field.help_text:
        return NOTHING
    # Help texts are the portal's own words, shown as the library shows them: as markup.
    help_text = mark_safe(field.help_text)  # noqa: S308 - written in the portal's forms
    if field.auto_id:
        return format_html(
            '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, help_text
        )
    return format_html('<div class="form-text">{}</div>', help_text)


def _errors_and_help(field: BoundField) -> SafeString:
    return _errors(field) + _help(field)


def _attributes(attrs: dict, *, leave_out: tuple[str, ...] = ()) -> SafeString:
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and name not in leave_out
        ),
    )


def _checkbox(field: BoundField) -> SafeString:
    styles = "form-check-input is-invalid" if field.errors else "form-check-input"
    _add_classes(field.field.widget, styles)
    return format_html(
        '<div class="mb-3"><div id="div_{}" class="{}">{}'
        '<label for="{}" class="form-check-label{}">{}{}</label>{}</div></div>',
        field.auto_id,
        _wrapper_classes(field, "form-check"),
        field,
        field.id_for_label,
        " requiredField" if field.field.required else "",
        field.label,
        REQUIRED_MARK if field.field.required else "",
        _errors_and_help(field),
    )


def _checkboxes(field: BoundField) -> SafeString:
    groups = optgroups(field)
    options = []
    for group_number, (group, members, _index) in enumerate(groups, 1):
        if group:
            options.append(format_html("<strong>{}</strong>", group))
        for number, option in enumerate(members, 1):
            last = number == len(members) and group_number == len(groups)
            options.append(
                format_html(
                    '<div class="form-check"><input type="{}" class="form-check-input{}" '
                    'name="{}" value="{}"{}><label for="{}" class="form-check-label">{}</label>'
                    "{}</div>",
                    option["type"],
                    " is-invalid" if field.errors else "",
                    field.html_name,
                    str(option["value"]),
                    _attributes(option["attrs"]),
                    option["attrs"].get("id", ""),
                    str(option["label"]),
                    _errors(field) if last else "",
                )
            )
    choices = format_html("<div>{}</div>{}", _joined(options), _help(field))
    if not field.label:
        return format_html(
            '<div id="div_{}" class="{}">{}</div>',
            field.auto_id,
            _wrapper_classes(field, "mb-3"),
            choices,
        )
    described_by = field.aria_describedby
    return format_html(
        '<div id="div_{}" class="{}"><fieldset{}><legend{} class="form-label{} fs-6">{}{}</legend>'
        "{}</fieldset></div>",
        field.auto_id,
        _wrapper_classes(field, "mb-3"),
        format_html(' aria-describedby="{}"', described_by) if described_by else "",
        format_html(' for="{}"', field.id_for_label) if field.id_for_label else "",
        " requiredField" if field.field.required else "",
        field.label,
        REQUIRED_MARK if field.field.required else "",
        choices,
    )


def _file(field: BoundField) -> SafeString:
    parts = []
    for subwidget in field.subwidgets:
        data = subwidget.data
        own = data["attrs"].get("class")
        parts.append(
            format_html(
                '<div{}><input type="{}" name="{}" class="form-control{}{}"{}{}>{}</div>',
                format_html(' class="{}"', "is-invalid") if field.errors else "",
                data["type"],
                data["name"],
                f" {own}" if own else "",
                " is-invalid" if field.errors else "",
                format_html(" {}", "disabled") if field.field.disabled else "",
                _attributes(data["attrs"], leave_out=("class",)),
                _errors_and_help(field),
            )
        )
    return _joined(parts)


def _joined(parts: list[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))
