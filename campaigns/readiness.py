"""The readiness view: for each partner, who has signed up, downloaded and done what.

Built from a fixed number of aggregate queries whatever the number of partners or records, the
records' counts from their monthly totals.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from agencies.models import Membership, Organisation, User
from campaigns.impact.periods import add_months
from campaigns.models import Activity, ActivityMonthlyTotal, Campaign, Download


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

    # Counted from the monthly totals by partner and type, with each one's last day of activity
    # (never a day still to come: an activity running until next month was last active today,
    # and one not started yet has not happened) and its records since the partner's launch.
    # The totals answer for whole months; the records themselves for the days of this month
    # up to today (which of them have started) and for the rest of a launch month that began
    # after its first day. Partners launch on a few dates: one condition per date.
    today = timezone.localdate()
    this_month = today.replace(day=1)
    launch_dates: dict[date, list[int]] = defaultdict(list)
    for organisation_id, row in rows.items():
        launch_dates[row.launch_date].append(organisation_id)
    whole_months_since = Q(pk__in=[])
    rest_of_launch_month = Q(pk__in=[])
    for day, organisations in launch_dates.items():
        first = day.replace(day=1)
        # A month that starts on or after the launch day: the launch month itself only when
        # the launch is on its first day.
        whole_months_since |= Q(organisation_id__in=organisations, month__gte=day)
        if day != first:
            rest_of_launch_month |= Q(
                organisation_id__in=organisations,
                started_on__gte=day,
                started_on__lt=add_months(first, 1),
            )
    totals = (
        ActivityMonthlyTotal.objects.filter(campaign=campaign, organisation_id__in=ids)
        .values("organisation", "activity_type")
        .annotate(
            n=Sum("records"),
            last=Max(Least("last_day", Value(today)), filter=Q(month__lt=this_month)),
            since_launch=Sum("records", filter=whole_months_since),
        )
        .order_by()
    )
    started_this_month = Q(started_on__gte=this_month, started_on__lte=today)
    days = (
        Activity.objects.filter(campaign=campaign, organisation_id__in=ids)
        .filter(started_this_month | rest_of_launch_month)
        .values("organisation", "activity_type")
        .annotate(
            last=Max(
                Least(Coalesce("ended_on", "started_on"), Value(today)), filter=started_this_month
            ),
            # Counting a column the index holds (never empty), so that the index answers alone.
            since_launch=Count("started_on", filter=rest_of_launch_month),
        )
        .order_by()
    )
    for item in [*totals, *days]:
        row = rows[item["organisation"]]
        if "n" in item:
            row.activity_by_type[item["activity_type"]] = item["n"]
        if item["last"] is not None and (
            row.last_activity is None or item["last"] > row.last_activity
        ):
            row.last_activity = item["last"]
        row.activity_since_launch += item["since_launch"] or 0
    return list(rows.values())
