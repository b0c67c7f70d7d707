"""The audit trail in the portal: campaign admins see their campaigns' trail, partner leads
their organisation's, filtered by person, organisation, action and date, and exported."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.access import require_audit_reader
from agencies.models import Organisation
from audit.models import AuditEntry
from audit.services import record
from lib.addresses import client_address
from lib.choices import ModelChoiceField
from lib.paging import filtered_page
from lib.spreadsheets import csv_response
from lib.widgets import DateInput

PAGE_SIZE = 100


class AuditFilterForm(forms.Form):
    person = forms.CharField(required=False, max_length=254, help_text="Part of a name or e-mail.")
    organisation = ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="Any",
    )
    action = forms.ChoiceField(required=False, choices=[("", "Any"), *AuditEntry.Action.choices])
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


def filtered_entries(request: HttpRequest):
    """The entries the person may see, narrowed by the filters; None if a filter is invalid."""
    require_audit_reader(request.user)
    entries = AuditEntry.objects.visible_to(request.user)
    # Each organisation asked whether it has an entry they may see, from the entries' index of
    # organisations: not the organisations of every entry they may see, 100,000 for a national
    # campaign's admin (23 ms against 1.4 ms on SQLite).
    organisations = Organisation.objects.filter(
        Exists(entries.filter(organisation=OuterRef("pk")))
    ).order_by("name")
    form = AuditFilterForm(request.GET if request.GET else None, organisations=organisations)
    if form.is_bound:
        if not form.is_valid():
            return form, None
        data = form.cleaned_data
        if data["person"]:
            term = data["person"]
            entries = entries.filter(
                Q(actor__email__icontains=term)
                | Q(actor__full_name__icontains=term)
                | Q(subject_user__email__icontains=term)
                | Q(subject_user__full_name__icontains=term)
            )
        if data["organisation"]:
            entries = entries.filter(organisation=data["organisation"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["date_from"]:
            entries = entries.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(at__date__lte=data["date_to"])
    entries = entries.select_related(
        "actor", "organisation", "campaign", "material", "subject_user"
    ).order_by("-at", "-pk")
    return form, entries


@require_http_methods(["GET"])
def audit_trail(request: HttpRequest) -> HttpResponse:
    form, entries = filtered_entries(request)
    page, query = filtered_page(request, entries, PAGE_SIZE, ("-at", "-pk"))
    return render(
        request, "agencies/audit_trail.html", {"filters": form, "page": page, "query": query}
    )


@require_http_methods(["GET"])
def audit_export(request: HttpRequest) -> HttpResponse:
    form, entries = filtered_entries(request)
    if entries is None:
        return HttpResponseBadRequest("The filters are not valid: " + form.errors.as_text())
    record(
        AuditEntry.Action.AUDIT_EXPORTED,
        actor=request.user,
        address=client_address(request),
        data={"filters": dict(request.GET.items())},
    )
    rows = (
        [
            timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.action_label,
            entry.actor.email if entry.actor_id else "",
            entry.organisation.name if entry.organisation_id else "",
            entry.campaign.name if entry.campaign_id else "",
            entry.subject_user.email if entry.subject_user_id else "",
            entry.target_repr,
            entry.details,
            entry.ip_address or "",
        ]
        for entry in entries.iterator(chunk_size=2000)
    )
    header = [
        "When (UK time)",
        "What",
        "Who",
        "Organisation",
        "Campaign",
        "To whom",
        "What it was done to",
        "Change",
        "Address",
    ]
    return csv_response(header, rows, f"audit-{timezone.localdate():%Y-%m-%d}.csv")
