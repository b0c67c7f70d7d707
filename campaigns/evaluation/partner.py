"""One partner's report: what it did for the campaign, what it published, and what the
help-seeker figures say for its area, written to be sent on to a Police and Crime Commissioner
or a council's scrutiny committee.

The charity may produce any partner's report, the partner its own; either way the help-seeker
figures follow the small-number rules a partner is subject to (campaigns.impact.disclosure), so
the report can be passed on as it is.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import formats, timezone

from campaigns.evaluation.report import (
    Outcomes,
    Outputs,
    Outtakes,
    _activity_and_downloads,
    _outcomes,
    report_period,
)
from campaigns.models import CampaignPartner, EnforcementFigures


def _day(value: date) -> str:
    return formats.date_format(value, "j F Y")


def enforcement_text(figures: EnforcementFigures) -> str:
    """“90 search warrants, 85 offenders charged, 235 live cases and referrals up 100% in the 12
    months to 30 November 2026”."""
    parts = []
    if figures.search_warrants is not None:
        parts.append(f"{figures.search_warrants:,} search warrants")
    if figures.offenders_charged is not None:
        parts.append(f"{figures.offenders_charged:,} offenders charged")
    if figures.live_cases is not None:
        parts.append(f"{figures.live_cases:,} live cases")
    change = figures.referrals_change_percent
    if change is not None:
        parts.append(f"referrals {'up' if change >= 0 else 'down'} {abs(change)}%")
    listed = (
        ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""
    )
    return f"{listed or 'figures'} in the {figures.months} months to {_day(figures.period_end)}"


@dataclass
class PartnerReport:
    partner: CampaignPartner
    produced_on: date
    period_start: date
    period_end: date | None
    outputs: Outputs
    outtakes: Outtakes
    outcomes: Outcomes
    enforcement: list[EnforcementFigures] = field(default_factory=list)

    @property
    def campaign(self):
        return self.partner.campaign

    @property
    def organisation(self):
        return self.partner.organisation

    @property
    def area(self):
        return self.partner.organisation.force_area

    @property
    def period_label(self) -> str:
        if self.period_end is None:
            return f"{self.organisation} launches on {_day(self.period_start)}"
        return f"{_day(self.period_start)} to {_day(self.period_end)}"

    @property
    def activity_by_type(self) -> list[tuple[str, int]]:
        return list(zip(self.outputs.types, self.outputs.totals.counts, strict=True))

    @property
    def enforcement_lines(self) -> list[str]:
        return [enforcement_text(figures) for figures in self.enforcement]

    @property
    def summary(self) -> list[str]:
        """The opening paragraph, in sentences a PCC or a scrutiny committee can read as is."""
        campaign, organisation = self.campaign, self.organisation
        launch = self.partner.effective_launch_date
        sentences = [
            f"{organisation} took part in {campaign.name}, run by {campaign.lead_organisation}, "
            f"which launched {'in its area ' if self.area else ''}on {_day(launch)}."
        ]
        records = self.outputs.totals.total
        downloads = self.outputs.downloads_total.downloads
        reach = self.outtakes.total.reach
        done = f"It logged {records} activity record{'s' if records != 1 else ''}"
        if reach:
            done += f" reaching about {reach:,} people by its own count"
        done += f", and downloaded the campaign's material {downloads} time"
        done += "s." if downloads != 1 else "."
        sentences.append(done)
        for figures in self.enforcement:
            sentences.append(f"It published its enforcement work: {enforcement_text(figures)}.")
        if self.outcomes.own_net_effect:
            sentences.append(self.outcomes.own_net_effect)
        elif self.outcomes.net_effect:
            sentences.append(self.outcomes.net_effect)
        return sentences


def build_partner_report(
    partner: CampaignPartner, user, *, today: date | None = None
) -> PartnerReport:
    """`partner` must come from campaigns.access.get_partner_report_for_user."""
    today = today or timezone.localdate()
    campaign = partner.campaign
    outputs, outtakes = _activity_and_downloads(
        user, campaign, [partner], everything=False, organisation_id=partner.organisation_id
    )
    area_id = partner.organisation.force_area_id
    outcomes = _outcomes(
        user, campaign, today, own_areas={area_id} if area_id is not None else set()
    )
    start, end = report_period(campaign, today)
    start = max(start, partner.effective_launch_date)
    if end is not None and end < start:
        end = None
    enforcement = list(
        EnforcementFigures.objects.filter(campaign=campaign, organisation=partner.organisation)
        .select_related("organisation")
        .order_by("period_start", "pk")
    )
    return PartnerReport(partner, today, start, end, outputs, outtakes, outcomes, enforcement)
