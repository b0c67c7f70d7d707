from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.models import Organisation
from campaigns.access import (
    acting_organisation,
    get_campaign_for_user,
    get_partner_for_user,
    require_campaign_creator,
)
from campaigns.forms.campaigns import CampaignForm, PartnerForm
from campaigns.models import EnforcementFigures
from campaigns.services import setup as services
from lib.addresses import client_address


@require_http_methods(["GET"])
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    partners = list(campaign.partners.select_related("organisation__force_area"))
    enforcement = (
        EnforcementFigures.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .select_related("organisation")
        # The figures' own ordering, less the campaign's (one campaign here, and its ordering
        # would join it).
        .order_by("organisation", "-period_end", "pk")
    )
    acting_for = acting_organisation(request.user, campaign, partners=partners)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "partners": partners,
            "can_manage": campaign.is_run_by(request.user),
            "enforcement": enforcement,
            "acting_for": acting_for,
            "is_police_force": acting_for is not None
            and acting_for.kind == Organisation.Kind.POLICE_FORCE,
        },
    )


@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    require_campaign_creator(request.user)
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        admin_organisation_ids=request.user.admin_organisation_ids,
    )
    if request.method == "POST" and form.is_valid():
        campaign = services.create_campaign(
            form.save(commit=False), actor=request.user, address=client_address(request)
        )
        messages.success(request, f"“{campaign}” has been created. Add its partners next.")
        return redirect("campaigns:campaign-detail", slug=campaign.slug)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None})


@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug, action="manage")
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        instance=campaign,
        admin_organisation_ids=request.user.admin_organisation_ids,
    )
    if request.method == "POST" and form.is_valid():
        services.update_campaign(
            form.save(commit=False),
            changed=form.changed_data,
            actor=request.user,
            address=client_address(request),
        )
        messages.success(request, "The campaign has been saved.")
        return redirect("campaigns:campaign-detail", slug=campaign.slug)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@require_http_methods(["GET", "POST"])
def partner_add(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug, action="manage")
    form = PartnerForm(request.POST if request.method == "POST" else None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.add_partner(
                form.save(commit=False), actor=request.user, address=client_address(request)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{partner.organisation} now takes part in the campaign.")
            return redirect("campaigns:campaign-detail", slug=campaign.slug)
    return render(request, "campaigns/partner_form.html", {"form": form, "campaign": campaign})


@require_http_methods(["GET", "POST"])
def partner_remove(request: HttpRequest, slug: str, partner_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, slug, partner_id)
    if request.method == "POST":
        services.remove_partner(partner, actor=request.user, address=client_address(request))
        messages.success(request, f"{partner.organisation} no longer takes part in the campaign.")
        return redirect("campaigns:campaign-detail", slug=slug)
    return render(request, "campaigns/partner_remove.html", {"partner": partner})
