"""Spreadsheets as people use them: the impact area table and the readiness view as CSV and XLSX,
numbers as numbers with formats, dates as dates, bold frozen headers and sized columns."""

import io
from datetime import date, datetime

from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Channel, HelpSeekerFigure
from tests.assertions import body


def workbook(response):
    return load_workbook(io.BytesIO(body(response)))


def test_the_area_table_exports_with_the_small_number_rules_of_the_reader(
    client_for, charity_admin, police_officer, campaign, region, force_a
):
    website = Channel.objects.create(name="Website", slug="website", position=1)
    helpline = Channel.objects.create(name="Helpline", slug="helpline", position=2)
    for channel, count in ((website, 818), (helpline, 3)):
        HelpSeekerFigure.objects.create(
            region=region,
            force_area=force_a.force_area,
            channel=channel,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 31),
            count=count,
        )
    url = reverse("campaigns:impact-areas-export", args=[campaign.slug, "xlsx"])
    query = {"table_from": "2026-01", "table_to": "2026-01"}
    admin = workbook(client_for(charity_admin).get(url, query)).active
    assert [c.value for c in admin[1]] == ["Area", "Website", "Helpline", "Total"]
    assert admin["A1"].font.b and admin.freeze_panes == "A2"
    assert [c.value for c in admin[2]] == ["Avon and Somerset", 818, 3, 821]
    assert admin["B2"].data_type == "n" and admin["B2"].number_format == "#,##0"
    assert admin.column_dimensions["A"].width >= len("Total for South West England")
    partner = workbook(client_for(police_officer).get(url, query)).active
    assert [c.value for c in partner[2]] == ["Avon and Somerset", 818, "fewer than 5", "about 820"]
    csv = body(
        client_for(police_officer).get(
            reverse("campaigns:impact-areas-export", args=[campaign.slug, "csv"]), query
        )
    ).decode("utf-8-sig")
    assert "Avon and Somerset,818,fewer than 5,about 820" in csv
    assert ",3," not in csv


def test_the_readiness_view_exports_its_rows_with_dates_as_dates(
    client_for, charity_admin, police_officer, campaign
):
    url = reverse("campaigns:readiness-export", args=[campaign.slug, "xlsx"])
    sheet = workbook(client_for(charity_admin).get(url)).active
    assert sheet["A1"].value == "Partner" and sheet["A1"].font.b
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"Avon and Somerset Police", "South Somerset District Council"}
    launch = rows["Avon and Somerset Police"][1]
    assert launch.value == datetime(2026, 6, 1) and launch.number_format == "d mmm yyyy"
    own = workbook(client_for(police_officer).get(url)).active
    assert [row[0].value for row in own.iter_rows(min_row=2)] == ["Avon and Somerset Police"]
    csv = body(
        client_for(police_officer).get(
            reverse("campaigns:readiness-export", args=[campaign.slug, "csv"])
        )
    ).decode("utf-8-sig")
    assert csv.splitlines()[1].startswith("Avon and Somerset Police,2026-06-01,")
    assert (
        client_for(police_officer)
        .get(reverse("campaigns:readiness-export", args=[campaign.slug, "pdf"]))
        .status_code
        == 404
    )
