"""Impact evidence: a campaign's effect and figures over time, and the figures' imports."""

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import Region
from campaigns import charts
from campaigns.access import get_campaign_for_user, require_figures_admin
from campaigns.impact import (
    Window,
    add_months,
    area_table,
    campaign_effect,
    present_area_table,
    present_effect,
    show_protected,
    viewer_areas,
)
from campaigns.models import Activity, Campaign, FigureImport, HelpSeekerFigure
from campaigns.services import figures as imports
from lib.addresses import client_address

MONTH_FORMAT = "%Y-%m"


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self):
        super().__init__(format=MONTH_FORMAT)


class MonthField(forms.DateField):
    widget = MonthInput
    input_formats = [MONTH_FORMAT]


class ImpactForm(forms.Form):
    months = forms.IntegerField(
        label="Months before and after launch", min_value=1, max_value=12, required=False
    )
    table_from = MonthField(label="Area table from", required=False)
    table_to = MonthField(label="to", required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("table_from"), cleaned.get("table_to")
        if start and end and end < start:
            self.add_error("table_to", "The period ends before it starts.")
        return cleaned


def month_window(first: date, last: date) -> Window:
    """From the first day of one month to the last day of another."""
    return Window(first.replace(day=1), add_months(last.replace(day=1), 1) - timedelta(days=1))


def last_whole_month_end() -> date:
    return timezone.localdate().replace(day=1) - timedelta(days=1)


def published_years(region: Region) -> list[int]:
    """Years with a figure covering exactly that year (such as the South West's 2017)."""
    return sorted(
        {
            start.year
            for start, end in HelpSeekerFigure.objects.filter(
                region=region, period_start__month=1, period_start__day=1
            ).values_list("period_start", "period_end")
            if end == date(start.year, 12, 31)
        }
    )


def _timeline(campaign: Campaign) -> list[date]:
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


def _is_calendar_month(figure: HelpSeekerFigure) -> bool:
    return figure.period_start.day == 1 and figure.period_end == add_months(
        figure.period_start, 1
    ) - timedelta(days=1)


def help_seekers_chart(campaign: Campaign, months: list[date], own_areas: set[int] | None):
    """People seeking help each month, per area (admins) or own areas and the region's total
    (partners), with the launch marked. Only monthly figures: a yearly one is never split.

    For partners a month's total that includes a small count is rounded, exactly as in the area
    table, so that the chart and the table together cannot give the small count away.
    """
    region = campaign.region
    threshold = settings.SMALL_NUMBER_THRESHOLD
    index = {month: number for number, month in enumerate(months)}
    figures = [
        figure
        for figure in HelpSeekerFigure.objects.filter(region=region)
        .inside(months[0], add_months(months[-1], 1) - timedelta(days=1))
        .select_related("force_area")
        if _is_calendar_month(figure)
    ]
    sums: dict[str, list[int | None]] = {}
    small: dict[str, list[bool]] = {}
    region_total: list[int | None] = [None] * len(months)
    region_small = [False] * len(months)
    for figure in figures:
        position = index[figure.period_start]
        label = figure.force_area.name if figure.force_area else "Area not given"
        is_small = 0 < figure.count < threshold
        region_total[position] = (region_total[position] or 0) + figure.count
        region_small[position] |= is_small
        if own_areas is not None and figure.force_area_id not in own_areas:
            continue
        values = sums.setdefault(label, [None] * len(months))
        values[position] = (values[position] or 0) + figure.count
        small.setdefault(label, [False] * len(months))[position] |= is_small
    if own_areas is None:
        series = sorted(sums.items())
    else:

        def protected(values: list[int | None], flags: list[bool]) -> list[int | None]:
            return [
                show_protected(value, hides_small=flag, threshold=threshold).value
                for value, flag in zip(values, flags, strict=True)
            ]

        series = [(name, protected(values, small[name])) for name, values in sorted(sums.items())]
        series.append((f"Total for {region}", protected(region_total, region_small)))
    chart = charts.line_chart(
        title="People seeking help each month",
        description=f"Monthly help-seekers in {region}, by area, with the campaign's launch on "
        f"{campaign.launch_date:%d %B %Y} marked. The figures are in the table below.",
        months=months,
        series=series,
        marker=campaign.launch_date,
    )
    return chart, any(figure.is_illustrative for figure in figures)


def activity_chart(user, campaign: Campaign, months: list[date]):
    """Activity records logged each month (the person's own organisation's, for a partner)."""
    counts = {
        row["month"]: row["records"]
        for row in Activity.objects.visible_to(user)
        .filter(campaign=campaign)
        .annotate(month=TruncMonth("started_on"))
        .values("month")
        .annotate(records=Count("pk"))
    }
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
        "threshold": settings.SMALL_NUMBER_THRESHOLD,
    }
    if campaign.region is None:
        return render(request, "campaigns/impact.html", context)

    effect = campaign_effect(campaign, months=months)
    default_table = Window.months_before(campaign.launch_date, 12)
    window = month_window(
        data.get("table_from") or default_table.start, data.get("table_to") or default_table.end
    )
    table = area_table(campaign.region, window)
    timeline = _timeline(campaign)
    people_chart, chart_illustrative = help_seekers_chart(campaign, timeline, own_areas)
    shown_effect = present_effect(effect, exact=exact, own_areas=own_areas)
    effect_coverage = {name: cover.seen_by(own_areas) for name, cover in effect.coverage.items()}
    bars = charts.bar_chart(
        title=f"People seeking help in the {months} months before and after launch",
        description="Before and after launch, by area. The figures are in the table above.",
        categories=[row.label for row in shown_effect if row.kind != "total"],
        series=[
            ("Before launch", [row.before.value for row in shown_effect if row.kind != "total"]),
            ("After launch", [row.after.value for row in shown_effect if row.kind != "total"]),
        ],
    )
    context.update(
        {
            "effect": effect,
            "effect_rows": shown_effect,
            "bars": bars,
            "table": table,
            "table_coverage": table.coverage.seen_by(own_areas),
            "effect_coverage": effect_coverage,
            "table_rows": present_area_table(table, exact=exact, own_areas=own_areas),
            "people_chart": people_chart,
            "activity_chart": activity_chart(request.user, campaign, timeline),
            "illustrative": effect.illustrative or table.illustrative or chart_illustrative,
            "presets": _presets(campaign),
        }
    )
    return render(request, "campaigns/impact.html", context)


def _presets(campaign: Campaign) -> list[tuple[str, str]]:
    """Quick choices of period for the area table, as query strings."""

    def query(window: Window) -> str:
        return f"table_from={window.start:{MONTH_FORMAT}}&table_to={window.end:{MONTH_FORMAT}}"

    launch = campaign.launch_date
    presets = [("The 12 months before launch", query(Window.months_before(launch, 12)))]
    end = min(last_whole_month_end(), campaign.end_date or last_whole_month_end())
    if end >= launch:
        presets.append(("Since launch", query(month_window(launch, end))))
    for year in published_years(campaign.region):
        presets.append((str(year), query(Window(date(year, 1, 1), date(year, 12, 31)))))
    return presets


# --- Figures and their imports: the charity's campaign admins only ------------------------------


class AreaTableForm(forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.all(), to_field_name="slug")
    table_from = MonthField(label="From")
    table_to = MonthField(label="To")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("table_from"), cleaned.get("table_to")
        if start and end and end < start:
            self.add_error("table_to", "The period ends before it starts.")
        return cleaned


class ImportForm(forms.Form):
    spreadsheet = forms.FileField(
        help_text="A CSV or Excel (XLSX) file with the columns area, channel, period and count, "
        "and optionally note."
    )


@require_http_methods(["GET"])
def figures_home(request: HttpRequest) -> HttpResponse:
    require_figures_admin(request.user)
    table_form = AreaTableForm(request.GET if request.GET else None)
    table = rows = None
    if table_form.is_bound and table_form.is_valid():
        data = table_form.cleaned_data
        table = area_table(data["region"], month_window(data["table_from"], data["table_to"]))
        rows = present_area_table(table, exact=True)
    return render(
        request,
        "campaigns/figures_home.html",
        {
            "imports": FigureImport.objects.visible_to(request.user).select_related("uploaded_by")[
                :50
            ],
            "table_form": table_form,
            "table": table,
            "table_rows": rows,
        },
    )


@require_http_methods(["GET", "POST"])
def figures_import(request: HttpRequest) -> HttpResponse:
    charity = require_figures_admin(request.user)
    is_post = request.method == "POST"
    form = ImportForm(request.POST if is_post else None, request.FILES if is_post else None)
    preview = None
    if is_post and form.is_valid():
        upload = form.cleaned_data["spreadsheet"]
        preview = imports.preview_file(upload)
        if preview.ok and preview.changes_anything:
            kept = imports.keep_for_commit(
                upload, preview, organisation=charity, actor=request.user
            )
            return redirect("campaigns:import-detail", pk=kept.pk)
    return render(
        request,
        "campaigns/figures_import.html",
        {"form": form, "preview": preview, "max_mb": imports.max_import_bytes() // (1024 * 1024)},
        status=400 if preview is not None and not preview.ok else 200,
    )


def _import_for(user, pk: int) -> FigureImport:
    require_figures_admin(user)
    return get_object_or_404(
        FigureImport.objects.visible_to(user).select_related("uploaded_by"), pk=pk
    )


@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    figure_import = _import_for(request.user, pk)
    preview = None
    if figure_import.status == FigureImport.Status.PREVIEWED:
        with figure_import.file.open("rb") as handle:
            preview = imports.preview_file(
                SimpleUploadedFile(figure_import.filename, handle.read())
            )
    return render(
        request,
        "campaigns/import_detail.html",
        {
            "figure_import": figure_import,
            "preview": preview,
            "changes": figure_import.changes.select_related(
                "figure__force_area", "figure__channel", "figure__region"
            )
            if figure_import.status != FigureImport.Status.PREVIEWED
            else [],
        },
    )


@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    figure_import = _import_for(request.user, pk)
    try:
        preview = imports.commit_import(
            figure_import, actor=request.user, address=client_address(request)
        )
    except imports.ImportRefused as refused:
        messages.error(request, str(refused))
        return redirect("campaigns:import-detail", pk=pk)
    if not preview.ok:
        return render(
            request,
            "campaigns/import_detail.html",
            {"figure_import": figure_import, "preview": preview, "changes": []},
            status=409,
        )
    messages.success(
        request,
        f"Saved: {figure_import.rows_added} figures added, {figure_import.rows_changed} changed, "
        f"{figure_import.rows_unchanged} already as imported.",
    )
    return redirect("campaigns:import-detail", pk=pk)


@require_http_methods(["GET", "POST"])
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    figure_import = _import_for(request.user, pk)
    if request.method == "POST":
        try:
            imports.undo_import(figure_import, actor=request.user, address=client_address(request))
        except imports.ImportRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"The import of {figure_import.filename} has been undone.")
        return redirect("campaigns:import-detail", pk=pk)
    return render(request, "campaigns/import_undo.html", {"figure_import": figure_import})
