"""The learning section: written by the campaign's admins, saved with its audit entry."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.models import AuditEntry
from audit.services import record
from campaigns.models import Campaign

MAX_LEARNING_LENGTH = 20_000

# --- The learning section --------------------------------------------------------------------


def save_learning(campaign: Campaign, text: str, *, actor, address: str | None = None) -> bool:
    """Write the campaign's learning section; True if it changed. Only the campaign's admins."""
    if not campaign.is_run_by(actor):
        raise PermissionDenied("Only the campaign's admins write its learning.")
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    if len(text) > MAX_LEARNING_LENGTH:
        raise ValidationError(
            f"Keep the learning to {MAX_LEARNING_LENGTH:,} characters (it has {len(text):,})."
        )
    if text == campaign.evaluation_learning:
        return False
    with transaction.atomic():
        campaign.evaluation_learning = text
        campaign.clean_fields(
            exclude=[f.name for f in Campaign._meta.fields if f.name != "evaluation_learning"]
        )
        campaign.save(update_fields=["evaluation_learning", "updated_at"])
        record(
            AuditEntry.Action.CAMPAIGN_UPDATED,
            actor=actor,
            address=address,
            organisation=campaign.lead_organisation,
            campaign=campaign,
            target=campaign,
            data={"changed": ["evaluation_learning"]},
        )
    return True
