"""Actions on campaigns that span models and write the audit trail."""

from django.db import transaction
from django.utils.text import slugify

from audit.models import AuditEntry
from audit.services import record
from campaigns.models import Campaign, CampaignPartner


def unique_campaign_slug(name: str) -> str:
    base = slugify(name)[:180] or "campaign"
    slug, number = base, 2
    while Campaign.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def create_campaign(campaign: Campaign, *, actor, address: str | None = None) -> Campaign:
    """Save a new, validated campaign run by one of the actor's organisations."""
    with transaction.atomic():
        campaign.slug = unique_campaign_slug(campaign.name)
        campaign.created_by = actor
        campaign.full_clean()
        campaign.save()
        record(
            AuditEntry.Action.CAMPAIGN_CREATED,
            actor=actor,
            address=address,
            organisation=campaign.lead_organisation,
            campaign=campaign,
            target=campaign,
        )
    return campaign


def update_campaign(
    campaign: Campaign, *, changed: list[str], actor, address: str | None = None
) -> Campaign:
    with transaction.atomic():
        campaign.full_clean()
        campaign.save()
        record(
            AuditEntry.Action.CAMPAIGN_UPDATED,
            actor=actor,
            address=address,
            organisation=campaign.lead_organisation,
            campaign=campaign,
            target=campaign,
            data={"changed": changed},
        )
    return campaign


def add_partner(partner: CampaignPartner, *, actor, address: str | None = None) -> CampaignPartner:
    with transaction.atomic():
        partner.added_by = actor
        partner.full_clean()
        partner.save()
        record(
            AuditEntry.Action.PARTNER_ADDED,
            actor=actor,
            address=address,
            organisation=partner.organisation,
            campaign=partner.campaign,
            target=partner,
        )
    return partner


def remove_partner(partner: CampaignPartner, *, actor, address: str | None = None) -> None:
    """Stop an organisation taking part; what it already did stays on record."""
    with transaction.atomic():
        record(
            AuditEntry.Action.PARTNER_REMOVED,
            actor=actor,
            address=address,
            organisation=partner.organisation,
            campaign=partner.campaign,
            target=partner,
        )
        partner.delete()
