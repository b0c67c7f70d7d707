"""Forms for templates: marking material as one, and a partner making its own version."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from campaigns.localising.fields import FIELDS
from campaigns.models import LocalisedTemplate


def _zone(text: str) -> list[float] | None:
    if not text.strip():
        return None
    try:
        numbers = [float(part) for part in text.replace(";", ",").split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(0 <= n <= 1 for n in numbers):
        raise ValidationError("Give four numbers from 0 to 1: left, top, width, height.")
    left, top, width, height = numbers
    if width <= 0 or height <= 0 or left + width > 1 or top + height > 1:
        raise ValidationError("The zone must have a size and lie inside the image.")
    return numbers


class TemplateMarkForm(forms.Form):
    kind = forms.ChoiceField(
        choices=LocalisedTemplate.Kind.choices,
        widget=forms.RadioSelect,
        label="What kind of template",
    )
    logo_zone = forms.CharField(
        required=False,
        label="Posters: logo zone",
        help_text="Left, top, width and height as fractions of the image, e.g. “0.06, 0.82, "
        "0.4, 0.12”.",
    )
    text_zone = forms.CharField(
        required=False,
        label="Posters: text zone",
        help_text="Left, top, width and height, e.g. “0.5, 0.82, 0.44, 0.12”.",
    )
    poster_text = forms.CharField(
        required=False,
        max_length=300,
        label="Posters: words in the text zone",
        help_text="With fields, e.g. “{{ organisation_name }} supports this campaign. "
        "{{ help_link }}”.",
    )

    def clean_logo_zone(self):
        return _zone(self.cleaned_data["logo_zone"])

    def clean_text_zone(self):
        return _zone(self.cleaned_data["text_zone"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == LocalisedTemplate.Kind.POSTER:
            for name in ("logo_zone", "text_zone"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "A poster template needs both zones.")
        return cleaned


class LocaliseForm(forms.Form):
    """The period of the help-seeker figures and the words the partner writes."""

    period = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label="Period of the help-seeker figures",
        help_text="A calendar year for which the charity holds figures for your area.",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, names: list[str], years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", "Choose a year")] + [(y, str(y)) for y in years]
        if not any(name.startswith("help_seekers") for name in names):
            del self.fields["period"]
        for name in names:
            spec = FIELDS[name]
            if not spec.free:
                continue
            self.fields[name] = forms.CharField(
                label=spec.label,
                required=False,
                max_length=3000 if spec.long else 200,
                widget=forms.Textarea(attrs={"rows": 5}) if spec.long else forms.TextInput,
            )
        if not self.is_bound:
            self.fields["submission_key"].initial = uuid.uuid4()

    def entered(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            name: (data.get(name) or "").replace("\r\n", "\n").strip()
            for name in self.fields
            if name in FIELDS
        }


class VisitsImportForm(forms.Form):
    file = forms.FileField(
        label="Visits spreadsheet (CSV or Excel)",
        help_text="Columns utm_source, utm_medium, utm_campaign, period, visits: one row per "
        "partner, kind of link and period, as the help site's statistics count them.",
    )
