"""Actions on campaigns that span models and write the audit trail."""

from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify

from campaigns.models import Campaign, CampaignPartner
from portal.audit import record
from portal.models import AuditEntry


def unique_campaign_slug(name: str) -> str:
    base = slugify(name)[:180] or "campaign"
    slug, number = base, 2
    while Campaign.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def create_campaign(campaign: Campaign, *, actor, request: HttpRequest | None = None) -> Campaign:
    """Save a new, validated campaign run by one of the actor's organisations."""
    with transaction.atomic():
        campaign.slug = unique_campaign_slug(campaign.name)
        campaign.created_by = actor
        campaign.full_clean()
        campaign.save()
        record(
            AuditEntry.Action.CAMPAIGN_CREATED,
            actor=actor,
            request=request,
            organisation=campaign.lead_organisation,
            campaign=campaign,
            target=campaign,
        )
    return campaign


def update_campaign(
    campaign: Campaign, *, changed: list[str], actor, request: HttpRequest | None = None
) -> Campaign:
    with transaction.atomic():
        campaign.full_clean()
        campaign.save()
        record(
            AuditEntry.Action.CAMPAIGN_UPDATED,
            actor=actor,
            request=request,
            organisation=campaign.lead_organisation,
            campaign=campaign,
            target=campaign,
            data={"changed": changed},
        )
    return campaign


def add_partner(
    partner: CampaignPartner, *, actor, request: HttpRequest | None = None
) -> CampaignPartner:
    with transaction.atomic():
        partner.added_by = actor
        partner.full_clean()
        partner.save()
        record(
            AuditEntry.Action.PARTNER_ADDED,
            actor=actor,
            request=request,
            organisation=partner.organisation,
            campaign=partner.campaign,
            target=partner,
        )
    return partner


def remove_partner(partner: CampaignPartner, *, actor, request: HttpRequest | None = None) -> None:
    """Stop an organisation taking part; what it already did stays on record."""
    with transaction.atomic():
        record(
            AuditEntry.Action.PARTNER_REMOVED,
            actor=actor,
            request=request,
            organisation=partner.organisation,
            campaign=partner.campaign,
            target=partner,
        )
        partner.delete()
