"""The readiness view: for each partner, who has signed up, downloaded and done what.

Built from a fixed number of aggregate queries whatever the number of partners or records.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Q, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from agencies.models import Membership, Organisation, User
from campaigns.models import Activity, Campaign, Download


@dataclass
class PartnerReadiness:
    organisation: Organisation
    launch_date: date
    members: list[User] = field(default_factory=list)
    contacts: list[User] = field(default_factory=list)
    materials_downloaded: int = 0
    activity_by_type: dict[str, int] = field(default_factory=dict)
    last_activity: date | None = None
    activity_since_launch: int = 0

    @property
    def signed_in(self) -> list[User]:
        return [member for member in self.members if member.last_login is not None]

    @property
    def last_sign_in(self):
        times = [member.last_login for member in self.signed_in]
        return max(times) if times else None

    @property
    def activity_total(self) -> int:
        return sum(self.activity_by_type.values())

    @property
    def not_started(self) -> bool:
        return self.materials_downloaded == 0 and self.activity_total == 0


def readiness_for(
    campaign: Campaign, *, organisation_ids: set[int] | None = None
) -> list[PartnerReadiness]:
    """One row per partner (only the given organisations' rows, for a partner's own view)."""
    partners = campaign.partners.select_related("organisation").order_by("organisation__name")
    if organisation_ids is not None:
        partners = partners.filter(organisation_id__in=organisation_ids)
    rows = {
        partner.organisation_id: PartnerReadiness(
            partner.organisation, partner.effective_launch_date
        )
        for partner in partners
    }
    ids = list(rows)

    memberships = Membership.objects.filter(
        organisation_id__in=ids, is_active=True, user__is_active=True
    ).select_related("user")
    for membership in memberships.order_by("user__full_name"):
        row = rows[membership.organisation_id]
        row.members.append(membership.user)
        if membership.role == Membership.Role.LEAD:
            row.contacts.append(membership.user)
    for row in rows.values():
        row.contacts = row.contacts or row.members

    downloaded = (
        Download.objects.filter(material__campaign=campaign, organisation_id__in=ids)
        .values("organisation")
        .annotate(materials=Count("material", distinct=True))
    )
    for item in downloaded:
        rows[item["organisation"]].materials_downloaded = item["materials"]

    # One pass over the campaign's records: counted by partner and type, with each group's last
    # day of activity and its records since the partner's launch. Partners launch on a few
    # dates, so "since launch" is one condition per date.
    launch_dates: dict[date, list[int]] = defaultdict(list)
    for organisation_id, row in rows.items():
        launch_dates[row.launch_date].append(organisation_id)
    since_launch = Q(pk__in=[])
    for day, organisations in launch_dates.items():
        since_launch |= Q(organisation_id__in=organisations, started_on__gte=day)
    today = timezone.localdate()
    grouped = (
        Activity.objects.filter(campaign=campaign, organisation_id__in=ids)
        .values("organisation", "activity_type")
        .annotate(
            n=Count("*"),
            # The last day something was happening, never a day still to come: an activity
            # running until next month was last active today, and one not started yet has not
            # happened.
            last=Max(
                Least(Coalesce("ended_on", "started_on"), Value(today)),
                filter=Q(started_on__lte=today),
            ),
            # Counting a column the index holds (never empty), so that the index answers alone.
            since_launch=Count("started_on", filter=since_launch),
        )
        .order_by()
    )
    for item in grouped:
        row = rows[item["organisation"]]
        row.activity_by_type[item["activity_type"]] = item["n"]
        if item["last"] is not None and (
            row.last_activity is None or item["last"] > row.last_activity
        ):
            row.last_activity = item["last"]
        row.activity_since_launch += item["since_launch"]
    return list(rows.values())
