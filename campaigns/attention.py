"""What needs a person's attention, gathered for their home page in a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from campaigns.models import (
    Activity,
    Campaign,
    CampaignVisit,
    Download,
    Material,
    MaterialVersion,
    WithdrawalNotice,
)

UNLOGGED_SHOWN = 10


@dataclass
class Attention:
    to_review: int = 0
    changes_requested: list[Material] = field(default_factory=list)
    new_material: Counter = field(default_factory=Counter)
    withdrawn: list[WithdrawalNotice] = field(default_factory=list)
    unlogged_downloads: list[Material] = field(default_factory=list)
    unlogged_toolkits: list[Campaign] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.to_review
            or self.changes_requested
            or self.new_material
            or self.withdrawn
            or self.unlogged_downloads
            or self.unlogged_toolkits
        )


def attention_for(user, campaigns: list[Campaign]) -> Attention:
    now = timezone.now()
    visible = Material.objects.visible_to(user, now=now).filter(withdrawn_at__isnull=True)
    attention = Attention()
    if user.is_campaign_admin:
        attention.to_review = MaterialVersion.objects.awaiting_review_by(user).count()

    latest_status = Subquery(
        MaterialVersion.objects.filter(material=OuterRef("pk"))
        .order_by("-number")
        .values("status")[:1]
    )
    attention.changes_requested = list(
        visible.filter(owner_organisation_id__in=user.organisation_ids)
        .annotate(latest_status=latest_status)
        .filter(latest_status=MaterialVersion.Status.CHANGES_REQUESTED)
        .select_related("campaign")
        .order_by("campaign__name", "title")
    )

    last_seen = dict(
        CampaignVisit.objects.filter(user=user).values_list("campaign_id", "last_seen_at")
    )
    approved_at = Subquery(
        MaterialVersion.objects.filter(
            material=OuterRef("pk"), status=MaterialVersion.Status.APPROVED
        ).values("decided_at")[:1]
    )
    available = (
        visible.filter(campaign__in=campaigns)
        .filter(Q(release_at__isnull=True) | Q(release_at__lte=now))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .annotate(approved_at=approved_at)
        .filter(approved_at__isnull=False)
        .values_list("campaign_id", "approved_at", "release_at")
    )
    for campaign_id, approved, released in available:
        came = max(approved, released) if released else approved
        seen = last_seen.get(campaign_id)
        if seen is None or came > seen:
            attention.new_material[campaign_id] += 1

    # Downloads are the person's own: a colleague's download is not theirs to account for. What
    # is logged is the organisation's: a record a colleague logged with the material counts.
    organisation_ids = user.organisation_ids
    downloaded_alone = Download.objects.filter(
        material=OuterRef("pk"), user=user, in_toolkit_zip=False
    )
    logged = Activity.materials.through.objects.filter(
        material=OuterRef("pk"), activity__organisation_id__in=organisation_ids
    )
    attention.unlogged_downloads = list(
        visible.filter(Exists(downloaded_alone))
        .exclude(Exists(logged))
        .select_related("campaign")
        .order_by("campaign__name", "title")[:UNLOGGED_SHOWN]
    )
    # The whole toolkit as one ZIP is one prompt, until the organisation logs any activity in
    # the campaign after the person's latest ZIP.
    last_zip = (
        Download.objects.filter(user=user, in_toolkit_zip=True, material__campaign=OuterRef("pk"))
        .order_by("-downloaded_at")
        .values("downloaded_at")[:1]
    )
    logged_since = Activity.objects.filter(
        campaign=OuterRef("pk"),
        organisation_id__in=organisation_ids,
        created_at__gte=OuterRef("last_zip"),
    )
    attention.unlogged_toolkits = list(
        Campaign.objects.filter(pk__in=[campaign.pk for campaign in campaigns])
        .annotate(last_zip=Subquery(last_zip))
        .filter(last_zip__isnull=False)
        .exclude(Exists(logged_since))
        .order_by("name", "pk")
    )

    attention.withdrawn = list(
        user.withdrawal_notices.filter(dismissed_at__isnull=True).select_related(
            "material__campaign"
        )
    )
    return attention
