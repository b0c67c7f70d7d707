"""Help page visits by partner: imported from the help site's statistics by the campaign
parameters (UTM) of each partner's tracked links, and counted beside each partner's activity.

Only counts are read and stored: a row is a partner, a kind of link, a period and a number.
"""

from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import record
from campaigns.models import ActivityMonthlyTotal, Campaign, PartnerVisits
from campaigns.services.figures import parse_count, parse_period, read_table

COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "period", "visits")


@dataclass
class VisitsImport:
    added: int = 0
    changed: int = 0
    errors: list[str] = field(default_factory=list)


def _rows(uploaded: UploadedFile) -> list[tuple[int, dict]]:
    _extension, rows = read_table(uploaded, columns=COLUMNS, rows_are="visits")
    return rows


def import_visits(
    uploaded: UploadedFile, *, campaign: Campaign, actor, address: str | None = None
) -> VisitsImport:
    """Read every row, and save them all only if every row is right (else nothing is saved and
    each wrong line is named). A row for a period already imported replaces its count."""
    result = VisitsImport()
    partners = {
        partner.organisation.slug: partner.organisation
        for partner in campaign.partners.select_related("organisation")
    }
    parsed = []
    for line, values in _rows(uploaded):
        source = str(values.get("utm_source") or "").strip().lower()
        medium = str(values.get("utm_medium") or "").strip().lower()[:40]
        if str(values.get("utm_campaign") or "").strip().lower() != campaign.slug:
            result.errors.append(f"Line {line}: utm_campaign is not {campaign.slug}.")
            continue
        if source not in partners:
            result.errors.append(f"Line {line}: “{source}” is not a partner in this campaign.")
            continue
        if not medium:
            result.errors.append(f"Line {line}: utm_medium is empty.")
            continue
        try:
            start, end = parse_period(values.get("period"))
            visits = parse_count(values.get("visits"))
        except ValueError as problem:
            result.errors.append(f"Line {line}: {problem}.")
            continue
        parsed.append((partners[source], medium, start, end, visits))
    if result.errors:
        return result
    now = timezone.now()
    with transaction.atomic():
        for organisation, medium, start, end, visits in parsed:
            _, created = PartnerVisits.objects.update_or_create(
                campaign=campaign,
                organisation=organisation,
                medium=medium,
                period_start=start,
                period_end=end,
                defaults={"visits": visits, "imported_by": actor, "imported_at": now},
            )
            if created:
                result.added += 1
            else:
                result.changed += 1
        record(
            AuditEntry.Action.VISITS_IMPORTED,
            actor=actor,
            address=address,
            organisation=campaign.lead_organisation,
            campaign=campaign,
            target=campaign,
            data={"added": result.added, "changed": result.changed},
        )
    return result


@dataclass
class PartnerRow:
    organisation: str
    activity: int
    visits: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.visits.values())


def visits_by_partner(
    campaign: Campaign, *, organisation_ids: set[int] | None, partners=None
) -> list[PartnerRow]:
    """Each partner's activity records and the visits its links brought, by kind of link.
    organisation_ids: None for everyone (the campaign's admins), else only those. partners: the
    campaign's partners as (organisation id, name) by name, if the caller has them."""
    if partners is None:
        partners = campaign.partners.order_by("organisation__name").values_list(
            "organisation_id", "organisation__name"
        )
    if organisation_ids is not None:
        partners = [(pk, name) for pk, name in partners if pk in organisation_ids]
    # Counted from the monthly totals: a national campaign's partners have a million records.
    activity_rows = ActivityMonthlyTotal.objects.filter(campaign=campaign)
    visit_rows = PartnerVisits.objects.filter(campaign=campaign)
    if organisation_ids is not None:
        activity_rows = activity_rows.filter(organisation_id__in=organisation_ids)
        visit_rows = visit_rows.filter(organisation_id__in=organisation_ids)
    activity = dict(
        activity_rows.values_list("organisation_id").annotate(n=Sum("records")).order_by()
    )
    visits: dict[int, dict[str, int]] = {}
    for organisation_id, medium, total in visit_rows.values_list(
        "organisation_id", "medium"
    ).annotate(total=Sum("visits")):
        visits.setdefault(organisation_id, {})[medium] = total
    return [PartnerRow(name, activity.get(pk, 0), visits.get(pk, {})) for pk, name in partners]
