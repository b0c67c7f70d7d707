"""Importing help-seeker figures: preview with every error and its line, all-or-nothing commit,
re-import changes nothing, undo as a whole."""

import io
import re
import time
import zipfile
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEntry
from campaigns.models import Channel, FigureImport, HelpSeekerFigure
from campaigns.services import figures as imports
from tests.factories import make_force_area, make_region

HEADER = "area,channel,period,count,note\n"


@pytest.fixture
def areas(db):
    region = make_region("South West England")
    for name in ["Avon and Somerset", "Dorset"]:
        make_force_area(name, region)
    Channel.objects.create(name="Website", slug="website", position=1)
    Channel.objects.create(name="Helpline", slug="helpline", position=2)
    return region


def csv_file(body: str, name: str = "figures.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + body).encode())


def xlsx_file(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("figures.xlsx", buffer.getvalue())


IMPORT = reverse("campaigns:figures-import")


def upload(client, file):
    return client.post(IMPORT, {"spreadsheet": file})


def test_a_month_of_figures_is_previewed_then_saved_whole(client_for, charity_admin, areas):
    client = client_for(charity_admin)
    response = upload(
        client,
        csv_file(
            "Avon and Somerset,Website,2026-10,81,monthly return\n"
            "Avon and Somerset,Helpline,2026-10,9,\n"
            "South West England (area not given),Helpline,2026-10,3,\n"
        ),
    )
    figure_import = FigureImport.objects.get()
    assert response["Location"] == reverse("campaigns:import-detail", args=[figure_import.pk])
    assert not HelpSeekerFigure.objects.exists(), "a preview saves nothing"
    page = client.get(response["Location"])
    assert page.context["preview"].added == 3
    assert "Save these figures" in page.content.decode()
    client.post(reverse("campaigns:import-commit", args=[figure_import.pk]))
    figures = HelpSeekerFigure.objects.select_related("force_area", "channel")
    assert sorted((str(f.force_area), f.channel.slug, f.count) for f in figures) == [
        ("Avon and Somerset", "helpline", 9),
        ("Avon and Somerset", "website", 81),
        ("None", "helpline", 3),
    ]
    assert all(
        f.period_start == date(2026, 10, 1) and f.period_end == date(2026, 10, 31) for f in figures
    )
    figure_import.refresh_from_db()
    assert (figure_import.status, figure_import.rows_added, figure_import.uploaded_by) == (
        "committed",
        3,
        charity_admin,
    )
    assert AuditEntry.objects.filter(action="figures.imported").exists()


def test_reimporting_the_same_file_changes_nothing(client_for, charity_admin, areas):
    client = client_for(charity_admin)
    body = "Dorset,Website,2017,285,published\n"
    upload(client, csv_file(body))
    client.post(reverse("campaigns:import-commit", args=[FigureImport.objects.get().pk]))
    before = list(HelpSeekerFigure.objects.values())
    again = upload(client, csv_file(body))
    assert again.status_code == 200
    assert "nothing to change" in again.content.decode()
    assert FigureImport.objects.count() == 1
    assert list(HelpSeekerFigure.objects.values()) == before


def test_a_changed_count_is_shown_as_a_change_and_can_be_undone(client_for, charity_admin, areas):
    client = client_for(charity_admin)
    upload(client, csv_file("Dorset,Website,2017,285,\n"))
    first = FigureImport.objects.get()
    client.post(reverse("campaigns:import-commit", args=[first.pk]))
    upload(client, csv_file("Dorset,Website,2017,290,corrected\nDorset,Helpline,2017,29,\n"))
    second = FigureImport.objects.exclude(pk=first.pk).get()
    preview = client.get(reverse("campaigns:import-detail", args=[second.pk])).context["preview"]
    assert (preview.added, preview.changed) == (1, 1)
    client.post(reverse("campaigns:import-commit", args=[second.pk]))
    assert HelpSeekerFigure.objects.get(channel__slug="website").count == 290
    refused = client.post(reverse("campaigns:import-undo", args=[first.pk]), follow=True)
    assert "changed by a later import" in refused.content.decode()
    client.post(reverse("campaigns:import-undo", args=[second.pk]))
    assert [
        (f.channel.slug, f.count, f.source_import_id) for f in HelpSeekerFigure.objects.all()
    ] == [("website", 285, first.pk)]
    second.refresh_from_db()
    assert second.status == "undone"
    client.post(reverse("campaigns:import-undo", args=[first.pk]))
    assert not HelpSeekerFigure.objects.exists()


@pytest.mark.parametrize(
    "body,message",
    [
        ("Atlantis,Website,2017,5,\n", "Line 3: area: “Atlantis” is not a force area"),
        ("Dorset,Carrier pigeon,2017,5,\n", "Line 3: channel: “Carrier pigeon” is not a channel"),
        ("Dorset,Website,2017,-4,\n", "Line 3: count: a count cannot be negative"),
        ("Dorset,Website,2017,lots,\n", "Line 3: count: “lots” is not a whole number"),
        ("Dorset,Website,Spring,5,\n", "Line 3: period: write the period as a year"),
        ("Dorset,Website,2017,5,\nDorset,Website,2017,6,\n", "Line 4: duplicates line 3"),
        (
            "Dorset,Website,2017,5,\nDorset,Website,2017-03,6,\n",
            "Line 4: its period overlaps line 3",
        ),
    ],
)
def test_bad_rows_are_reported_with_their_line_and_nothing_is_saved(
    client_for, charity_admin, areas, body, message
):
    # Line 1 is the header; line 2 a good row, so that one bad row spoils the whole file.
    response = upload(
        client_for(charity_admin), csv_file("Avon and Somerset,Website,2017,818,\n" + body)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert "Nothing has been saved" in text
    assert not FigureImport.objects.exists()
    assert not HelpSeekerFigure.objects.exists()


def test_a_period_overlapping_a_figure_already_held_is_refused(client_for, charity_admin, areas):
    HelpSeekerFigure.objects.create(
        region=areas,
        force_area=areas.force_areas.get(name="Dorset"),
        channel=Channel.objects.get(slug="website"),
        period_start=date(2017, 1, 1),
        period_end=date(2017, 12, 31),
        count=285,
    )
    response = upload(client_for(charity_admin), csv_file("Dorset,Website,2017-Q2,70,\n"))
    assert (
        "Line 2: its period overlaps the figure already held for Dorset"
        in response.content.decode()
    )
    assert HelpSeekerFigure.objects.count() == 1


@pytest.mark.parametrize(
    "file,message",
    [
        (
            SimpleUploadedFile("f.csv", b"place,number\nDorset,5\n"),
            "It is missing area, channel, period, count",
        ),
        (SimpleUploadedFile("f.csv", HEADER.encode()), "no figures"),
        (SimpleUploadedFile("f.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50), "cannot be uploaded"),
    ],
)
def test_a_bad_file_is_refused_whole_with_a_reason(client_for, charity_admin, areas, file, message):
    response = upload(client_for(charity_admin), file)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HelpSeekerFigure.objects.exists()


def test_an_empty_file_is_refused(client_for, charity_admin, areas):
    response = upload(client_for(charity_admin), SimpleUploadedFile("empty.csv", b""))
    assert "The submitted file is empty" in response.content.decode()
    assert not FigureImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client_for, charity_admin, areas, settings):
    settings.FIGURE_IMPORT_MAX_MB = 1
    big = csv_file("Dorset,Website,2017,5,\n" + "#" * (1024 * 1024))
    response = upload(client_for(charity_admin), big)
    assert "the limit for a spreadsheet is 1 MB" in response.content.decode()


def test_an_excel_file_is_read_and_excel_dates_are_months(client_for, charity_admin, areas):
    from datetime import datetime

    file = xlsx_file(
        [
            ["area", "channel", "period", "count"],
            ["Dorset", "Website", datetime(2026, 3, 1), 24],
            ["Dorset", "Helpline", "2026-Q1", 7],
        ]
    )
    response = upload(client_for(charity_admin), file)
    figure_import = FigureImport.objects.get()
    assert response.status_code == 302
    assert figure_import.filename == "figures.xlsx"
    imports.commit_import(figure_import, actor=charity_admin)
    periods = dict(HelpSeekerFigure.objects.values_list("channel__slug", "period_end"))
    assert periods == {"website": date(2026, 3, 31), "helpline": date(2026, 3, 31)}


def test_formulas_in_a_spreadsheet_are_refused_never_evaluated(client_for, charity_admin, areas):
    file = xlsx_file(
        [["area", "channel", "period", "count"], ["Dorset", "Website", "2017", "=200+85"]]
    )
    response = upload(client_for(charity_admin), file)
    assert "holds a formula" in response.content.decode()
    assert "D2" in response.content.decode()
    assert not HelpSeekerFigure.objects.exists()


def test_a_committed_import_cannot_be_committed_again(client_for, charity_admin, areas):
    client = client_for(charity_admin)
    upload(client, csv_file("Dorset,Website,2017,285,\n"))
    figure_import = FigureImport.objects.get()
    client.post(reverse("campaigns:import-commit", args=[figure_import.pk]))
    response = client.post(reverse("campaigns:import-commit", args=[figure_import.pk]), follow=True)
    assert "already been saved" in response.content.decode()
    assert HelpSeekerFigure.objects.count() == 1


@pytest.mark.parametrize("who", ["police_officer", "force_lead", "outsider"])
def test_only_campaign_admins_import(client_for, areas, who, request):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("campaigns:figures")).status_code == 403
    assert upload(client, csv_file("Dorset,Website,2017,5,\n")).status_code == 403
    assert not FigureImport.objects.exists()


def test_another_charitys_import_answers_404(client_for, charity_admin, other_charity_admin, areas):
    upload(client_for(charity_admin), csv_file("Dorset,Website,2017,5,\n"))
    figure_import = FigureImport.objects.get()
    client = client_for(other_charity_admin)
    for name in ["import-detail", "import-undo"]:
        assert client.get(reverse(f"campaigns:{name}", args=[figure_import.pk])).status_code == 404
    assert (
        client.post(reverse("campaigns:import-commit", args=[figure_import.pk])).status_code == 404
    )
    assert not HelpSeekerFigure.objects.exists()


def test_import_pages_need_sign_in_and_the_right_method(client, client_for, charity_admin, areas):
    assert client.get(IMPORT).status_code == 302
    upload(client_for(charity_admin), csv_file("Dorset,Website,2017,5,\n"))
    figure_import = FigureImport.objects.get()
    signed_in = client_for(charity_admin)
    assert (
        signed_in.get(reverse("campaigns:import-commit", args=[figure_import.pk])).status_code
        == 405
    )
    assert signed_in.put(IMPORT).status_code == 405


# --- Damaged and hostile workbooks ----------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
# Ten levels of ten: the last entity is 10^9 "lol"s, 3 GB of text if expanded.
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, 10)
    )
    + b"]>"
)


def a_good_workbook() -> bytes:
    return xlsx_file(
        [["area", "channel", "period", "count"], ["Dorset", "Website", "2017", 5]]
    ).read()


def rewritten(data: bytes, change) -> bytes:
    """The workbook with each part passed through change(name, content); None leaves it out."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w") as target:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return output.getvalue()


def truncated_sheet() -> bytes:
    return rewritten(
        a_good_workbook(), lambda name, body: body[: len(body) // 2] if name == SHEET else body
    )


def billion_laughs_sheet() -> bytes:
    def change(name, body):
        if name != SHEET:
            return body
        return BILLION_LAUGHS + body.replace(b"<t>area</t>", b"<t>area&lol9;</t>")

    return rewritten(a_good_workbook(), change)


def workbook_without_sheets() -> bytes:
    def change(name, body):
        if name == SHEET:
            return None
        if name == "xl/workbook.xml":
            return re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", body)
        return body

    return rewritten(a_good_workbook(), change)


def workbook_whose_sheet_is_missing() -> bytes:
    return rewritten(a_good_workbook(), lambda name, body: None if name == SHEET else body)


def workbook_with_a_damaged_workbook_part() -> bytes:
    return rewritten(
        a_good_workbook(), lambda name, body: b"not xml" if name == "xl/workbook.xml" else body
    )


def a_zip_that_is_not_a_workbook() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("figures.csv", HEADER + "Dorset,Website,2017,5,\n")
    return output.getvalue()


@pytest.mark.parametrize(
    "make,message",
    [
        (truncated_sheet, "could not be read: it looks damaged or incomplete"),
        (billion_laughs_sheet, "could not be read: it looks damaged or incomplete"),
        (workbook_without_sheets, "This workbook has no sheet in it"),
        (workbook_whose_sheet_is_missing, "This workbook has no sheet in it"),
        (workbook_with_a_damaged_workbook_part, "could not be read"),
        (a_zip_that_is_not_a_workbook, "This file is a ZIP archive"),
    ],
)
def test_a_damaged_or_hostile_workbook_gets_the_import_pages_error_not_a_server_error(
    client_for, charity_admin, areas, make, message
):
    started = time.monotonic()
    response = upload(client_for(charity_admin), SimpleUploadedFile("figures.xlsx", make()))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FigureImport.objects.exists()
    # Nothing was expanded: a billion laughs refused is as quick as a truncated file.
    assert time.monotonic() - started < 5


def test_a_kept_workbook_that_no_longer_reads_shows_the_error_and_saves_nothing(
    client_for, charity_admin, areas
):
    client = client_for(charity_admin)
    good = SimpleUploadedFile("figures.xlsx", a_good_workbook())
    assert upload(client, good).status_code == 302
    figure_import = FigureImport.objects.get()
    figure_import.file.save(figure_import.filename, ContentFile(truncated_sheet()))
    page = client.get(reverse("campaigns:import-detail", args=[figure_import.pk]))
    assert "could not be read: it looks damaged" in page.content.decode()
    response = client.post(reverse("campaigns:import-commit", args=[figure_import.pk]))
    assert "could not be read: it looks damaged" in response.content.decode()
    assert not HelpSeekerFigure.objects.exists()


def test_workbooks_are_parsed_by_defusedxml_which_refuses_entity_declarations():
    import openpyxl.xml

    # openpyxl uses defusedxml when it is installed; it is in requirements.txt for that.
    assert openpyxl.xml.DEFUSEDXML
