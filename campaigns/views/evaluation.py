"""The campaign's evaluation report: the page, its workbook, and the learning the charity writes."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.models import AuditEntry
from audit.services import record
from campaigns.access import (
    acting_organisation,
    get_campaign_for_user,
    get_partner_report_for_user,
    partner_reports_for,
)
from campaigns.evaluation.learning import MAX_LEARNING_LENGTH, save_learning
from campaigns.evaluation.partner import build_partner_report
from campaigns.evaluation.report import build_report
from campaigns.evaluation.workbook import partner_workbook_sheets, workbook_sheets
from lib.addresses import client_address
from lib.spreadsheets import add_sheet, new_workbook, xlsx_response


class LearningForm(forms.Form):
    learning = forms.CharField(
        label="What the campaign learned",
        required=False,
        max_length=MAX_LEARNING_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="What worked, what did not, and what to do differently next time: for example "
        "which channels and partners reached people, partners' feedback, and recommendations. "
        "Line breaks are kept.",
    )


@require_http_methods(["GET"])
def evaluation_report(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    report = build_report(campaign, request.user)
    return render(
        request,
        "campaigns/evaluation.html",
        {
            "campaign": campaign,
            "report": report,
            "partner_reports": partner_reports_for(request.user, campaign),
        },
    )


@require_http_methods(["GET"])
def partner_report(request: HttpRequest, slug: str, partner_id: int) -> HttpResponse:
    partner = get_partner_report_for_user(request.user, slug, partner_id)
    report = build_partner_report(partner, request.user)
    return render(
        request,
        "campaigns/partner_report.html",
        {"campaign": partner.campaign, "report": report},
    )


@require_http_methods(["GET"])
def partner_report_workbook(request: HttpRequest, slug: str, partner_id: int) -> HttpResponse:
    partner = get_partner_report_for_user(request.user, slug, partner_id)
    report = build_partner_report(partner, request.user)
    campaign = partner.campaign
    record(
        AuditEntry.Action.REPORT_EXPORTED,
        actor=request.user,
        address=client_address(request),
        organisation=acting_organisation(request.user, campaign),
        campaign=campaign,
        target=campaign,
        data={"report": "partner", "format": "xlsx", "partner": partner.organisation.name},
    )
    workbook = new_workbook()
    for sheet in partner_workbook_sheets(report):
        add_sheet(workbook, sheet.title, sheet.header, sheet.rows)
    return xlsx_response(
        workbook,
        f"{campaign.slug}-{partner.organisation.slug}-report-{report.produced_on:%Y-%m-%d}.xlsx",
    )


@require_http_methods(["GET"])
def evaluation_workbook(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    report = build_report(campaign, request.user)
    record(
        AuditEntry.Action.REPORT_EXPORTED,
        actor=request.user,
        address=client_address(request),
        organisation=acting_organisation(request.user, campaign),
        campaign=campaign,
        target=campaign,
        data={
            "report": "evaluation",
            "format": "xlsx",
            "scope": "all partners" if report.everything else "own organisation",
        },
    )
    workbook = new_workbook()
    for sheet in workbook_sheets(report):
        add_sheet(workbook, sheet.title, sheet.header, sheet.rows)
    return xlsx_response(workbook, f"{campaign.slug}-evaluation-{report.produced_on:%Y-%m-%d}.xlsx")


@require_http_methods(["GET", "POST"])
def evaluation_learning(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug, action="manage")
    is_post = request.method == "POST"
    form = LearningForm(
        request.POST if is_post else None, initial={"learning": campaign.evaluation_learning}
    )
    if is_post and form.is_valid():
        try:
            changed = save_learning(
                campaign,
                form.cleaned_data["learning"],
                actor=request.user,
                address=client_address(request),
            )
        except ValidationError as refused:
            form.add_error("learning", refused)
        else:
            if changed:
                messages.success(request, "The learning has been saved.")
            else:
                messages.info(request, "Nothing had changed, so nothing was saved.")
            return redirect(reverse("campaigns:evaluation", args=[campaign.slug]) + "#learning")
    return render(
        request,
        "campaigns/_evaluation_learning_form.html",
        {"campaign": campaign, "form": form},
    )
