"""The evaluation report: what the charity and each partner see, its workbook, the learning the
charity writes, who may see it, and a constant query count."""

import io
from datetime import date
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Organisation
from audit.models import AuditEntry
from campaigns.evaluation.report import run_window
from campaigns.models import Activity, CampaignPartner, Channel, HelpSeekerFigure
from campaigns.services import activity as activity_services
from campaigns.services import material as material_services
from tests.assertions import body
from tests.factories import (
    make_campaign,
    make_force_area,
    make_material,
    make_organisation,
    make_region,
    make_user,
)

# --- Helpers --------------------------------------------------------------------------------------


def page_url(campaign) -> str:
    return reverse("campaigns:evaluation", args=[campaign.slug])


def workbook_url(campaign) -> str:
    return reverse("campaigns:evaluation-xlsx", args=[campaign.slug])


def learning_url(campaign) -> str:
    return reverse("campaigns:evaluation-learning", args=[campaign.slug])


def log(campaign, organisation, **fields) -> Activity:
    fields.setdefault("activity_type", Activity.Type.POSTERS)
    fields.setdefault("started_on", date(2024, 2, 1))
    return activity_services.log_activity(
        Activity(campaign=campaign, organisation=organisation, **fields), actor=None, materials=[]
    )


class _Tables(HTMLParser):
    """Every table of a page as its caption and rows of cell texts (whitespace collapsed)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr":
            self._row = []
        elif tag in {"th", "td", "caption"}:
            self._text = []

    def handle_endtag(self, tag):
        if tag in {"th", "td"} and self._text is not None and self._row is not None:
            self._row.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "caption" and self._text is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._text).split())
            self._text = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def table(html: str, caption_starts: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(html)
    found = [t for t in parser.tables if t["caption"].startswith(caption_starts)]
    assert found, f"no table captioned {caption_starts!r}"
    return found[0]["rows"]


def row(rows: list[list], label: str) -> list:
    return next(r for r in rows if r and r[0] == label)


def section(html: str, start: str, end: str) -> str:
    return html[html.index(f'id="{start}"') : html.index(f'id="{end}"')]


def open_workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(body(response)))


def block(workbook, sheet: str, title_starts: str) -> list[tuple]:
    """The rows of one table in a sheet: from the row after its title to the next empty row."""
    rows = list(workbook[sheet].iter_rows(values_only=True))
    start = next(
        i for i, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith(title_starts)
    )
    found = []
    for values in rows[start + 1 :]:
        if not any(value is not None for value in values):
            break
        found.append(values)
    # The sheet pads every row to its widest; a table is as wide as its header row.
    width = len([value for value in found[0] if value is not None])
    return [values[:width] for values in found]


def all_cells(workbook, sheets=None) -> list:
    return [
        cell
        for name in sheets or workbook.sheetnames
        for values in workbook[name].iter_rows()
        for cell in values
        if cell.value is not None
    ]


def cell_values(workbook, sheets=None) -> list:
    return [cell.value for cell in all_cells(workbook, sheets)]


@pytest.fixture
def dated(campaign):
    """The cast's campaign, run from January to June 2024 (so its run is whole months past)."""
    campaign.launch_date, campaign.end_date = date(2024, 1, 1), date(2024, 6, 30)
    campaign.save()
    return campaign


@pytest.fixture
def helpline(db):
    return Channel.objects.create(name="Helpline", slug="helpline", position=1)


def figure(area, channel, start, end, count, **fields) -> HelpSeekerFigure:
    return HelpSeekerFigure.objects.create(
        region=area.region,
        force_area=area,
        channel=channel,
        period_start=start,
        period_end=end,
        count=count,
        **fields,
    )


@pytest.fixture
def partners_work(dated, force_a, council_b):
    """Avon and Somerset: two poster runs and an interview. South Somerset: three posts."""
    log(dated, force_a, quantity=40, reach=1_000, reach_source="counted", engagement=10)
    log(dated, force_a, quantity=60, reach=2_500, reach_source="estimate", channel="Libraries")
    log(dated, force_a, activity_type=Activity.Type.INTERVIEW, channel="BBC Points West")
    for _ in range(3):
        log(
            dated,
            council_b,
            activity_type=Activity.Type.SOCIAL_POST,
            channel="Facebook",
            reach=259_259,
            reach_source="platform",
            engagement=3_333,
        )
    return dated


# --- What the charity sees ------------------------------------------------------------------------


def test_the_admins_report_shows_every_partners_activity_and_reach(
    client_for, charity_admin, partners_work, force_a, council_b, police_officer
):
    campaign = partners_work
    quiet = make_organisation("Dorset Police", Organisation.Kind.POLICE_FORCE)
    CampaignPartner.objects.create(campaign=campaign, organisation=quiet)
    poster = make_material(campaign, title="Launch poster")
    make_material(campaign, title="Still in review", approved=False)
    for _ in range(2):
        material_services.record_downloads(
            [poster.versions.get()],
            user=police_officer,
            organisation=force_a,
            embargo_acknowledged=False,
        )
    client = client_for(charity_admin)

    response = client.get(page_url(campaign))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 January 2024 to 30 June 2024" in html
    activity = table(html, "Activity records by partner")
    assert activity[0] == [
        "Partner",
        "Posters or leaflets displayed",
        "Social media post",
        "Interview",
        "Total",
    ]
    assert row(activity, "Avon and Somerset Police") == [
        "Avon and Somerset Police",
        "2",
        "0",
        "1",
        "3",
    ]
    assert row(activity, "South Somerset District Council")[1:] == ["0", "3", "0", "3"]
    assert row(activity, "Dorset Police")[1:] == ["0", "0", "0", "0"]
    assert row(activity, "Total")[1:] == ["2", "3", "1", "6"]
    by_partner = table(html, "Reach and engagement by partner")
    # Records, with a reach figure, reach, with an engagement figure, engagement.
    assert row(by_partner, "Avon and Somerset Police")[1:] == ["3", "2", "3,500", "1", "10"]
    assert row(by_partner, "South Somerset District Council")[1:] == [
        "3",
        "3",
        "777,777",
        "3",
        "9,999",
    ]
    assert row(by_partner, "Dorset Police")[1:] == ["0", "0", "none given", "0", "none given"]
    assert "from its own sources" in html
    downloads = table(html, "Downloads of the campaign's material")
    assert row(downloads, "Avon and Somerset Police")[1:] == ["2", "1"]
    materials = table(html, "Approved material, not withdrawn")
    assert row(materials, "Poster")[1:] == ["1"]
    assert "Still in review" not in html

    workbook = open_workbook(client.get(workbook_url(campaign)))
    assert workbook.sheetnames == ["Inputs", "Outputs", "Outtakes", "Outcomes", "Learning"]
    outputs = block(workbook, "Outputs", "Activity records by partner")
    assert row(outputs, "Avon and Somerset Police") == ("Avon and Somerset Police", 2, 0, 1, 3)
    assert row(outputs, "South Somerset District Council") == (
        "South Somerset District Council",
        0,
        3,
        0,
        3,
    )
    assert row(outputs, "Total") == ("Total", 2, 3, 1, 6)
    reach = block(workbook, "Outtakes", "Reach and engagement by partner")
    assert row(reach, "South Somerset District Council") == (
        "South Somerset District Council",
        3,
        3,
        777_777,
        3,
        9_999,
    )
    assert row(reach, "Avon and Somerset Police")[1:] == (3, 2, 3_500, 1, 10)
    assert row(reach, "Dorset Police")[1:] == (0, 0, None, 0, None)
    assert row(block(workbook, "Inputs", "Partners"), "Dorset Police")[1] == "Police force"
    assert row(block(workbook, "Outputs", "Downloads"), "Avon and Somerset Police")[1:] == (2, 1)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REPORT_EXPORTED)
    assert (entry.actor, entry.campaign, entry.data["scope"]) == (
        charity_admin,
        campaign,
        "all partners",
    )


def test_reach_is_summed_by_type_and_by_channel(client_for, charity_admin, partners_work):
    log(partners_work, partners_work.partners.first().organisation, channel=" libraries ")
    html = client_for(charity_admin).get(page_url(partners_work)).content.decode()
    by_type = table(html, "Reach and engagement by activity type")
    assert row(by_type, "Posters or leaflets displayed")[1:] == ["3", "2", "3,500", "1", "10"]
    assert row(by_type, "Total")[1:] == ["7", "5", "781,277", "4", "10,009"]
    by_channel = table(html, "Reach and engagement by channel")
    # “Libraries” and “ libraries ” are one channel; records without one are “Not given”.
    assert row(by_channel, "Libraries")[1:3] == ["2", "1"]
    assert row(by_channel, "Not given")[1:3] == ["1", "1"]
    sources = table(html, "Records with a reach figure, by where")
    assert row(sources, "The platform's own statistics") == ["The platform's own statistics", "3"]


# --- What a partner sees --------------------------------------------------------------------------


def test_a_partner_sees_only_its_own_organisations_outputs(
    client_for, police_officer, partners_work
):
    client = client_for(police_officer)
    html = client.get(page_url(partners_work)).content.decode()
    work = section(html, "outputs", "outcomes")
    assert "Avon and Somerset Police" in work
    assert "South Somerset District Council" not in work
    assert "Facebook" not in work
    assert "777,777" not in html and "9,999" not in html
    assert row(table(html, "Activity records by partner"), "Total")[1:] == ["2", "1", "3"]
    assert row(table(html, "Reach and engagement by partner"), "Total")[1:] == [
        "3",
        "2",
        "3,500",
        "1",
        "10",
    ]
    assert learning_url(partners_work) not in html, "only the campaign's admins write it"
    # Partners and material are not secret within the campaign: the inputs list every partner.
    assert "South Somerset District Council" in section(html, "inputs", "outputs")

    workbook = open_workbook(client.get(workbook_url(partners_work)))
    work_cells = cell_values(workbook, ["Outputs", "Outtakes"])
    assert "Avon and Somerset Police" in work_cells
    assert "South Somerset District Council" not in work_cells
    assert "Facebook" not in work_cells
    assert not {777_777, 9_999, 259_259, 3_333} & set(cell_values(workbook))
    assert row(block(workbook, "Outputs", "Activity records"), "Total") == ("Total", 2, 1, 3)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REPORT_EXPORTED)
    assert entry.data["scope"] == "own organisation"
    assert entry.organisation.name == "Avon and Somerset Police"


def test_a_partner_counts_only_its_own_downloads_and_the_material_it_may_see(
    client_for, council_officer, charity_admin, dated, force_a, council_b, police_officer
):
    poster = make_material(dated, title="Poster for all")
    make_material(dated, title="Police briefing", kind="key_messages", audience="police_forces")
    material_services.record_downloads(
        [poster.versions.get()] * 4,
        user=police_officer,
        organisation=force_a,
        embargo_acknowledged=False,
    )
    material_services.record_downloads(
        [poster.versions.get()],
        user=council_officer,
        organisation=council_b,
        embargo_acknowledged=False,
    )
    html = client_for(council_officer).get(page_url(dated)).content.decode()
    downloads = table(html, "Downloads of the campaign's material")
    assert [r[0] for r in downloads[1:]] == ["South Somerset District Council", "Total"]
    assert row(downloads, "Total")[1:] == ["1", "1"]
    assert "Police briefing" not in html
    assert row(table(html, "Approved material, not withdrawn"), "Total")[1:] == ["1"]

    admin_html = client_for(charity_admin).get(page_url(dated)).content.decode()
    assert row(table(admin_html, "Downloads of the campaign's material"), "Total")[1:] == [
        "5",
        "1",
    ]
    assert "Police briefing" in admin_html


def test_small_numbers_are_withheld_from_a_partners_outcomes(
    client_for, police_officer, charity_admin, dated, force_a, region, helpline
):
    avon, wiltshire = force_a.force_area, make_force_area("Wiltshire", region)
    before, after = (date(2023, 10, 1), date(2023, 12, 31)), (date(2024, 1, 1), date(2024, 3, 31))
    figure(avon, helpline, *before, 3)
    figure(wiltshire, helpline, *before, 892)
    figure(avon, helpline, *after, 40)
    figure(wiltshire, helpline, *after, 900)

    client = client_for(police_officer)
    html = client.get(page_url(dated)).content.decode()
    effect = table(html, "People seeking help in the 3 months before and after")
    assert row(effect, "Avon and Somerset")[1:4] == [
        "fewer than 5",
        "40",
        "not shown: the counts are too small",
    ]
    assert row(effect, "Total for South West England")[1:3] == ["about 895", "940"]
    assert "Wiltshire" not in [r[0] for r in effect]
    assert "892" not in html
    areas = table(html, "People seeking help in South West England by area")
    assert [r[0] for r in areas[1:]] == ["Avon and Somerset", "Total for South West England"]
    assert "Counts below 5 are shown as “fewer than 5”" in html

    workbook = open_workbook(client.get(workbook_url(dated)))
    effect_rows = block(workbook, "Outcomes", "People seeking help before and after launch")
    assert row(effect_rows, "Avon and Somerset")[1:3] == ("fewer than 5", 40)
    assert row(effect_rows, "Total for South West England")[1:3] == ("about 895", 940)
    assert 892 not in cell_values(workbook)

    admin_html = client_for(charity_admin).get(page_url(dated)).content.decode()
    admin_effect = table(admin_html, "People seeking help in the 3 months before and after")
    assert row(admin_effect, "Wiltshire")[1:3] == ["892", "900"]
    assert row(admin_effect, "Total for South West England")[1:4] == ["895", "940", "+5%"]


# --- Outcomes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "launch,end,today,expected",
    [
        # Whole months: from the month of launch to the month it ended.
        (date(2024, 1, 15), date(2024, 6, 10), date(2026, 1, 1), "January to June 2024"),
        # Still running: to the last whole month before today.
        (date(2024, 1, 1), None, date(2024, 3, 5), "January to February 2024"),
        (date(2024, 1, 1), date(2024, 12, 31), date(2024, 3, 5), "January to February 2024"),
    ],
)
def test_the_campaigns_run_is_whole_months_up_to_the_last_whole_month(
    campaign, launch, end, today, expected
):
    campaign.launch_date, campaign.end_date = launch, end
    assert run_window(campaign, today).label == expected


def test_a_campaign_that_has_not_run_a_whole_month_has_no_run_yet(campaign):
    campaign.launch_date = date(2024, 3, 1)
    assert run_window(campaign, date(2024, 3, 20)) is None


@pytest.fixture
def scotland(charity):
    """Like the 2017 campaign with Police Scotland: 586 people before launch, 1,008 after."""
    area = make_force_area("Scotland", make_region("Scotland"))
    police = make_organisation("Police Scotland", Organisation.Kind.POLICE_FORCE, force_area=area)
    campaign = make_campaign(
        "Scotland 2017",
        lead=charity,
        partners=(police,),
        region=area.region,
        launch_date=date(2017, 6, 1),
        end_date=date(2017, 8, 31),
    )
    combined = Channel.objects.create(name="Website and helpline (not split)", slug="combined")
    figure(area, combined, date(2017, 3, 1), date(2017, 5, 31), 586)
    figure(area, combined, date(2017, 6, 1), date(2017, 8, 31), 1_008)
    return campaign


def test_the_campaign_effect_shows_before_after_and_the_change(client_for, charity_admin, scotland):
    client = client_for(charity_admin)
    html = client.get(page_url(scotland)).content.decode()
    effect = table(html, "People seeking help in the 3 months before and after")
    assert effect[1][1:] == [
        "Before: March to May 2017",
        "After: June to August 2017",
        "Change",
        "Larger than chance?",
        "March to May 2016",
        "June to August 2016",
        "Change",
    ]
    not_comparable = "not comparable: figures for March to August 2016 are missing (Scotland)"
    assert row(effect, "Total for Scotland")[1:] == [
        "586",
        "1,008",
        "+72%",
        "clearly larger than chance variation (95% interval +55% to +90%)",
        "–",
        "–",
        not_comparable,
    ]
    # No figures a year earlier: said, not passed off as zero, and no percentage.
    assert (
        "People seeking help rose 72% after launch (clearly larger than chance variation, 95% "
        "interval +55% to +90%); the same months a year earlier are not comparable, so a "
        "seasonal change is not ruled out." in html
    )
    run = table(html, "People seeking help in Scotland by area and channel, June to August 2017")
    assert row(run, "Scotland")[1:] == ["1,008", "1,008"]
    assert "llustrative" not in html

    workbook = open_workbook(client.get(workbook_url(scotland)))
    effect_rows = block(workbook, "Outcomes", "People seeking help before and after launch")
    assert row(effect_rows, "Total for Scotland")[:4] == ("Total for Scotland", 586, 1_008, 0.72)
    percent = next(c for c in all_cells(workbook, ["Outcomes"]) if c.value == 0.72)
    assert (percent.data_type, percent.number_format) == ("n", "+0%;-0%;0%")
    assert row(effect_rows, "Total for Scotland")[7] == not_comparable
    number = next(c for c in all_cells(workbook, ["Outcomes"]) if c.value == 1_008)
    assert number.data_type == "n"


def test_illustrative_figures_are_labelled(client_for, charity_admin, dated, force_a, helpline):
    avon = force_a.force_area
    for start, end, count in [
        (date(2023, 10, 1), date(2023, 12, 31), 120),
        (date(2024, 1, 1), date(2024, 3, 31), 180),
    ]:
        figure(avon, helpline, start, end, count, is_illustrative=True)
    client = client_for(charity_admin)
    html = client.get(page_url(dated)).content.decode()
    assert "Illustrative figures." in html
    assert "Before and after launch (illustrative)" in html
    assert "By area during the campaign (illustrative)" in html

    workbook = open_workbook(client.get(workbook_url(dated)))
    titles = [v for v in cell_values(workbook, ["Outcomes"]) if isinstance(v, str)]
    assert "People seeking help before and after launch (illustrative)" in titles
    assert any(
        t.startswith("People seeking help by area") and "(illustrative)" in t for t in titles
    )
    assert any(t.startswith("Illustrative figures. ") for t in titles)


def test_a_campaign_without_a_region_says_its_effect_cannot_be_measured(
    client_for, charity_admin, dated
):
    dated.region = None
    dated.save()
    html = client_for(charity_admin).get(page_url(dated)).content.decode()
    assert "The campaign has no region" in html


def test_the_comparison_of_launched_and_not_yet_launched_areas_is_for_the_campaign_team(
    client_for, charity_admin, police_officer, dated, force_a, region, helpline
):
    later = make_organisation("Dorset Police", force_area=make_force_area("Dorset", region))
    CampaignPartner.objects.create(campaign=dated, organisation=later, launch_date=date(2024, 9, 1))
    for area, before, after in [(force_a.force_area, 100, 150), (later.force_area, 80, 82)]:
        figure(area, helpline, date(2023, 10, 1), date(2023, 12, 31), before)
        figure(area, helpline, date(2024, 1, 1), date(2024, 3, 31), after)
    html = client_for(charity_admin).get(page_url(dated)).content.decode()
    comparison = table(html, "Areas where the campaign had launched")
    assert comparison[1][1:] == ["100", "150", "+50%"]
    assert comparison[2][0] == "Not yet launched: Dorset"
    assert comparison[2][1:] == ["80", "82", "+2%"]

    partner_html = client_for(police_officer).get(page_url(dated)).content.decode()
    assert "Areas where the campaign had launched" not in partner_html
    assert "it would show other areas" in partner_html


# --- The workbook ---------------------------------------------------------------------------------


def test_the_workbook_writes_partners_text_as_text_never_as_a_formula(
    client_for, charity_admin, dated, force_a
):
    log(dated, force_a, channel="=1+1", reach=10)
    workbook = open_workbook(client_for(charity_admin).get(workbook_url(dated)))
    cell = next(c for c in all_cells(workbook) if c.value == "=1+1")
    assert cell.data_type == "s", "written as text, never as a formula"


# --- Learning -------------------------------------------------------------------------------------


def test_the_learning_is_shown_with_its_line_breaks_or_said_to_be_missing(
    client_for, police_officer, campaign
):
    client = client_for(police_officer)
    assert "No learning has been recorded yet." in client.get(page_url(campaign)).content.decode()
    campaign.evaluation_learning = "Posters in libraries worked.\nRadio did not."
    campaign.save()
    html = client.get(page_url(campaign)).content.decode()
    assert "Posters in libraries worked.<br>Radio did not." in html
    workbook = open_workbook(client.get(workbook_url(campaign)))
    assert [r[0] for r in block(workbook, "Learning", "Learning")] == [
        "Posters in libraries worked.",
        "Radio did not.",
    ]


def test_a_campaign_admin_writes_the_learning(client_for, charity_admin, campaign):
    client = client_for(charity_admin)
    assert client.get(learning_url(campaign)).status_code == 200
    response = client.post(
        learning_url(campaign), {"learning": "Partners wanted the toolkit earlier.\r\nKeep radio."}
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(campaign) + "#learning"
    campaign.refresh_from_db()
    assert campaign.evaluation_learning == "Partners wanted the toolkit earlier.\nKeep radio."
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CAMPAIGN_UPDATED)
    assert (entry.actor, entry.campaign, entry.data) == (
        charity_admin,
        campaign,
        {"changed": ["evaluation_learning"]},
    )
    # Saving the same words again changes nothing and records nothing.
    client.post(
        learning_url(campaign), {"learning": "Partners wanted the toolkit earlier.\nKeep radio."}
    )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CAMPAIGN_UPDATED).count() == 1


def test_learning_that_is_too_long_is_refused(client_for, charity_admin, campaign):
    response = client_for(charity_admin).post(learning_url(campaign), {"learning": "x" * 20_001})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.evaluation_learning == ""
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CAMPAIGN_UPDATED).exists()


@pytest.mark.parametrize(
    "person,status",
    [
        ("police_officer", 403),
        ("council_officer", 403),
        ("other_force_officer", 404),
        ("other_charity_admin", 404),
        ("outsider", 404),
    ],
)
def test_only_the_campaigns_admins_write_the_learning(
    client_for, request, campaign, other_campaign, person, status
):
    client = client_for(request.getfixturevalue(person))
    assert client.get(learning_url(campaign)).status_code == status
    assert client.post(learning_url(campaign), {"learning": "Mine"}).status_code == status
    campaign.refresh_from_db()
    assert campaign.evaluation_learning == ""
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CAMPAIGN_UPDATED).exists()


# --- Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["charity_admin", "police_officer", "council_officer"])
def test_the_campaigns_admins_and_partners_may_read_the_report(
    client_for, request, campaign, person
):
    client = client_for(request.getfixturevalue(person))
    assert client.get(page_url(campaign)).status_code == 200
    assert client.get(workbook_url(campaign)).status_code == 200


@pytest.mark.parametrize("person", ["other_force_officer", "other_charity_admin", "outsider"])
def test_everyone_else_is_told_the_campaign_does_not_exist(
    client_for, request, campaign, other_campaign, person
):
    client = client_for(request.getfixturevalue(person))
    assert client.get(page_url(campaign)).status_code == 404
    assert client.get(workbook_url(campaign)).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REPORT_EXPORTED).exists()


def test_the_report_needs_sign_in_and_the_right_method(client, client_for, charity_admin, campaign):
    for url in (page_url(campaign), workbook_url(campaign), learning_url(campaign)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("agencies:sign-in"))
    signed_in = client_for(charity_admin)
    assert signed_in.post(page_url(campaign)).status_code == 405
    assert signed_in.post(workbook_url(campaign)).status_code == 405
    assert signed_in.delete(learning_url(campaign)).status_code == 405


# --- Queries --------------------------------------------------------------------------------------


def test_the_report_costs_the_same_queries_whatever_the_amount_of_data(
    client_for, charity_admin, police_officer, dated, force_a, region, helpline
):
    def count(person) -> int:
        client = client_for(person)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(dated)).status_code == 200
        return len(queries)

    def take_part(number: int) -> None:
        organisation = make_organisation(
            f"Force {number}", force_area=make_force_area(f"Area {number}", region)
        )
        CampaignPartner.objects.create(campaign=dated, organisation=organisation)
        material_services.record_downloads(
            [poster.versions.get()],
            user=make_user(organisation=organisation),
            organisation=organisation,
            embargo_acknowledged=False,
        )
        for kind in (Activity.Type.POSTERS, Activity.Type.SOCIAL_POST, Activity.Type.EVENT):
            log(dated, organisation, activity_type=kind, reach=number + 1, channel=f"C{number}")
        figure(organisation.force_area, helpline, date(2023, 10, 1), date(2023, 12, 31), 50)
        figure(organisation.force_area, helpline, date(2024, 1, 1), date(2024, 3, 31), 70)

    poster = make_material(dated, title="Poster")
    log(dated, force_a, reach=10)
    figure(force_a.force_area, helpline, date(2023, 10, 1), date(2023, 12, 31), 40)
    take_part(0)
    assert dated.partners.count() == 3
    admin_few, partner_few = count(charity_admin), count(police_officer)
    for number in range(1, 18):
        take_part(number)
    assert dated.partners.count() == 20

    # session, the person with their memberships and authenticator, campaign; the report:
    # partners, activity by organisation, type and reach source, activity by channel, downloads
    # by organisation and item, material; the effect and the campaign's run, read once: the
    # partners' launch dates, the region's areas, its channels, its figures around launch and
    # over the run; the partners whose own reports the person may have.
    assert count(charity_admin) == admin_few == 13
    assert count(police_officer) == partner_few == 13


def test_the_long_tables_rows_are_marked_up_as_their_templates_wrote_them():
    from django.template import Context, Template
    from django.utils import translation

    from campaigns.evaluation.report import DownloadRow, MaterialItem, OutputRow, PartnerEntry

    # Each table's rows as the report's templates wrote them before, and as they are written now.
    tables = {
        "partners": (
            '{% for partner in rows %}<tr><th scope="row" class="fw-normal">{{ partner.name }}'
            "</th><td>{{ partner.kind }}</td><td>{{ partner.launch_date|date:'j M Y' }}"
            "{% if partner.launches_later %} (its own launch date){% endif %}</td></tr>"
            "{% endfor %}",
            "partner_rows",
            [
                PartnerEntry('Avon & Somerset <"A&S">', "Police force", date(2026, 3, 1), False),
                PartnerEntry("O'Brien Council", "Council", date(2026, 12, 31), True),
            ],
        ),
        "material": (
            '{% for item in rows %}<tr><th scope="row" class="fw-normal">{{ item.title }}</th>'
            "<td>{{ item.kind }}</td><td>{{ item.owner }}</td></tr>{% endfor %}",
            "material_rows",
            [MaterialItem("Poster", "<b>Launch</b> & more", "Avon & Somerset")],
        ),
        "activity": (
            '{% for row in rows %}<tr><th scope="row" class="fw-normal">{{ row.label }}</th>'
            '{% for count in row.counts %}<td class="text-end">{{ count|floatformat:"0g" }}</td>'
            '{% endfor %}<td class="text-end fw-semibold">{{ row.total|floatformat:"0g" }}</td>'
            "</tr>{% endfor %}",
            "activity_rows_by_type",
            [OutputRow("A & B <c>", [0, 1_234, 5]), OutputRow("Quiet", [0, 0, 0])],
        ),
        "downloads": (
            '{% for row in rows %}<tr><th scope="row" class="fw-normal">{{ row.label }}</th>'
            '<td class="text-end">{{ row.downloads|floatformat:"0g" }}</td>'
            '<td class="text-end">{{ row.items|floatformat:"0g" }}</td></tr>{% endfor %}',
            "download_rows",
            [DownloadRow("Dorset <Police>", 1_000_000, 7), DownloadRow("Quiet")],
        ),
    }
    for language in ("en-gb", "cy"):
        with translation.override(language):
            for name, (before, tag, rows) in tables.items():
                context = Context({"rows": rows})
                now = Template(f"{{% load evaluation_rows %}}{{% {tag} rows %}}").render(context)
                assert now == Template(before).render(context), (language, name)
    with translation.override("cy"):
        written = Template("{% load evaluation_rows %}{% partner_rows rows %}").render(
            Context({"rows": tables["partners"][2]})
        )
    assert "31 Rhag 2026 (its own launch date)" in written
    assert "Avon &amp; Somerset &lt;&quot;A&amp;S&quot;&gt;" in written
