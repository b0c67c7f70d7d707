"""Logging activity straight after a download, in a real Chromium: the confirmation box appears
as soon as a date outside the campaign's run is chosen, and a photo chosen once stays attached
through an error elsewhere in the form."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Activity
from tests.browser.test_toolkit_journeys import click_and_scan, png_file, sign_in
from tests.factories import make_material

ACTIVITY_URL = re.compile(r"/activity/\d+/$")


def test_a_photo_survives_an_error_and_the_date_box_is_there_when_needed(
    visit, campaign, charity_admin, council_officer, council_b, tmp_path
):
    page = visit.page
    today = timezone.localdate()
    campaign.launch_date = today - timedelta(days=10)
    campaign.save(update_fields=["launch_date"])
    poster = make_material(campaign, title="Helpline poster", by=charity_admin)

    sign_in(visit, council_officer)
    visit.goto(f"/material/{poster.pk}/")
    with page.expect_download():
        page.get_by_role("link", name=re.compile(r"^Download \(")).click()
    click_and_scan(visit, page.get_by_role("link", name="Home", exact=True))
    attention = page.get_by_role("region", name="Needs your attention")
    click_and_scan(
        visit, attention.get_by_role("link", name="log how you used this (Helpline poster)")
    )

    # Today is in the campaign's run: the date is today and no confirmation is asked.
    date = page.get_by_label("Date")
    expect(date).to_have_value(today.isoformat())
    confirm = page.get_by_label("I confirm it happened outside the campaign")
    expect(confirm).to_be_hidden()
    # Preparation before launch: the box appears as soon as the date is chosen.
    date.fill((campaign.launch_date - timedelta(days=3)).isoformat())
    expect(confirm).to_be_visible()
    date.fill(today.isoformat())
    expect(confirm).to_be_hidden()

    # A photo, and a mistake elsewhere in the form.
    page.get_by_label("Evidence").set_input_files(png_file(tmp_path, "photo.png", size=(40, 30)))
    page.get_by_label("Quantity").fill("-3")
    click_and_scan(visit, page.get_by_role("button", name="Log activity"))
    expect(page.get_by_label("Quantity")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Attached: photo.png")).to_be_visible()
    assert not Activity.objects.exists()

    # Corrected, and sent without choosing the photo again.
    page.get_by_label("Quantity").fill("12")
    page.get_by_role("button", name="Log activity").click()
    page.wait_for_url(ACTIVITY_URL)
    visit.scan()
    activity = Activity.objects.get()
    assert activity.organisation == council_b
    assert activity.evidence_name == "photo.png"
    assert activity.evidence
