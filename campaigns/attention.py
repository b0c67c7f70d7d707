"""What needs a person's attention, gathered for their home page in a fixed number of queries.

The ORM takes longer to build a query of the visibility rules than the database takes to answer
it, so the material that needs attention comes in two queries, their SQL built once (lib.
precompiled): the pieces the page names, and what is new, counted by campaign (a national
campaign's admin may have thousands of new pieces, and the page shows how many). The campaigns'
whole-toolkit downloads come with the campaigns.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import CharField, Count, DateTimeField, Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone

from campaigns.models import (
    Activity,
    ActivityMaterial,
    Campaign,
    CampaignVisit,
    Download,
    Material,
    MaterialVersion,
    WithdrawalNotice,
)
from campaigns.models.material import became_new_at
from lib.precompiled import PrecompiledExpression

UNLOGGED_SHOWN = 10


@dataclass
class Attention:
    # The person's campaigns, the home page's list.
    campaigns: list[Campaign] = field(default_factory=list)
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


def attention_for(user) -> Attention:
    now = timezone.now()
    attention = Attention(campaigns=_campaigns(user))
    if user.is_campaign_admin:
        attention.to_review = MaterialVersion.objects.awaiting_review_by(user).count()

    campaigns = {campaign.pk: campaign for campaign in attention.campaigns}
    for material in _material(user, now):
        # Material the person may see is in a campaign they may see: no query for its campaign.
        if material.campaign_id in campaigns:
            material.campaign = campaigns[material.campaign_id]
        if material.latest_status == MaterialVersion.Status.CHANGES_REQUESTED and (
            material.owner_organisation_id in user.organisation_ids
        ):
            attention.changes_requested.append(material)
        if material.downloaded_alone and not material.logged:
            attention.unlogged_downloads.append(material)
    del attention.unlogged_downloads[UNLOGGED_SHOWN:]
    attention.new_material = _new_by_campaign(user, now)

    # The whole toolkit as one ZIP is one prompt, until the organisation logs any activity in
    # the campaign after the person's latest ZIP.
    attention.unlogged_toolkits = sorted(
        (c for c in attention.campaigns if c.last_zip is not None and not c.logged_since),
        key=lambda campaign: (campaign.name, campaign.pk),
    )
    attention.withdrawn = list(
        user.withdrawal_notices.filter(dismissed_at__isnull=True).select_related(
            "material__campaign"
        )
    )
    return attention


def _campaigns(user) -> list[Campaign]:
    """The person's campaigns, each with when they last downloaded its whole toolkit
    (`last_zip`) and whether their organisation logged activity in it since (`logged_since`)."""
    if not user.organisation_ids:
        return []  # in no campaign; and the subqueries are built for at least one organisation
    return list(
        Campaign.objects.visible_to(user).annotate(
            last_zip=_LAST_ZIP.expression(None, [user.pk]),
            logged_since=_LOGGED_SINCE.expression(None, [user.pk], user.organisation_ids),
        )
    )


def _last_zip(campaign, user_ids) -> Subquery:
    # The campaign of each of the person's downloads is asked of its material, not joined:
    # joined, PostgreSQL read the material in order of id until it came to the campaign's,
    # which grows with every other campaign's material.
    material_campaign = Subquery(
        Material.objects.filter(pk=OuterRef("material_id")).values("campaign_id")[:1]
    )
    return Subquery(
        Download.objects.filter(user_id__in=user_ids, in_toolkit_zip=True)
        .alias(material_campaign=material_campaign)
        .filter(material_campaign=campaign)
        .order_by("-downloaded_at")
        .values("downloaded_at")[:1]
    )


# Each built once per shape (lib.precompiled), as _material's subqueries are.
_LAST_ZIP = PrecompiledExpression(
    Campaign,
    lambda database, moment, user_ids: _last_zip(OuterRef("pk"), user_ids),
    output_field=DateTimeField(),
)
_LOGGED_SINCE = PrecompiledExpression(
    Campaign,
    lambda database, moment, user_ids, organisation_ids: Exists(
        Activity.objects.filter(
            campaign=OuterRef("pk"),
            organisation_id__in=organisation_ids,
            # The campaign's own, not the record's: the same campaign, but asked of the record
            # the database would look for the download again for each of the partner's records.
            created_at__gte=_last_zip(OuterRef(OuterRef("pk")), user_ids),
        )
    ),
)


def _material(user, now) -> list[Material]:
    """The material, not withdrawn, that needs the person's attention piece by piece, by
    campaign and title: their organisation's sent back for changes, and what they downloaded on
    its own but their organisation has not logged using.

    Each comes with its latest version's status (`latest_status`), and whether it is one they
    downloaded on its own (`downloaded_alone`) and their organisation logged (`logged`).
    """
    organisation_ids = user.organisation_ids
    if not organisation_ids:
        return []  # no material to see; and the subqueries are built for at least one organisation
    sent_back = Q(
        owner_organisation_id__in=organisation_ids,
        latest_status=MaterialVersion.Status.CHANGES_REQUESTED,
    )
    return list(
        _not_withdrawn(user, now, _MAY_BE_ACTED_ON.expression(None, [user.pk], organisation_ids))
        .annotate(
            latest_status=_LATEST_STATUS.expression(None),
            downloaded_alone=_DOWNLOADED_ALONE.expression(None, [user.pk]),
            logged=_LOGGED.expression(None, organisation_ids),
        )
        .filter(sent_back | Q(downloaded_alone=True, logged=False))
        .only("title", "campaign_id", "owner_organisation_id", "release_at", "expires_at")
        .order_by("campaign__name", "title", "pk")
    )


def _new_by_campaign(user, now) -> Counter:
    """How many pieces of each campaign are new to the person: approved and available, and
    approved or released since they last saw its toolkit (or in one whose toolkit they have not
    seen). Counted by the database: a national campaign's admin may have thousands."""
    if not user.organisation_ids:
        return Counter()
    return Counter(
        dict(
            _not_withdrawn(user, now, _MAY_BE_NEW.expression(None, [user.pk]))
            .filter(_available(now), _NEW.expression(None, [user.pk]))
            .order_by()
            .values_list("campaign_id")
            .annotate(count=Count("pk"))
        )
    )


def _new(database, moment, user_ids) -> Exists:
    """Approved, and not seen in its toolkit since it was approved and released."""
    # Each piece's version and the person's visit asked once: asked as values to compare,
    # each was asked again for each comparison, of each of a national campaign's pieces.
    approved = _versions().filter(status=MaterialVersion.Status.APPROVED, decided_at__isnull=False)
    seen_since = CampaignVisit.objects.filter(
        user_id__in=user_ids,
        campaign=OuterRef(OuterRef("campaign")),
        last_seen_at__gte=became_new_at(OuterRef("decided_at"), OuterRef(OuterRef("release_at"))),
    )
    return Exists(approved.filter(~Exists(seen_since)))


def _not_withdrawn(user, now, candidates):
    """The person's material, not withdrawn, among the candidates (a few of a campaign's
    thousands of pieces, found from indexes rather than by asking every piece)."""
    return (
        Material.objects.visible_to(user, now=now)
        .filter(withdrawn_at__isnull=True)
        .filter(candidates)
    )


def _may_be_acted_on(database, moment, user_ids, organisation_ids) -> Q:
    """Among them all that _material picks: sent back to the person's organisations, or
    downloaded on its own by them."""
    return Q(
        pk__in=MaterialVersion.objects.filter(
            status=MaterialVersion.Status.CHANGES_REQUESTED,
            material__owner_organisation_id__in=organisation_ids,
        )
        .order_by()
        .values("material")
    ) | Q(
        pk__in=Download.objects.filter(user_id__in=user_ids, in_toolkit_zip=False)
        .order_by()
        .values("material")
    )


def _may_be_new(database, moment, user_ids) -> Q:
    """Among them all that _new_by_campaign counts: approved or released since the earliest of
    the person's visits to a toolkit, or in a campaign whose toolkit they have not seen."""
    visits = CampaignVisit.objects.filter(user_id__in=user_ids).order_by()
    earliest_visit = visits.values("user").annotate(earliest=Min("last_seen_at")).values("earliest")
    # Each piece's own approved versions, by the versions' index of their material: as a list of
    # every version approved since, PostgreSQL read all of a national campaign's versions
    # (10,015 at 100x the seeds' scale) to find the few.
    return (
        Exists(
            _versions().filter(
                status=MaterialVersion.Status.APPROVED, decided_at__gt=Subquery(earliest_visit)
            )
        )
        | Q(release_at__gt=Subquery(earliest_visit))
        | ~Q(campaign_id__in=visits.values("campaign"))
    )


def _versions():
    # Unordered: the versions' own ordering would join the material and its campaign again.
    return MaterialVersion.objects.filter(material=OuterRef("pk")).order_by()


def _downloaded_alone(database, moment, user_ids):
    # Downloads are the person's own: a colleague's download is not theirs to account for.
    return Exists(
        Download.objects.filter(material=OuterRef("pk"), user_id__in=user_ids, in_toolkit_zip=False)
    )


def _logged(database, moment, organisation_ids):
    # What is logged is the organisation's: a record a colleague logged with the material
    # counts. From the links' own index of material and organisation: not the organisation's
    # records, nor the material's links, which grow with the campaign.
    return Exists(
        ActivityMaterial.objects.filter(
            material=OuterRef("pk"), organisation_id__in=organisation_ids
        )
    )


# What _material and _new_by_campaign ask of each piece of material, each subquery's SQL built
# once per shape (lib.precompiled): building and compiling them cost the ORM six times what the
# database takes to answer the whole query.
_LATEST_STATUS = PrecompiledExpression(
    Material,
    lambda database, moment: Subquery(_versions().order_by("-number").values("status")[:1]),
    output_field=CharField(),
)
_DOWNLOADED_ALONE = PrecompiledExpression(Material, _downloaded_alone)
_MAY_BE_ACTED_ON = PrecompiledExpression(Material, _may_be_acted_on)
_MAY_BE_NEW = PrecompiledExpression(Material, _may_be_new)
_NEW = PrecompiledExpression(Material, _new)
_LOGGED = PrecompiledExpression(Material, _logged)


def _available(now) -> Q:
    return (Q(release_at__isnull=True) | Q(release_at__lte=now)) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
