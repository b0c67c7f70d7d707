from django import forms

from agencies.models import Organisation
from campaigns.models import Campaign, CampaignPartner
from lib.choices import ModelChoiceField
from lib.widgets import DateInput


class CampaignForm(forms.ModelForm):
    publicity_channels = forms.MultipleChoiceField(
        choices=Campaign.PublicityChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Channels",
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "lead_organisation",
            "region",
            "launch_date",
            "end_date",
            "summary",
            "objectives",
            "publicity_channels",
            "helpline_name",
            "helpline_number",
            "websites",
        ]
        field_classes = {"lead_organisation": ModelChoiceField, "region": ModelChoiceField}
        widgets = {
            "launch_date": DateInput,
            "end_date": DateInput,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 5}),
            "websites": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, admin_organisation_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        leads = Organisation.objects.filter(pk__in=admin_organisation_ids)
        self.fields["lead_organisation"].queryset = leads
        self.fields["lead_organisation"].empty_label = None
        if len(admin_organisation_ids) == 1:
            # Nothing to choose: the campaign is run by the admin's own charity.
            self.fields["lead_organisation"].widget = forms.HiddenInput()
            self.fields["lead_organisation"].initial = next(iter(admin_organisation_ids))


class PartnerForm(forms.ModelForm):
    class Meta:
        model = CampaignPartner
        fields = ["organisation", "launch_date"]
        field_classes = {"organisation": ModelChoiceField}
        widgets = {"launch_date": DateInput}

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.campaign = campaign
        taken = campaign.partners.values("organisation_id")
        self.fields["organisation"].queryset = (
            Organisation.objects.active()
            .exclude(pk=campaign.lead_organisation_id)
            .exclude(pk__in=taken)
            .order_by("kind", "name")
        )
