"""A campaign's evaluation report, following the Government Communication Service evaluation
cycle: inputs, outputs, outtakes, outcomes and learning.

The report is built for one viewer. The campaign's admins see every partner's work and exact
help-seeker figures; a partner sees its own organisation's outputs and outtakes, and the figures
for its own area and the regional total with small numbers withheld. Partners and material are
not secret within a campaign, so the inputs are the same for everyone (counting only material the
viewer may see).

Built in a fixed number of queries whatever the amount of data: everything that grows with the
campaign (partners, material, activity, downloads, figures) is read in one query each, activity
and downloads already aggregated by the database.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Sum
from django.utils import formats, timezone

from agencies.models import Organisation, Region
from campaigns.access import viewer_areas
from campaigns.impact.disclosure import (
    Shown,
    ShownEffectRow,
    ShownRow,
    comparison_sentence,
    net_effect,
    present_area_table,
    present_effect,
    small_numbers_note,
)
from campaigns.impact.effect import (
    DID_METHOD,
    Effect,
    GroupComparison,
    area_launch_dates,
    campaign_effect,
    figures_window,
    format_percent,
)
from campaigns.impact.figures import region_figures
from campaigns.impact.periods import Window, add_months
from campaigns.impact.uncertainty import METHOD
from campaigns.models import (
    Activity,
    Campaign,
    CampaignPartner,
    Download,
    Material,
    MaterialVersion,
)

REACH_NOTE = (
    "Reach and engagement are as reported by each partner from its own sources: the platforms' "
    "statistics, publishers' audience or circulation figures, their own counts or estimates. "
    "The charity does not check them, not every record has a figure, and one person reached "
    "through several activities is counted each time."
)
ILLUSTRATIVE_NOTE = (
    "Some of these figures were made up for demonstration and are marked illustrative: they "
    "are not real numbers of people seeking help."
)


COMPARISON_WITHHELD_NOTE = (
    "The comparison of areas where the campaign had launched with areas where it had not yet is "
    "shown to the campaign team only: it would show other areas' figures."
)


def _day(value: date) -> str:
    return formats.date_format(value, "j F Y")


# --- The report's parts ------------------------------------------------------------------


@dataclass
class PartnerEntry:
    name: str
    kind: str
    launch_date: date
    launches_later: bool


@dataclass
class MaterialItem:
    kind: str
    title: str
    owner: str


@dataclass
class Inputs:
    partners: list[PartnerEntry]
    material_by_kind: list[tuple[str, int]]
    material: list[MaterialItem]

    @property
    def material_total(self) -> int:
        return len(self.material)


@dataclass
class OutputRow:
    """One organisation's activity records, one count per activity type shown."""

    label: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class DownloadRow:
    label: str
    downloads: int = 0
    items: int = 0


@dataclass
class Outputs:
    types: list[str]
    rows: list[OutputRow]
    totals: OutputRow
    downloads: list[DownloadRow]
    downloads_total: DownloadRow

    @property
    def has_activity(self) -> bool:
        return self.totals.total > 0


@dataclass
class ReachRow:
    """Reach and engagement summed over some activity records."""

    label: str
    records: int = 0
    with_reach: int = 0
    reach_sum: int = 0
    with_engagement: int = 0
    engagement_sum: int = 0

    def add(self, group: dict) -> None:
        self.records += group["records"]
        self.with_reach += group["with_reach"]
        self.reach_sum += group["reach"] or 0
        self.with_engagement += group["with_engagement"]
        self.engagement_sum += group["engagement"] or 0

    @property
    def reach(self) -> int | None:
        """None when no record gave a figure: “none given”, not zero people."""
        return self.reach_sum if self.with_reach else None

    @property
    def engagement(self) -> int | None:
        return self.engagement_sum if self.with_engagement else None


@dataclass
class Outtakes:
    by_type: list[ReachRow]
    by_partner: list[ReachRow]
    by_channel: list[ReachRow]
    total: ReachRow
    sources: list[tuple[str, int]]
    note: str = REACH_NOTE


@dataclass
class Outcomes:
    region: Region | None
    exact: bool
    effect: Effect | None = None
    effect_rows: list[ShownEffectRow] = field(default_factory=list)
    effect_has_figures: bool = False
    effect_notes: list[str] = field(default_factory=list)
    net_effect: str = ""
    own_net_effect: str = ""
    comparison: GroupComparison | None = None
    comparison_withheld: bool = False
    run: Window | None = None
    area_channels: list[str] = field(default_factory=list)
    area_rows: list[ShownRow] = field(default_factory=list)
    area_has_figures: bool = False
    area_coverage: list[str] = field(default_factory=list)
    effect_illustrative: bool = False
    area_illustrative: bool = False

    illustrative_note = ILLUSTRATIVE_NOTE
    comparison_withheld_note = COMPARISON_WITHHELD_NOTE

    @property
    def illustrative(self) -> bool:
        return self.effect_illustrative or self.area_illustrative

    @property
    def small_numbers_note(self) -> str:
        return small_numbers_note()

    @property
    def before_year_earlier(self) -> Window | None:
        return self.effect.before_year_earlier if self.effect else None

    @property
    def after_year_earlier(self) -> Window | None:
        return self.effect.after_year_earlier if self.effect else None

    @property
    def comparison_sentence(self) -> str:
        return comparison_sentence(self.comparison)

    method = METHOD
    comparison_method = DID_METHOD

    @property
    def comparison_percents(self) -> tuple[str, str]:
        if self.comparison is None:
            return "", ""
        return (
            format_percent(self.comparison.launched_percent),
            format_percent(self.comparison.not_yet_percent),
        )


@dataclass
class EvaluationReport:
    campaign: Campaign
    produced_on: date
    period_start: date
    period_end: date | None
    everything: bool
    organisations: list[str]
    inputs: Inputs
    outputs: Outputs
    outtakes: Outtakes
    outcomes: Outcomes
    learning: str

    @property
    def period_label(self) -> str:
        if self.period_end is None:
            return f"The campaign launches on {_day(self.period_start)}"
        return f"{_day(self.period_start)} to {_day(self.period_end)}"

    @property
    def scope_label(self) -> str:
        if self.everything:
            return "Every partner's work, with exact help-seeker figures"
        names = " and ".join(self.organisations) or "your organisation"
        return (
            f"The work of {names} only, and help-seeker figures for your area and the region, "
            "with small numbers withheld"
        )

    @property
    def learning_lines(self) -> list[str]:
        return self.learning.splitlines()


# --- Scoping -------------------------------------------------------------------------------


def _downloads_visible_to(user, campaign: Campaign) -> QuerySet[Download]:
    """The campaign's downloads this person may count: all for the campaign's admins, their own
    organisations' for everyone else."""
    return Download.objects.visible_to(user).filter(material__campaign=campaign)


def _material_visible_to(user, campaign: Campaign) -> QuerySet[Material]:
    """Approved, not withdrawn material of the campaign that this person may see."""
    approved = MaterialVersion.objects.filter(
        material=OuterRef("pk"), status=MaterialVersion.Status.APPROVED
    )
    return Material.objects.visible_to(user).filter(
        Exists(approved), campaign=campaign, withdrawn_at__isnull=True
    )


# --- Building ------------------------------------------------------------------------------


def run_window(campaign: Campaign, today: date) -> Window | None:
    """The campaign's run in whole months: from the month it launched to the month it ended or
    the last whole month before today, whichever is earlier. None before a whole month has run."""
    start = campaign.launch_date.replace(day=1)
    end = today.replace(day=1) - timedelta(days=1)
    if campaign.end_date is not None:
        end = min(end, add_months(campaign.end_date.replace(day=1), 1) - timedelta(days=1))
    return Window(start, end) if end >= start else None


def report_period(campaign: Campaign, today: date) -> tuple[date, date | None]:
    """From launch to the end date or today, whichever is earlier (no end before launch)."""
    if today < campaign.launch_date:
        return campaign.launch_date, None
    end = min(campaign.end_date, today) if campaign.end_date else today
    return campaign.launch_date, end


def _inputs(user, campaign: Campaign, partners: list[CampaignPartner]) -> Inputs:
    entries = [
        PartnerEntry(
            partner.organisation.name,
            partner.organisation.get_kind_display(),
            partner.effective_launch_date,
            partner.effective_launch_date != campaign.launch_date,
        )
        for partner in partners
    ]
    # In the order the toolkit lists kinds, not alphabetically by their stored values.
    order = {value: index for index, value in enumerate(Material.Kind.values)}
    rows = sorted(
        _material_visible_to(user, campaign).values_list(
            "kind", "title", "owner_organisation__name"
        ),
        key=lambda row: (order.get(row[0], len(order)), row[1].casefold()),
    )
    kinds = dict(Material.Kind.choices)
    material = [MaterialItem(kinds.get(kind, kind), title, owner) for kind, title, owner in rows]
    counts: dict[str, int] = defaultdict(int)
    for item in material:
        counts[item.kind] += 1
    return Inputs(entries, list(counts.items()), material)


def _organisation_labels(
    campaign: Campaign,
    partners: list[CampaignPartner],
    seen: dict[int | None, str],
) -> dict[int | None, str]:
    """Row labels: the partners shown, then anyone else whose work is on record (the lead
    organisation, or a partner since removed, whose past work stays)."""
    labels = {partner.organisation_id: partner.organisation.name for partner in partners}
    for organisation_id, name in sorted(seen.items(), key=lambda item: (item[1] or "").casefold()):
        if organisation_id in labels:
            continue
        if organisation_id is None:
            labels[None] = "Organisation not recorded"
        elif organisation_id == campaign.lead_organisation_id:
            labels[organisation_id] = f"{name} (runs the campaign)"
        else:
            labels[organisation_id] = f"{name} (no longer a partner)"
    return labels


def _activity_and_downloads(
    user,
    campaign: Campaign,
    partners: list[CampaignPartner],
    *,
    everything: bool,
    organisation_id: int | None = None,
) -> tuple[Outputs, Outtakes]:
    """Outputs and outtakes of what the person may see; of one organisation's work only when
    `organisation_id` is given (a partner's report)."""
    activity = Activity.objects.visible_to(user).filter(campaign=campaign)
    downloads = _downloads_visible_to(user, campaign)
    if organisation_id is not None:
        activity = activity.filter(organisation_id=organisation_id)
        downloads = downloads.filter(organisation_id=organisation_id)
    # Grouped by the organisation's id and named afterwards, group by group: grouped by its
    # name too, a national campaign's million records took the database three times as long.
    groups = list(
        activity.values("organisation_id", "activity_type", "reach_source")
        .annotate(
            records=Count("pk"),
            with_reach=Count("reach"),
            reach=Sum("reach"),
            with_engagement=Count("engagement"),
            engagement=Sum("engagement"),
        )
        .annotate(
            organisation_name=Subquery(
                Organisation.objects.filter(pk=OuterRef("organisation_id"))
                .order_by()
                .values("name")[:1]
            )
        )
        .order_by()
    )
    channels = list(
        activity.values("channel")
        .annotate(
            records=Count("pk"),
            with_reach=Count("reach"),
            reach=Sum("reach"),
            with_engagement=Count("engagement"),
            engagement=Sum("engagement"),
        )
        .order_by()
    )
    per_item = list(
        downloads.values("organisation_id", "organisation__name", "material_id")
        .annotate(downloads=Count("pk"))
        .order_by()
    )

    seen = {group["organisation_id"]: group["organisation_name"] for group in groups}
    seen.update({item["organisation_id"]: item["organisation__name"] for item in per_item})
    labels = _organisation_labels(campaign, partners, seen)

    # Outputs: records by organisation and type.
    type_labels = dict(Activity.Type.choices)
    used_types = [
        value
        for value in Activity.Type.values
        if any(group["activity_type"] == value for group in groups)
    ]
    matrix: dict[int | None, dict[str, int]] = {key: defaultdict(int) for key in labels}
    for group in groups:
        matrix[group["organisation_id"]][group["activity_type"]] += group["records"]
    rows = [
        OutputRow(label, [matrix[key][value] for value in used_types])
        for key, label in labels.items()
        if key is not None or matrix[key]
    ]
    totals = OutputRow(
        "Total", [sum(row.counts[index] for row in rows) for index in range(len(used_types))]
    )

    # Downloads by organisation: every download, and how many different items.
    downloads = {key: DownloadRow(label) for key, label in labels.items()}
    for item in per_item:
        row = downloads[item["organisation_id"]]
        row.downloads += item["downloads"]
        row.items += 1
    download_rows = [row for key, row in downloads.items() if key is not None or row.downloads]
    download_total = DownloadRow(
        "Total",
        sum(item["downloads"] for item in per_item),
        len({item["material_id"] for item in per_item}),
    )
    outputs = Outputs(
        [type_labels[value] for value in used_types],
        rows,
        totals,
        download_rows,
        download_total,
    )

    # Outtakes: reach and engagement by type, by organisation and by channel.
    by_type = {value: ReachRow(type_labels[value]) for value in used_types}
    by_partner = {key: ReachRow(label) for key, label in labels.items()}
    total = ReachRow("Total")
    sources: dict[str, int] = defaultdict(int)
    for group in groups:
        by_type[group["activity_type"]].add(group)
        by_partner[group["organisation_id"]].add(group)
        total.add(group)
        if group["with_reach"]:
            sources[group["reach_source"]] += group["with_reach"]
    source_labels = dict(Activity.ReachSource.choices)
    source_rows = [
        (label, sources[value]) for value, label in source_labels.items() if sources[value]
    ]
    if sources[""]:
        source_rows.append(("Not stated", sources[""]))

    # Channels are free text: “Facebook” and “facebook ” are one channel, named as most wrote it.
    by_channel: dict[str, ReachRow] = {}
    spellings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for group in channels:
        name = group["channel"].strip()
        key = name.casefold()
        by_channel.setdefault(key, ReachRow(name or "Not given")).add(group)
        spellings[key][name] += group["records"]
    for key, row in by_channel.items():
        if key:
            row.label = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
    channel_rows = sorted(
        by_channel.values(), key=lambda row: (row.label == "Not given", -row.records, row.label)
    )

    outtakes = Outtakes(
        list(by_type.values()),
        [row for key, row in by_partner.items() if key is not None or row.records],
        channel_rows,
        total,
        source_rows,
    )
    return outputs, outtakes


def _has_figures(cells: list[Shown]) -> bool:
    return any(cell.value is not None or cell.suppressed for cell in cells)


def _outcomes(
    user, campaign: Campaign, today: date, *, own_areas: set[int] | None | bool = False
) -> Outcomes:
    """The outcomes as the person may see them, or, for a partner's report, as that partner
    would (`own_areas`: its areas, small numbers withheld whoever reads it)."""
    if own_areas is False:
        own_areas = viewer_areas(user, campaign)
    exact = own_areas is None
    outcomes = Outcomes(campaign.region, exact)
    if campaign.region is None:
        return outcomes

    # The region's areas, channels and figures are read once, for the effect and the table.
    launches = area_launch_dates(campaign)
    window = run_window(campaign, today)
    loaded = region_figures(
        campaign.region,
        [figures_window(campaign, 3, launches), *([window] if window is not None else [])],
    )
    effect = campaign_effect(campaign, launches=launches, loaded=loaded)
    if effect is not None:
        outcomes.effect = effect
        outcomes.effect_rows = present_effect(effect, exact=exact, own_areas=own_areas)
        outcomes.effect_has_figures = any(
            _has_figures([row.before, row.after, row.before_year_earlier, row.after_year_earlier])
            for row in outcomes.effect_rows
        )
        outcomes.effect_notes = effect.notes
        total = next(row for row in outcomes.effect_rows if row.kind == "total")
        outcomes.net_effect = net_effect(effect, total, effect.total)
        own_rows = [row for row in outcomes.effect_rows if row.kind != "total"]
        if not exact and own_rows:
            outcomes.own_net_effect = net_effect(
                effect,
                own_rows[0],
                effect.row_for(own_rows[0].label),
                where=f" in {own_rows[0].label}",
            )
        outcomes.effect_illustrative = effect.illustrative
        if effect.comparison is not None:
            if exact:
                outcomes.comparison = effect.comparison
            else:
                outcomes.comparison_withheld = True

    if window is not None:
        table = loaded.area_table(window)
        outcomes.run = window
        outcomes.area_channels = [channel.name for channel in table.channels]
        outcomes.area_rows = present_area_table(table, exact=exact, own_areas=own_areas)
        outcomes.area_has_figures = any(
            _has_figures([*row.cells, row.total]) for row in outcomes.area_rows
        )
        seen = table.coverage.seen_by(own_areas)
        outcomes.area_coverage = seen.summary
        outcomes.area_illustrative = table.illustrative
    return outcomes


def build_report(campaign: Campaign, user, *, today: date | None = None) -> EvaluationReport:
    """The evaluation report of a campaign as this person may see it.

    `campaign` must come from `get_campaign_for_user`, so the person may see it.
    """
    today = today or timezone.localdate()
    everything = campaign.is_run_by(user)
    partners = list(campaign.partners.select_related("organisation"))
    own = [partner for partner in partners if partner.organisation_id in user.organisation_ids]
    shown_partners = partners if everything else own
    outputs, outtakes = _activity_and_downloads(
        user, campaign, shown_partners, everything=everything
    )
    start, end = report_period(campaign, today)
    return EvaluationReport(
        campaign=campaign,
        produced_on=today,
        period_start=start,
        period_end=end,
        everything=everything,
        organisations=[partner.organisation.name for partner in own]
        or [m.organisation.name for m in user.active_memberships],
        inputs=_inputs(user, campaign, partners),
        outputs=outputs,
        outtakes=outtakes,
        outcomes=_outcomes(user, campaign, today),
        learning=campaign.evaluation_learning,
    )
