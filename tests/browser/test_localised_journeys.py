"""A partner makes its localised press release and its co-branded poster from the charity's
templates, the charity approves them, a figure changes and the partner regenerates the release:
in a real Chromium, every page scanned with axe-core."""

import re
from pathlib import Path

from playwright.sync_api import expect

from campaigns.models import HelpSeekerFigure, LocalisedMaterial, LocalisedTemplate
from campaigns.services import localising
from tests.factories import (
    PASSWORD,
    make_enforcement,
    make_help_seekers,
    make_material,
    make_template,
    png_bytes,
)

MATERIAL_URL = re.compile(r"/material/\d+/$")


def sign_in(visit, user) -> None:
    visit.sign_in(user.email, PASSWORD)
    expect(visit.page.get_by_role("heading", level=1)).to_contain_text("Hello")


def click_and_scan(visit, locator) -> None:
    locator.click()
    visit.page.wait_for_load_state("load")
    visit.scan()


def test_a_partner_localises_a_release_and_a_poster_and_regenerates_when_a_figure_changes(
    visit, campaign, charity_admin, police_officer, force_lead, force_a, tmp_path
):
    page = visit.page
    campaign.websites = "https://www.get-help.stopitnow.org.uk"
    campaign.helpline_number = "0808 1000 900"
    campaign.save()
    release_template = make_template(campaign, by=charity_admin, title="Release to localise")
    poster_material = make_material(
        campaign, title="Poster to co-brand", by=charity_admin, file_bytes=png_bytes((600, 800))
    )
    poster_template = localising.mark_template(
        poster_material,
        actor=charity_admin,
        kind=LocalisedTemplate.Kind.POSTER,
        logo_zone=[0.05, 0.8, 0.4, 0.15],
        text_zone=[0.5, 0.8, 0.45, 0.15],
        poster_text="{{ organisation_name }} supports the campaign: {{ helpline }}",
    )
    make_help_seekers(force_a.force_area, 2017, website=818, helpline=77)
    make_enforcement(campaign, force_a)

    # The force's lead adds its logo on the organisation's page.
    logo = Path(tmp_path / "logo.png")
    logo.write_bytes(png_bytes((300, 100), "red"))
    sign_in(visit, force_lead)
    visit.goto(f"/organisations/{force_a.slug}/")
    page.get_by_label("Logo (PNG or JPEG, at most 2 MB)").set_input_files(logo)
    click_and_scan(visit, page.get_by_role("button", name="Save the logo"))
    expect(page.get_by_role("status")).to_contain_text("The logo has been saved")
    visit.sign_out()

    # A member of the force makes its press release: values, quotes, preview, submit.
    sign_in(visit, police_officer)
    visit.goto(f"/material/{release_template.material.pk}/")
    click_and_scan(visit, page.get_by_role("link", name="Make your version"))
    values = page.get_by_role("table", name=re.compile("Each field's value"))
    expect(values).to_contain_text("895")
    expect(values).to_contain_text("Avon and Somerset Police's enforcement figures")
    expect(page.locator("#missing-values")).to_contain_text("Quote 1: words")
    page.get_by_label("Quote 1: speaker").fill("Will White")
    page.get_by_label("Quote 1: role").fill("Head of Protect")
    page.get_by_label("Quote 1: words").fill("Behind every image is a child.")
    click_and_scan(visit, page.get_by_role("button", name="Preview"))
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("have undertaken 90 search warrants")
    expect(preview).to_contain_text("Head of Protect Will White said: Behind every image")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(MATERIAL_URL)
    visit.scan()
    expect(page.locator("#made-from")).to_contain_text("Made from Release to localise")
    release = LocalisedMaterial.objects.get(template=release_template)
    assert release.material.owner_organisation == force_a

    # And its co-branded poster.
    visit.goto(f"/material/{poster_material.pk}/")
    click_and_scan(visit, page.get_by_role("link", name="Make your version"))
    expect(page.get_by_role("table", name=re.compile("Each field's value"))).to_contain_text(
        "utm_source=avon-and-somerset-police"
    )
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(MATERIAL_URL)
    visit.scan()
    poster = LocalisedMaterial.objects.get(template=poster_template)
    assert poster.material.versions.get().content_type == "image/png"
    visit.sign_out()

    # The charity approves both.
    sign_in(visit, charity_admin)
    for made in (release, poster):
        visit.goto(f"/material/{made.material.pk}/")
        click_and_scan(visit, page.get_by_role("button", name="Approve version 1"))
        expect(page.get_by_role("status")).to_contain_text("Version 1 is approved.")
    visit.sign_out()

    # A figure is corrected; the partner sees it and regenerates in one step.
    HelpSeekerFigure.objects.filter(channel__slug="helpline").update(count=100)
    sign_in(visit, police_officer)
    visit.goto(f"/material/{release.material.pk}/")
    changed = page.locator("#figures-changed")
    expect(changed).to_contain_text("Figures have changed since approval")
    expect(changed).to_contain_text("Help-seekers: total: 895 then, 918 now")
    click_and_scan(visit, page.get_by_role("button", name="Regenerate with today's figures"))
    expect(page.get_by_role("status")).to_contain_text("Version 2 has been made")
    newest = release.material.versions.order_by("-number").first()
    assert newest.number == 2 and newest.status == "in_review"
    assert "918 people" in newest.text
