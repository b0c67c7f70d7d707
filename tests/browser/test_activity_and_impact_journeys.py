"""Journeys 3 and 4 of the product brief past the toolkit: logging activity, and the charity's
figures, impact and evaluation, clicked and typed through a real Chromium.

Every page landed on is scanned with axe-core, and each outcome is checked twice: in the page the
person sees and in the database (rows, counts, the cells of the exported workbook).
"""

import io
import re
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from campaigns.impact.periods import add_months
from campaigns.models import (
    Activity,
    ActivityComment,
    Campaign,
    Channel,
    Download,
    FigureImport,
    HelpSeekerFigure,
)
from tests.browser.test_toolkit_journeys import click_and_scan, sign_in
from tests.factories import make_material

ACTIVITY_URL = re.compile(r"/activity/\d+/$")
ACTIVITY_FORM_URL = re.compile(r"/campaigns/[^/]+/activity/new/")
IMPORT_URL = re.compile(r"/figures/imports/\d+/$")
POSTERS = "Posters or leaflets displayed"
COMMENT = "Thank you: could you add a photo of one of the displays next time?"
LEARNING = (
    "Libraries were the council's best place for posters.\n"
    "Police forces' own posts reached more people than the charity's."
)


# --- Helpers -------------------------------------------------------------------------------------
def uk_date(day: date) -> str:
    """How the portal shows a date in full: "3 November 2026"."""
    return f"{day.day} {day:%B %Y}"


def post_requests(page, url: re.Pattern) -> list:
    """Every POST the page sends to a matching address, recorded as it happens."""
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request) if request.method == "POST" and url.search(request.url) else None
        ),
    )
    return sent


def open_campaign_tab(visit, campaign: Campaign, tab: str) -> None:
    """From anywhere: Home, the campaign, then one of its tabs."""
    page = visit.page
    click_and_scan(visit, page.get_by_role("link", name="Home", exact=True))
    click_and_scan(visit, page.get_by_role("link", name=campaign.name, exact=True))
    nav = page.get_by_role("navigation", name="Campaign sections")
    click_and_scan(visit, nav.get_by_role("link", name=tab, exact=True))


def table_rows(table) -> list[list[str]]:
    """The body rows of a table as the text of their cells (header cells included)."""
    return table.locator("tbody tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.innerText.trim()))"
    )


def channels() -> tuple[Channel, Channel]:
    website = Channel.objects.create(name="Website", slug="website", position=1)
    helpline = Channel.objects.create(name="Helpline", slug="helpline", position=2)
    return website, helpline


def monthly(region, area, channel, month: date, count: int) -> HelpSeekerFigure:
    return HelpSeekerFigure.objects.create(
        region=region,
        force_area=area,
        channel=channel,
        period_start=month,
        period_end=add_months(month, 1) - timedelta(days=1),
        count=count,
    )


def launched_four_months_ago(campaign: Campaign) -> date:
    """Launch the campaign on the first of the month four months ago, as the demo does: three
    whole months after launch have figures, and the month after them is the last whole month."""
    launch = add_months(timezone.localdate().replace(day=1), -4)
    campaign.launch_date = launch
    campaign.save(update_fields=["launch_date"])
    return launch


# --- Journey 3: logging what was done with the poster ---------------------------------------------
def test_a_council_officer_logs_how_they_used_the_poster_and_the_charity_comments(
    visit, campaign, charity_admin, council_officer, council_b
):
    page = visit.page
    today = timezone.localdate()
    campaign.launch_date = today - timedelta(days=60)
    campaign.save(update_fields=["launch_date"])
    poster = make_material(campaign, title="Helpline poster", by=charity_admin)
    Download.objects.create(
        material=poster,
        version=poster.versions.get(),
        user=council_officer,
        organisation=council_b,
        downloaded_at=timezone.now() - timedelta(days=30),
    )
    started, ended = today - timedelta(days=21), today - timedelta(days=7)

    # The home page asks the officer how they used what they downloaded.
    sign_in(visit, council_officer)
    attention = page.get_by_role("region", name="Needs your attention")
    expect(attention).to_contain_text("You downloaded Helpline poster: log how you used this")
    click_and_scan(
        visit, attention.get_by_role("link", name="log how you used this (Helpline poster)")
    )
    assert ACTIVITY_FORM_URL.search(page.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Log what {council_b.name} did")
    expect(page.get_by_role("checkbox", name="Helpline poster")).to_be_checked()
    activity_type = page.get_by_label("Type")
    expect(activity_type).to_have_value(Activity.Type.POSTERS)
    expect(activity_type.locator("option:checked")).to_have_text(POSTERS)

    # Only the fields for posters are shown; the others are hidden and not sent.
    reach = page.get_by_label("Reach", exact=True)
    until = page.get_by_label("Until")
    quantity = page.get_by_label("Quantity")
    expect(quantity).to_be_visible()
    expect(until).to_be_visible()
    expect(reach).to_be_hidden()
    expect(reach).to_be_disabled()
    expect(page.get_by_label("Engagement")).to_be_hidden()
    activity_type.select_option(label="Social media post")
    expect(reach).to_be_visible()
    expect(reach).to_be_enabled()
    expect(page.get_by_label("Engagement")).to_be_visible()
    expect(until).to_be_hidden()
    visit.scan()
    activity_type.select_option(label=POSTERS)
    expect(reach).to_be_hidden()
    expect(until).to_be_visible()

    # Twelve posters in the libraries over two weeks; "Log activity" clicked twice: one record.
    quantity.fill("12")
    page.get_by_label("Place").fill("South Somerset libraries")
    page.get_by_label("Date").fill(f"{started:%Y-%m-%d}")
    until.fill(f"{ended:%Y-%m-%d}")
    sent = post_requests(page, ACTIVITY_FORM_URL)
    page.get_by_role("button", name="Log activity").dblclick()
    # Waiting for a navigation would fail when the second submission cancels the first one's: the
    # address the browser settles on is what counts.
    expect(page).to_have_url(ACTIVITY_URL)
    visit.scan()
    expect(page.get_by_role("status")).to_contain_text("Your activity has been logged.")
    expect(page.get_by_role("heading", level=1)).to_have_text(POSTERS)
    details = page.locator("dl")
    expect(details).to_contain_text(f"{uk_date(started)} to {uk_date(ended)}")
    expect(details).to_contain_text("Quantity12")
    expect(details).to_contain_text("South Somerset libraries")
    expect(details).to_contain_text("Helpline poster")
    assert 1 <= len(sent) <= 2
    activity = Activity.objects.get()
    assert activity.quantity == 12
    assert activity.activity_type == Activity.Type.POSTERS
    assert (activity.started_on, activity.ended_on) == (started, ended)
    assert activity.place == "South Somerset libraries"
    assert activity.reach is None
    assert list(activity.materials.all()) == [poster]
    assert (activity.organisation, activity.campaign, activity.logged_by) == (
        council_b,
        campaign,
        council_officer,
    )

    # The same submission sent again, as a browser resends it when the answer was lost, lands on
    # the same record: its submission key makes it one.
    first = sent[0]
    again = page.request.post(
        first.url,
        headers={"Content-Type": first.headers["content-type"]},
        data=first.post_data_buffer,
    )
    assert again.ok and again.url.endswith(f"/activity/{activity.pk}/")
    assert Activity.objects.count() == 1
    visit.sign_out()

    # The charity's admin sees the council's posters in the readiness view, and comments.
    sign_in(visit, charity_admin)
    open_campaign_tab(visit, campaign, "Readiness")
    row = page.get_by_role("row").filter(has_text=council_b.name)
    expect(row).to_contain_text(f"{POSTERS}: 1")
    expect(row).to_contain_text("1 item downloaded")
    expect(row).to_contain_text("1 since launch")
    click_and_scan(visit, page.get_by_role("link", name="Activity", exact=True).first)
    click_and_scan(visit, page.get_by_role("link", name=POSTERS))
    assert page.url.endswith(f"/activity/{activity.pk}/")
    expect(page.get_by_role("link", name="Change it")).to_have_count(0)
    page.get_by_role("textbox", name="Comment").fill(COMMENT)
    click_and_scan(visit, page.get_by_role("button", name="Add comment"))
    expect(page.get_by_role("status")).to_contain_text("Your comment has been added.")
    comments = page.get_by_role("region", name="Comments")
    expect(comments).to_contain_text(COMMENT)
    comment = ActivityComment.objects.get()
    assert (comment.activity, comment.author, comment.body) == (activity, charity_admin, COMMENT)
    visit.sign_out()

    # The officer sees the comment on their record.
    sign_in(visit, council_officer)
    click_and_scan(visit, page.get_by_role("link", name="Activity", exact=True).first)
    click_and_scan(visit, page.get_by_role("link", name=POSTERS))
    expect(page.get_by_role("region", name="Comments")).to_contain_text(COMMENT)
    expect(page.get_by_role("region", name="Comments")).to_contain_text(charity_admin.full_name)


def log_posters(visit, campaign: Campaign, *, started: date, ended: date) -> None:
    """Open the activity form and fill it in for twelve posters, without saving."""
    page = visit.page
    visit.goto(f"/campaigns/{campaign.slug}/activity/new/")
    page.get_by_label("Type").select_option(label=POSTERS)
    page.get_by_label("Date").fill(f"{started:%Y-%m-%d}")
    page.get_by_label("Until").fill(f"{ended:%Y-%m-%d}")
    page.get_by_label("Quantity").fill("12")
    page.get_by_label("Place").fill("South Somerset libraries")


def test_going_back_to_the_logged_form_and_sending_it_again_logs_one_record(
    visit, campaign, council_officer
):
    """Going back reloads the form (signed-in pages are no-store) with a new submission key, while
    Chromium refills what was typed: sending it again must not log a second record."""
    page = visit.page
    today = timezone.localdate()
    campaign.launch_date = today - timedelta(days=60)
    campaign.save(update_fields=["launch_date"])
    sign_in(visit, council_officer)
    log_posters(
        visit, campaign, started=today - timedelta(days=21), ended=today - timedelta(days=7)
    )
    page.get_by_role("button", name="Log activity").click()
    page.wait_for_url(ACTIVITY_URL)
    visit.scan()
    page.go_back()
    page.wait_for_url(ACTIVITY_FORM_URL)
    visit.scan()
    expect(page.get_by_label("Quantity")).to_have_value("12")  # the browser kept what was typed
    page.get_by_role("button", name="Log activity").click()
    page.wait_for_url(ACTIVITY_URL)
    visit.scan()
    assert Activity.objects.count() == 1


def test_an_end_date_before_the_start_is_refused_beside_the_field_and_nothing_is_saved(
    visit, campaign, council_officer
):
    """The message is beside the field and in the error summary, whose links must be readable
    on the alert's background (WCAG contrast)."""
    page = visit.page
    today = timezone.localdate()
    campaign.launch_date = today - timedelta(days=60)
    campaign.save(update_fields=["launch_date"])
    sign_in(visit, council_officer)
    log_posters(
        visit, campaign, started=today - timedelta(days=7), ended=today - timedelta(days=21)
    )
    click_and_scan(visit, page.get_by_role("button", name="Log activity"))
    assert ACTIVITY_FORM_URL.search(page.url)
    message = "The end date cannot be before the start date."
    until = page.get_by_label("Until")
    expect(until).to_have_attribute("aria-invalid", "true")
    beside = page.locator("#div_id_ended_on")
    expect(beside.locator(".invalid-feedback")).to_have_text(message)
    expect(page.get_by_role("alert")).to_contain_text(f"Until: {message}")
    expect(page.get_by_label("Quantity")).to_have_value("12")
    assert not Activity.objects.exists()


def test_the_activity_forms_show_their_dates(visit, campaign, council_officer, council_b):
    """A date input takes only ISO dates (2026-11-23): one given a date in the UK format shows
    nothing, so the new form would lose today's date and the edit form the record's."""
    page = visit.page
    today = timezone.localdate()
    campaign.launch_date = today - timedelta(days=60)
    campaign.save(update_fields=["launch_date"])
    started, ended = today - timedelta(days=21), today - timedelta(days=7)
    activity = Activity.objects.create(
        campaign=campaign,
        organisation=council_b,
        logged_by=council_officer,
        activity_type=Activity.Type.POSTERS,
        started_on=started,
        ended_on=ended,
        quantity=12,
    )
    sign_in(visit, council_officer)
    visit.goto(f"/campaigns/{campaign.slug}/activity/new/")
    expect(page.get_by_label("Date")).to_have_value(f"{today:%Y-%m-%d}")
    visit.goto(f"/activity/{activity.pk}/edit/")
    expect(page.get_by_label("Date")).to_have_value(f"{started:%Y-%m-%d}")
    expect(page.get_by_label("Until")).to_have_value(f"{ended:%Y-%m-%d}")


# --- Journey 4: figures, the campaign's impact and its evaluation ---------------------------------
def test_a_charity_admin_imports_figures_sees_the_effect_and_exports_the_evaluation(
    visit, campaign, charity_admin, force_a, force_c, region, tmp_path
):
    page = visit.page
    website, helpline = channels()
    avon, wiltshire = force_a.force_area, force_c.force_area
    launch = launched_four_months_ago(campaign)
    # Three months before launch: 100 people; three months after: 150, +50%.
    before = {
        (avon, website): [20, 20, 20],
        (avon, helpline): [4, 3, 3],
        (wiltshire, website): [10, 10, 10],
    }
    after = {
        (avon, website): [30, 30, 30],
        (avon, helpline): [5, 5, 5],
        (wiltshire, website): [15, 15, 15],
    }
    for months, first in ((before, add_months(launch, -3)), (after, launch)):
        for (area, channel), counts in months.items():
            for offset, count in enumerate(counts):
                monthly(region, area, channel, add_months(first, offset), count)
    held = HelpSeekerFigure.objects.count()
    month = add_months(launch, 3)  # the last whole month
    figures = tmp_path / f"help-seekers-{month:%Y-%m}.csv"
    figures.write_text(
        "area,channel,period,count\n"
        f"Avon and Somerset,Website,{month:%Y-%m},31\n"
        f"Avon and Somerset,Helpline,{month:%Y-%m},6\n"
        f"Wiltshire,Website,{month:%Y-%m},17\n"
        f"Wiltshire,Helpline,{month:%Y-%m},8\n",
        encoding="utf-8",
    )
    wrong = tmp_path / "help-seekers-wrong.csv"
    wrong.write_text(
        "area,channel,period,count\n"
        f"Avon and Somerset,Website,{add_months(month, -12):%Y-%m},29\n"
        f"Atlantis,Helpline,{add_months(month, -12):%Y-%m},3\n",
        encoding="utf-8",
    )

    # The admin imports a month of figures: every row is previewed before anything is saved.
    sign_in(visit, charity_admin)
    click_and_scan(visit, page.get_by_role("link", name="Figures", exact=True))
    click_and_scan(visit, page.get_by_role("link", name="Import figures"))
    page.get_by_label("Spreadsheet").set_input_files(figures)
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(IMPORT_URL)
    visit.scan()
    preview = page.get_by_role("table", name="What the import will do")
    span = f"1 {month:%b %Y} to {(add_months(month, 1) - timedelta(days=1)).day} {month:%b %Y}"
    assert table_rows(preview) == [
        ["2", "Avon and Somerset", "Website", span, "31", "Added"],
        ["3", "Avon and Somerset", "Helpline", span, "6", "Added"],
        ["4", "Wiltshire", "Website", span, "17", "Added"],
        ["5", "Wiltshire", "Helpline", span, "8", "Added"],
    ]
    assert HelpSeekerFigure.objects.count() == held, "a preview saves nothing"
    click_and_scan(visit, page.get_by_role("button", name="Save these figures"))
    expect(page.get_by_role("status")).to_contain_text(
        "Saved: 4 figures added, 0 changed, 0 already as imported."
    )
    expect(page.get_by_role("table", name="What this import did")).to_contain_text("Added 31")
    assert HelpSeekerFigure.objects.count() == held + 4
    assert (
        HelpSeekerFigure.objects.get(
            force_area=wiltshire, channel=helpline, period_start=month
        ).count
        == 8
    )
    assert FigureImport.objects.get().status == FigureImport.Status.COMMITTED

    # A file with an unknown area on line 3 is refused whole, with the line and the reason.
    click_and_scan(visit, page.get_by_role("link", name="Figures", exact=True))
    click_and_scan(visit, page.get_by_role("link", name="Import figures"))
    page.get_by_label("Spreadsheet").set_input_files(wrong)
    # The page answers 400 (Bad Request) with the problems, which Chromium logs.
    with visit.expecting_errors(r"status of 400 \(Bad Request\)"):
        click_and_scan(visit, page.get_by_role("button", name="Check the file"))
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("Nothing has been saved: 1 problem to fix in the file")
    expect(problems).to_contain_text("Line 3: area: “Atlantis” is not a force area")
    expect(page.get_by_role("button", name="Save these figures")).to_have_count(0)
    assert HelpSeekerFigure.objects.count() == held + 4
    assert FigureImport.objects.count() == 1

    # The campaign's impact: the area table for the imported month ...
    open_campaign_tab(visit, campaign, "Impact")
    period = page.get_by_role("form", name="Choose the period of the area table")
    period.get_by_label("Area table from").fill(f"{month:%Y-%m}")
    period.get_by_label("to", exact=True).fill(f"{month:%Y-%m}")
    click_and_scan(visit, period.get_by_role("button", name="Show"))
    area_table = page.get_by_role("table", name=f"People seeking help in {region}, {month:%B %Y}")
    assert table_rows(area_table) == [
        ["Avon and Somerset", "31", "6", "37"],
        ["Wiltshire", "17", "8", "25"],
        [f"Total for {region}", "48", "14", "62"],
    ]

    # ... the effect of the campaign, before and after its launch ...
    effect = page.get_by_role("table", name=f"Before and after the launch on {uk_date(launch)}")
    rows = {row[0]: row[1:4] for row in table_rows(effect)}
    assert rows == {
        "Avon and Somerset": ["70", "105", "+50%"],
        "Wiltshire": ["30", "45", "+50%"],
        f"Total for {region}": ["100", "150", "+50%"],
    }

    # ... and the charts, each with its figures in a table that opens.
    for title in (
        "People seeking help before and after launch, by area",
        "People seeking help each month",
    ):
        chart = page.get_by_role("img", name=re.compile(f"^{re.escape(title)}"))
        expect(chart).to_be_visible()
        expect(chart.locator("title")).to_have_text(title)
    data = page.locator("details").filter(has_text="People seeking help each month: the figures")
    expect(data.get_by_role("table")).to_be_hidden()
    data.locator("summary").click()
    expect(data).to_have_attribute("open", "")
    data_table = data.get_by_role("table")
    expect(data_table).to_be_visible()
    by_month = {row[0]: row[1:] for row in table_rows(data_table)}
    assert by_month[f"{launch:%B %Y}"] == ["35", "15"]  # Avon 30 + 5, Wiltshire 15
    assert by_month[f"{month:%B %Y}"] == ["37", "25"]
    visit.scan()

    # The evaluation: downloaded as a workbook, with the effect in its Outcomes sheet.
    nav = page.get_by_role("navigation", name="Campaign sections")
    click_and_scan(visit, nav.get_by_role("link", name="Evaluation", exact=True))
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as a spreadsheet (XLSX)").click()
    downloaded = info.value
    assert downloaded.failure() is None
    assert downloaded.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(downloaded.path()).read_bytes()))
    assert workbook.sheetnames == ["Inputs", "Outputs", "Outtakes", "Outcomes", "Learning"]
    outcomes = [list(row) for row in workbook["Outcomes"].iter_rows(values_only=True)]
    total = next(row for row in outcomes if row and row[0] == f"Total for {region}")
    # The change is a number (0.5, shown as +50%), with the verdict beside it.
    assert total[1:4] == [100, 150, 0.5]
    assert total[4].startswith("clearly larger than chance variation")
    avon_row = next(row for row in outcomes if row and row[0] == "Avon and Somerset")
    assert avon_row[1:4] == [70, 105, 0.5]
    workbook.close()

    # The learning is written through its form and shows in the report.
    click_and_scan(visit, page.get_by_role("link", name="Write the learning"))
    page.get_by_label("What the campaign learned").fill(LEARNING)
    click_and_scan(visit, page.get_by_role("button", name="Save the learning"))
    expect(page.get_by_role("status")).to_contain_text("The learning has been saved.")
    learning = page.locator("#learning")
    for line in LEARNING.splitlines():
        expect(learning).to_contain_text(line)
    campaign.refresh_from_db()
    assert campaign.evaluation_learning == LEARNING


# --- A partner's view of the same figures -----------------------------------------------------
def partner_figures(region, avon, wiltshire, *, launch: date, months_before: int) -> date:
    """Monthly figures for two areas from `months_before` months before launch to the month
    after the three after it, in which Avon and Somerset's helpline counted only 3 people.
    Returns that month."""
    website, helpline = channels()
    month = add_months(launch, 3)
    for offset in range(-months_before, 4):
        first = add_months(launch, offset)
        monthly(region, avon, website, first, 40)
        monthly(region, avon, helpline, first, 3 if first == month else 12)
        monthly(region, wiltshire, website, first, 25)
        monthly(region, wiltshire, helpline, first, 9)
    return month


def open_impact_for_month(visit, campaign: Campaign, month: date) -> None:
    page = visit.page
    open_campaign_tab(visit, campaign, "Impact")
    period = page.get_by_role("form", name="Choose the period of the area table")
    period.get_by_label("Area table from").fill(f"{month:%Y-%m}")
    period.get_by_label("to", exact=True).fill(f"{month:%Y-%m}")
    click_and_scan(visit, period.get_by_role("button", name="Show"))


def test_a_police_officer_sees_only_their_own_area_and_the_region_with_small_counts_withheld(
    visit, campaign, police_officer, force_a, force_c, region
):
    page = visit.page
    avon, wiltshire = force_a.force_area, force_c.force_area
    launch = launched_four_months_ago(campaign)
    # Every month of the windows is covered, a year earlier too, so no window is partly covered.
    month = partner_figures(region, avon, wiltshire, launch=launch, months_before=15)

    sign_in(visit, police_officer)
    open_impact_for_month(visit, campaign, month)
    expect(page.get_by_text("Counts below 5 are shown as “fewer than 5”")).to_be_visible()
    area_table = page.get_by_role("table", name=f"People seeking help in {region}, {month:%B %Y}")
    assert table_rows(area_table) == [
        ["Avon and Somerset", "40", "fewer than 5", "about 45"],
        [f"Total for {region}", "65", "about 10", "about 75"],
    ]
    effect = page.get_by_role("table", name=f"Before and after the launch on {uk_date(launch)}")
    same = "within chance variation (95% interval −20% to +25%)"
    same_total = "within chance variation (95% interval −16% to +19%)"
    assert table_rows(effect) == [
        ["Avon and Somerset", "156", "156", "no change", same, "156", "156", "no change"],
        [f"Total for {region}", "258", "258", "no change", same_total, "258", "258", "no change"],
    ]
    data = page.locator("details").filter(has_text="People seeking help each month: the figures")
    data.locator("summary").click()
    expect(data.locator("thead th")).to_have_text(
        ["Month", "Avon and Somerset", f"Total for {region}"]
    )
    visit.scan()
    # No other area's row anywhere on the page: not in a table, a chart or its key.
    expect(page.get_by_role("main")).not_to_contain_text(wiltshire.name)


def test_what_a_partner_is_told_is_missing_names_no_other_area(
    visit, campaign, police_officer, force_a, force_c, region
):
    """A partner sees its own area's rows only, so what it is told of gaps in the figures must
    not name (or describe) any other area."""
    page = visit.page
    avon, wiltshire = force_a.force_area, force_c.force_area
    launch = launched_four_months_ago(campaign)
    # No figures a year earlier: the effect's year-earlier windows are not covered.
    partner_figures(region, avon, wiltshire, launch=launch, months_before=3)

    sign_in(visit, police_officer)
    open_campaign_tab(visit, campaign, "Impact")
    effect = page.get_by_role("table", name=f"Before and after the launch on {uk_date(launch)}")
    rows = {row[0]: row for row in table_rows(effect)}
    missing = "not comparable: figures for"
    assert rows["Avon and Somerset"][-1].startswith(missing)
    assert rows[f"Total for {region}"][-1].endswith("are missing (for some areas)")
    expect(page.get_by_role("main")).not_to_contain_text(wiltshire.name)


def test_the_monthly_chart_does_not_give_a_withheld_count_away(
    visit, campaign, police_officer, force_a, force_c, region
):
    """The chart's figures beside the area table's exact website counts must not give a withheld
    helpline count away."""
    page = visit.page
    avon, wiltshire = force_a.force_area, force_c.force_area
    launch = launched_four_months_ago(campaign)
    month = partner_figures(region, avon, wiltshire, launch=launch, months_before=15)

    sign_in(visit, police_officer)
    open_impact_for_month(visit, campaign, month)
    area_table = page.get_by_role("table", name=f"People seeking help in {region}, {month:%B %Y}")
    website = {row[0]: int(row[1]) for row in table_rows(area_table)}
    assert website == {"Avon and Somerset": 40, f"Total for {region}": 65}
    data = page.locator("details").filter(has_text="People seeking help each month: the figures")
    data.locator("summary").click()
    shown = {row[0]: row[1:] for row in table_rows(data.get_by_role("table"))}[f"{month:%B %Y}"]
    visit.scan()
    # 43 - 40 would be Avon and Somerset's 3 helpline callers; 77 - 65 the region's 12.
    assert shown[0] != "43", "Avon and Somerset's month gives its withheld helpline count away"
    assert shown[1] != "77", "the region's month gives its withheld helpline count away"
