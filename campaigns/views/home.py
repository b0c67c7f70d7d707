"""The home page: each person's campaigns, and what needs their attention in them."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from agencies.access import managed_organisations
from campaigns.access import can_create_campaigns
from campaigns.attention import attention_for


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    attention = attention_for(user)
    campaigns = attention.campaigns
    for campaign in campaigns:
        campaign.viewer_runs_it = campaign.is_run_by(user)
        campaign.new_material = attention.new_material.get(campaign.pk, 0)
    return render(
        request,
        "home.html",
        {
            "campaigns": campaigns,
            "attention": attention,
            "memberships": user.active_memberships,
            "managed_organisations": managed_organisations(user),
            "can_create_campaigns": can_create_campaigns(user),
        },
    )
