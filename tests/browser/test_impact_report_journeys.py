"""The impact page and a partner's report in a real Chromium, for the charity and for a partner,
scanned with axe-core, on a desktop and on a 390 px phone."""

from playwright.sync_api import expect

from tests.browser.test_activity_and_impact_journeys import (
    launched_four_months_ago,
    open_campaign_tab,
    partner_figures,
)
from tests.browser.test_toolkit_journeys import click_and_scan, sign_in

PHONE = {"width": 390, "height": 844}


def test_the_charity_reads_the_effect_and_produces_a_partners_report(
    visit, campaign, charity_admin, force_a, force_c, region
):
    page = visit.page
    launch = launched_four_months_ago(campaign)
    partner_figures(region, force_a.force_area, force_c.force_area, launch=launch, months_before=15)

    sign_in(visit, charity_admin)
    open_campaign_tab(visit, campaign, "Impact")
    expect(page.locator(".effect-net").first).to_contain_text(
        "People seeking help did not change after launch"
    )
    expect(
        page.get_by_text("People seeking help before and after launch, by area").first
    ).to_be_visible()
    page.set_viewport_size(PHONE)
    visit.scan()

    nav = page.get_by_role("navigation", name="Campaign sections")
    click_and_scan(visit, nav.get_by_role("link", name="Evaluation", exact=True))
    reports = page.get_by_role("region", name="A partner's own report")
    click_and_scan(visit, reports.get_by_role("link", name="South Somerset District Council"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"South Somerset District Council: report on {campaign.name}"
    )
    expect(page.locator(".partner-summary")).to_contain_text(
        "South Somerset District Council took part in"
    )
    # The partners' rules whoever produces it: the month with 3 helpline callers is withheld.
    expect(page.get_by_role("main")).not_to_contain_text(force_c.force_area.name)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as a spreadsheet (XLSX)").click()
    assert info.value.suggested_filename.endswith(".xlsx")


def test_a_partner_reads_its_own_area_and_its_own_report(
    visit, campaign, police_officer, force_a, force_c, region
):
    page = visit.page
    launch = launched_four_months_ago(campaign)
    partner_figures(region, force_a.force_area, force_c.force_area, launch=launch, months_before=15)

    sign_in(visit, police_officer)
    open_campaign_tab(visit, campaign, "Impact")
    # On a phone from here on (the site's menu folds away; the campaign's tabs stay).
    page.set_viewport_size(PHONE)
    visit.scan()
    expect(page.locator(".effect-net").nth(1)).to_contain_text(
        "People seeking help in Avon and Somerset did not change after launch"
    )
    expect(page.get_by_role("main")).not_to_contain_text(force_c.force_area.name)

    nav = page.get_by_role("navigation", name="Campaign sections")
    click_and_scan(visit, nav.get_by_role("link", name="Evaluation", exact=True))
    reports = page.get_by_role("region", name="Your organisation's report")
    expect(reports.get_by_role("link")).to_have_count(1)
    click_and_scan(visit, reports.get_by_role("link", name="Avon and Somerset Police"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Avon and Somerset Police: report on {campaign.name}"
    )
    expect(page.get_by_role("main")).not_to_contain_text(force_c.force_area.name)
