from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F
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
from lib.paging import filtered_page

# A national campaign has hundreds of partners: its overview counts them by kind, and they are
# listed, a page at a time, on a page of their own.
PARTNERS_PER_PAGE = 50


@require_http_methods(["GET"])
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    kinds = dict(Organisation.Kind.choices)
    partner_kinds = [
        (kind, kinds.get(kind, kind), count)
        for kind, count in campaign.partners.order_by("organisation__kind")
        .values_list("organisation__kind")
        .annotate(count=Count("pk"))
    ]
    # The person's own organisations among the partners: the one they act for, and when it
    # launches.
    own = list(
        campaign.partners.filter(organisation_id__in=request.user.organisation_ids)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    enforcement = (
        EnforcementFigures.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .select_related("organisation")
        # The figures' own ordering, less the campaign's (one campaign here, and its ordering
        # would join it).
        .order_by("organisation", "-period_end", "pk")
    )
    acting_for = acting_organisation(request.user, campaign, partners=own)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "partner_kinds": partner_kinds,
            "partner_count": sum(count for _, _, count in partner_kinds),
            "own_partners": own,
            "can_manage": campaign.is_run_by(request.user),
            "enforcement": enforcement,
            "acting_for": acting_for,
            "is_police_force": acting_for is not None
            and acting_for.kind == Organisation.Kind.POLICE_FORCE,
        },
    )


@require_http_methods(["GET"])
def partner_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone who may see the campaign may see who takes part in it, by name, a page at a
    time (keyset paging on the name, so that the last page costs what the first does); one kind
    of organisation with ?kind=."""
    campaign = get_campaign_for_user(request.user, slug)
    kind = request.GET.get("kind", "")
    partners = campaign.partners.select_related("organisation").annotate(
        organisation_name=F("organisation__name")
    )
    if kind in Organisation.Kind.values:
        partners = partners.filter(organisation__kind=kind)
    else:
        kind = ""
    page, query = filtered_page(request, partners, PARTNERS_PER_PAGE, ("organisation_name", "pk"))
    return render(
        request,
        "campaigns/partner_list.html",
        {
            "campaign": campaign,
            "page": page,
            "query": query,
            "kind": kind,
            "kind_label": dict(Organisation.Kind.choices).get(kind, ""),
            "can_manage": campaign.is_run_by(request.user),
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
            return redirect("campaigns:partner-list", slug=campaign.slug)
    return render(request, "campaigns/partner_form.html", {"form": form, "campaign": campaign})


@require_http_methods(["GET", "POST"])
def partner_remove(request: HttpRequest, slug: str, partner_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, slug, partner_id)
    if request.method == "POST":
        services.remove_partner(partner, actor=request.user, address=client_address(request))
        messages.success(request, f"{partner.organisation} no longer takes part in the campaign.")
        return redirect("campaigns:partner-list", slug=slug)
    return render(request, "campaigns/partner_remove.html", {"partner": partner})
