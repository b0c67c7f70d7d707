import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import formats, timezone

from agencies.models import Organisation
from campaigns.models import Activity, Campaign, CampaignPartner, EnforcementFigures
from campaigns.services.activity import usable_material
from lib import uploads
from lib.choices import ModelChoiceField, ModelMultipleChoiceField
from lib.widgets import DateInput

# Which fields belong to which kind of activity; the page shows only those that apply.
FIELDS_FOR_TYPE = {
    "ended_on": {"posters", "event", "other"},
    "quantity": {"posters", "social_post", "event", "internal", "other"},
    "reach": {"social_post", "press_release", "media_coverage", "interview", "internal", "other"},
    "reach_source": {
        "social_post",
        "press_release",
        "media_coverage",
        "interview",
        "internal",
        "other",
    },
    "engagement": {"social_post", "other"},
}


class ActivityForm(forms.ModelForm):
    evidence_file = forms.FileField(
        required=False,
        label="Evidence",
        help_text="A photo or screenshot (PNG, JPEG or WebP). Its location and other hidden "
        "details are removed when it is saved.",
    )
    link = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where it can be seen, e.g. the post or the article.",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    confirm_dates = forms.BooleanField(
        required=False,
        label="I confirm it happened outside the campaign's run, for example preparation "
        "before launch.",
    )

    class Meta:
        model = Activity
        fields = [
            "activity_type",
            "started_on",
            "ended_on",
            "channel",
            "quantity",
            "reach",
            "reach_source",
            "engagement",
            "force_area",
            "place",
            "link",
            "materials",
            "notes",
        ]
        field_classes = {"force_area": ModelChoiceField, "materials": ModelMultipleChoiceField}
        widgets = {
            "started_on": DateInput,
            "ended_on": DateInput,
            "materials": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "quantity": forms.NumberInput(attrs={"min": 0}),
            "reach": forms.NumberInput(attrs={"min": 0}),
            "engagement": forms.NumberInput(attrs={"min": 0}),
        }

    def __init__(
        self,
        *args,
        campaign: Campaign,
        organisation: Organisation,
        held_evidence: uploads.CheckedUpload | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.organisation = organisation
        # A file checked and held after an earlier error in this form (lib.held_uploads).
        self.held_evidence = held_evidence
        self.instance.campaign = campaign
        self.instance.organisation = organisation
        self.fields["materials"].queryset = usable_material(campaign, organisation)
        self.fields["force_area"].empty_label = "Not in one force area"
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("started_on", campaign.day_to_suggest())
            self.initial.setdefault("force_area", organisation.force_area_id)
            self.initial["submission_key"] = uuid.uuid4()
        for name, types in FIELDS_FOR_TYPE.items():
            self.fields[name].widget.attrs["data-show-for"] = " ".join(sorted(types))
        self.needs_date_confirmation = False

    def launch_days(self) -> set:
        """The campaign's launch day and this organisation's own, if it launches on another."""
        own = CampaignPartner.objects.filter(
            campaign=self.campaign, organisation=self.organisation, launch_date__isnull=False
        ).values_list("launch_date", flat=True)
        return {self.campaign.launch_date, *own}

    def clean_started_on(self):
        started = self.cleaned_data["started_on"]
        # Launch day is never "in the future": what is set up for it may be logged ahead.
        if started > timezone.localdate() and started not in self.launch_days():
            raise ValidationError("Log what has happened: this date is in the future.")
        return started

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return self.held_evidence
        return uploads.check_upload(
            upload,
            allowed=uploads.IMAGE_TYPES,
            max_bytes=settings.UPLOAD_MAX_MB * uploads.MB,
            what="photo or screenshot",
        )

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", "The end date cannot be before the start date.")
        reach, engagement = cleaned.get("reach"), cleaned.get("engagement")
        if reach is not None and engagement is not None and engagement > reach:
            self.add_error("engagement", "Engagement cannot be more than the reach.")
        if reach is not None and not cleaned.get("reach_source"):
            self.add_error("reach_source", "Say where the reach figure comes from.")
        if started and self._outside_run(started, ended) and not cleaned.get("confirm_dates"):
            self.needs_date_confirmation = True
            self.add_error("started_on", self._outside_run_message())
        return cleaned

    def _outside_run(self, started, ended) -> bool:
        campaign = self.campaign
        if started < campaign.launch_date:
            return True
        return campaign.end_date is not None and (ended or started) > campaign.end_date

    def _outside_run_message(self) -> str:
        campaign = self.campaign
        run = campaign.launch_wording()
        if campaign.end_date:
            ends = "ended" if campaign.end_date < timezone.localdate() else "ends"
            run += f" and {ends} on {formats.date_format(campaign.end_date, 'j F Y')}"
        return (
            f"This is outside the campaign's run (it {run}). That can be right, for preparation "
            "before launch: if so, tick the box below to confirm and save again."
        )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ActivityFilterForm(forms.Form):
    campaign = ModelChoiceField(
        queryset=Campaign.objects.none(), required=False, to_field_name="slug", empty_label="Any"
    )
    organisation = ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="Any",
    )
    activity_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any"), *Activity.Type.choices]
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)

    def __init__(self, *args, campaigns, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["organisation"].queryset = organisations

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("date_from")
            and cleaned.get("date_to")
            and cleaned["date_to"] < cleaned["date_from"]
        ):
            self.add_error("date_to", "The end of the range is before its start.")
        return cleaned


class EnforcementFiguresForm(forms.ModelForm):
    class Meta:
        model = EnforcementFigures
        fields = [
            "period_start",
            "period_end",
            "search_warrants",
            "offenders_charged",
            "live_cases",
            "referrals_change_percent",
            "notes",
        ]
        widgets = {
            "period_start": DateInput,
            "period_end": DateInput,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, campaign: Campaign, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.campaign = campaign
        self.instance.organisation = organisation

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period cannot end before it starts.")
        figures = [
            cleaned.get(name)
            for name in (
                "search_warrants",
                "offenders_charged",
                "live_cases",
                "referrals_change_percent",
            )
        ]
        if all(value is None for value in figures):
            raise ValidationError("Enter at least one figure.")
        return cleaned
