"""Forms for help-seeker figures: choosing windows and periods, importing a spreadsheet."""

from django import forms

from agencies.models import Region
from lib.choices import ModelChoiceField

MONTH_FORMAT = "%Y-%m"


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self):
        super().__init__(format=MONTH_FORMAT)


class MonthField(forms.DateField):
    widget = MonthInput
    input_formats = [MONTH_FORMAT]


class _PeriodForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("table_from"), cleaned.get("table_to")
        if start and end and end < start:
            self.add_error("table_to", "The period ends before it starts.")
        return cleaned


class ImpactForm(_PeriodForm):
    months = forms.IntegerField(
        label="Months before and after launch", min_value=1, max_value=12, required=False
    )
    table_from = MonthField(label="Area table from", required=False)
    table_to = MonthField(label="to", required=False)


class AreaTableForm(_PeriodForm):
    region = ModelChoiceField(queryset=Region.objects.all(), to_field_name="slug")
    table_from = MonthField(label="From")
    table_to = MonthField(label="To")


class ImportForm(forms.Form):
    spreadsheet = forms.FileField(
        help_text="A CSV or Excel (XLSX) file with the columns area, channel, period and count, "
        "and optionally note."
    )
