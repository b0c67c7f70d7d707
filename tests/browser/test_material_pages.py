"""The material page in a real Chromium: what only a browser shows, such as the shape of a
preview once the page's layout has placed it."""

from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_material, png_bytes

# The shape of an A-series poster's preview: taller than wide.
PORTRAIT = (339, 480)

DRAWN = """img => {
  const box = img.getBoundingClientRect();
  return {complete: img.complete, naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight, width: box.width, height: box.height,
          fit: getComputedStyle(img).objectFit};
}"""


def portrait_poster(campaign, owner, by):
    """A poster waiting for review, with a portrait preview stored as the portal stores one."""
    material = make_material(
        campaign,
        owner=owner,
        approved=False,
        by=by,
        title="Force poster",
        file_bytes=png_bytes(PORTRAIT, "darkblue"),
    )
    version = material.versions.get()
    version.preview.save("preview.png", ContentFile(png_bytes(PORTRAIT, "darkblue")), save=False)
    version.preview_width, version.preview_height = PORTRAIT
    version.save()
    return material


def drawn_preview(page, container):
    preview = container.locator("img.material-preview")
    expect(preview).to_be_visible()
    preview.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    return preview.evaluate(DRAWN)


def assert_keeps_its_shape(drawn) -> None:
    natural = drawn["naturalWidth"] / drawn["naturalHeight"]
    shown = drawn["width"] / drawn["height"]
    assert abs(shown - natural) < 0.02, drawn
    assert drawn["width"] <= PORTRAIT[0] + 2 and drawn["height"] <= PORTRAIT[1] + 2, drawn


def test_the_review_panel_and_the_submitter_see_the_preview_in_its_own_proportions(
    visit, campaign, charity_admin, police_officer, force_a
):
    material = portrait_poster(campaign, force_a, police_officer)
    page = visit.page

    visit.sign_in(charity_admin.email, PASSWORD)
    visit.goto(f"/material/{material.pk}/")
    panel = page.get_by_role("region", name="Version 1 is waiting for your review")
    preview = panel.locator("img.material-preview")
    expect(preview).to_have_attribute("width", "339")
    expect(preview).to_have_attribute("height", "480")
    assert_keeps_its_shape(drawn_preview(page, panel))
    visit.sign_out()

    # The officer who sent it sees what they sent while it waits.
    visit.sign_in(police_officer.email, PASSWORD)
    visit.goto(f"/material/{material.pk}/")
    sent = page.get_by_role("region", name="Version 1, waiting for review")
    assert_keeps_its_shape(drawn_preview(page, sent))


def test_a_narrow_screen_shrinks_the_preview_without_distorting_it(
    visit, campaign, charity_admin, police_officer, force_a
):
    material = portrait_poster(campaign, force_a, police_officer)
    visit.page.set_viewport_size({"width": 320, "height": 800})
    visit.sign_in(charity_admin.email, PASSWORD)
    visit.goto(f"/material/{material.pk}/")
    panel = visit.page.get_by_role("region", name="Version 1 is waiting for your review")
    drawn = drawn_preview(visit.page, panel)
    assert drawn["width"] < PORTRAIT[0]
    assert_keeps_its_shape(drawn)
