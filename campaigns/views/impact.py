"""The impact page: a campaign's effect, its figures over time, and the area table."""

from datetime import date, timedelta

from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import AuditEntry
from audit.services import record
from campaigns import charts
from campaigns.access import get_campaign_for_user, viewer_areas
from campaigns.forms.figures import MONTH_FORMAT, ImpactForm
from campaigns.impact.areas import area_table
from campaigns.impact.disclosure import (
    cell_value,
    comparison_sentence,
    net_effect,
    present_area_table,
    present_effect,
    show_sum,
    small_numbers_note,
    threshold,
)
from campaigns.impact.effect import (
    DID_METHOD,
    area_launch_dates,
)
from campaigns.impact.periods import Window, add_months
from campaigns.impact.report import ImpactFigures, impact_figures
from campaigns.impact.uncertainty import METHOD
from campaigns.models import ActivityMonthlyTotal, Campaign
from campaigns.services.visits import visits_by_partner
from lib.addresses import client_address
from lib.spreadsheets import add_sheet, csv_response, new_workbook, xlsx_response


def last_whole_month_end() -> date:
    return timezone.localdate().replace(day=1) - timedelta(days=1)


def timeline_months(campaign: Campaign) -> list[date]:
    first = add_months(campaign.launch_date.replace(day=1), -12)
    last = min(
        add_months(campaign.launch_date.replace(day=1), 12), last_whole_month_end().replace(day=1)
    )
    if campaign.end_date:
        last = min(last, campaign.end_date.replace(day=1))
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def help_seekers_chart(
    campaign: Campaign, months: list[date], own_areas: set[int] | None, figures: ImpactFigures
):
    """People seeking help each month, per area (admins) or own areas and the region's total
    (partners), with the launch marked. Only monthly figures: a yearly one is never split.

    For partners a month's total that includes a small count is rounded, exactly as in the area
    table, so that the chart and the table together cannot give the small count away.
    """
    region = campaign.region
    names = {row.force_area.pk: row.force_area.name for row in figures.table.rows if row.force_area}
    # For each line, each month's figures: a point is their sum as the viewer may see it.
    parts: dict[str, list[list[int]]] = {}
    region_parts: list[list[int]] = [[] for _ in months]
    for area_id, area_months in figures.monthly.items():
        for position, counts in enumerate(area_months):
            region_parts[position].extend(counts)
        if own_areas is not None and area_id not in own_areas:
            continue
        # An area since moved to another region is counted with those whose area is not given.
        line_parts = parts.setdefault(names.get(area_id, "Area not given"), [[] for _ in months])
        for position, counts in enumerate(area_months):
            line_parts[position].extend(counts)
    exact = own_areas is None

    def line(months_parts: list[list[int]]) -> list[int | None]:
        return [show_sum(month, exact=exact).value for month in months_parts]

    series = [(name, line(values)) for name, values in sorted(parts.items())]
    if not exact:
        series.append((f"Total for {region}", line(region_parts)))
    return charts.line_chart(
        title="People seeking help each month",
        description=f"Monthly help-seekers in {region}, by area, with the campaign's launch on "
        f"{campaign.launch_date:%d %B %Y} marked. The figures are in the table below.",
        months=months,
        series=series,
        marker=campaign.launch_date,
    )


def activity_by_month(user, campaign: Campaign) -> dict[date, int]:
    """The campaign's activity records the person may see, counted by the month they happened,
    from the monthly totals the database keeps (campaigns.models.ActivityMonthlyTotal)."""
    return dict(
        ActivityMonthlyTotal.objects.visible_to(user)
        .filter(campaign=campaign)
        .values_list("month")
        .annotate(records=Sum("records"))
        .order_by()
    )


def activity_chart(user, campaign: Campaign, months: list[date]):
    """Activity records logged each month (the person's own organisation's, for a partner)."""
    counts = activity_by_month(user, campaign)
    values = [counts.get(month, 0) for month in months]
    return charts.line_chart(
        title="Activity logged each month",
        description=f"Activity records for {campaign} by the month they happened, with the launch "
        "marked. The figures are in the table below.",
        months=months,
        series=[("Activity records", values)],
        marker=campaign.launch_date,
    )


@require_http_methods(["GET"])
def campaign_impact(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    own_areas = viewer_areas(request.user, campaign)
    exact = own_areas is None
    form = ImpactForm(request.GET if request.GET else None, initial={"months": 3})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    months = data.get("months") or 3
    context = {
        "campaign": campaign,
        "form": form,
        "exact": exact,
        "months": months,
        "threshold": threshold(),
    }
    if campaign.region is None:
        return render(request, "campaigns/impact.html", context)

    # The partners are read once for the whole page, and what is worked out from the region's
    # figures is kept until they change (campaigns.impact.report).
    partners = list(
        campaign.partners.order_by("organisation__name").values_list(
            "organisation_id", "organisation__name", "organisation__force_area_id", "launch_date"
        )
    )
    launches = area_launch_dates(campaign, [(area, launch) for _, _, area, launch in partners])
    default_table = months_before_launch_month(campaign.launch_date, 12)
    window = Window.whole_months(
        data.get("table_from") or default_table.start, data.get("table_to") or default_table.end
    )
    timeline = timeline_months(campaign)
    # Kept for the table's usual window (with any number of months): what nearly every visit
    # asks for.
    figures = impact_figures(
        campaign,
        months=months,
        window=window,
        launches=launches,
        timeline=timeline,
        keep=window == default_table,
    )
    effect, table = figures.effect, figures.table
    people_chart = help_seekers_chart(campaign, timeline, own_areas, figures)
    shown_effect = present_effect(effect, exact=exact, own_areas=own_areas)
    total = next(row for row in shown_effect if row.kind == "total")
    areas = [row for row in shown_effect if row.kind != "total"]
    bars = charts.bar_chart(
        title="People seeking help before and after launch, by area",
        description="Before and after launch, by area, as in the table above.",
        categories=[row.label for row in areas],
        series=[
            ("Before launch", [row.before.value for row in areas]),
            ("After launch", [row.after.value for row in areas]),
        ],
        texts=[[row.before.text for row in areas], [row.after.text for row in areas]],
    )
    context.update(
        {
            "effect": effect,
            "effect_rows": shown_effect,
            "bars": bars,
            "table": table,
            "table_coverage": table.coverage.seen_by(own_areas),
            "net_effect": net_effect(effect, total, effect.total),
            "own_net_effects": [
                net_effect(effect, row, effect.row_for(row.label), where=f" in {row.label}")
                for row in areas
            ]
            if not exact
            else [],
            "comparison_sentence": comparison_sentence(effect.comparison) if exact else "",
            "method": METHOD,
            "comparison_method": DID_METHOD,
            "table_rows": present_area_table(table, exact=exact, own_areas=own_areas),
            "people_chart": people_chart,
            "activity_chart": activity_chart(request.user, campaign, timeline),
            "illustrative": effect.illustrative
            or table.illustrative
            or figures.monthly_illustrative,
            "presets": _presets(campaign, figures.published_years),
            "partner_visits": visits_by_partner(
                campaign,
                organisation_ids=None if exact else request.user.organisation_ids,
                partners=[(pk, name) for pk, name, _, _ in partners],
            ),
            "runs_it": exact,
        }
    )
    return render(request, "campaigns/impact.html", context)


@require_http_methods(["GET"])
def impact_areas_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The impact page's area table as a spreadsheet, with the same small-number rules."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404("No such format.")
    campaign = get_campaign_for_user(request.user, slug)
    own_areas = viewer_areas(request.user, campaign)
    form = ImpactForm(request.GET if request.GET else None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    default = months_before_launch_month(campaign.launch_date, 12)
    window = Window.whole_months(
        data.get("table_from") or default.start, data.get("table_to") or default.end
    )
    if campaign.region is None:
        header, lines = ["Area", "Total"], []
        notes = [["The campaign has no region, so there are no help-seeker figures to show."]]
    else:
        table = area_table(campaign.region, window)
        rows = present_area_table(table, exact=own_areas is None, own_areas=own_areas)
        header = ["Area", *(channel.name for channel in table.channels), "Total"]
        lines = [
            [row.label, *(cell_value(cell) for cell in row.cells), cell_value(row.total)]
            for row in rows
        ]
        seen = table.coverage.seen_by(own_areas)
        notes = [[f"People seeking help in {campaign.region}, {window.label}"]]
        if own_areas is not None:
            notes.append([small_numbers_note()])
        notes.extend([line] for line in seen.summary)
    record(
        AuditEntry.Action.REPORT_EXPORTED,
        actor=request.user,
        address=client_address(request),
        campaign=campaign,
        target=campaign,
        data={"report": "impact area table", "format": fmt, "period": window.label},
    )
    filename = f"{campaign.slug}-areas-{window.start:%Y-%m}-to-{window.end:%Y-%m}.{fmt}"
    if fmt == "csv":
        return csv_response(header, [*lines, [], *notes], filename)
    workbook = new_workbook()
    add_sheet(workbook, "Areas", header, [*lines, [], *notes])
    return xlsx_response(workbook, filename)


def months_before_launch_month(launch: date, months: int) -> Window:
    """Whole months before the month of the launch (a launch part-way through a month leaves
    that month out of “before”)."""
    first = launch.replace(day=1)
    return Window(add_months(first, -months), first - timedelta(days=1))


def _presets(campaign: Campaign, published_years: list[int]) -> list[tuple[str, str]]:
    """Quick choices of period for the area table, as query strings."""

    def query(window: Window) -> str:
        return f"table_from={window.start:{MONTH_FORMAT}}&table_to={window.end:{MONTH_FORMAT}}"

    launch = campaign.launch_date
    presets = [("The 12 months before launch", query(months_before_launch_month(launch, 12)))]
    end = min(last_whole_month_end(), campaign.end_date or last_whole_month_end())
    if end >= launch:
        presets.append(("Since launch", query(Window.whole_months(launch, end))))
    for year in published_years:
        presets.append((str(year), query(Window(date(year, 1, 1), date(year, 12, 31)))))
    return presets
