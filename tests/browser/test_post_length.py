"""Writing a suggested post: a live count of its length against each platform's limit, heard by
screen reader users only when the post goes over a limit or comes back within it."""

from playwright.sync_api import expect

from tests.factories import PASSWORD, make_material

# Counts, in the page, each time the announcement changes.
COUNT_ANNOUNCEMENTS = """() => {
  window.announcements = [];
  const region = document.querySelector(".post-length [role=status]");
  new MutationObserver(() => window.announcements.push(region.textContent))
    .observe(region, { childList: true, characterData: true, subtree: true });
}"""


def lengths(page) -> dict[str, str]:
    items = page.locator(".post-length [data-platform]")
    return {
        items.nth(i).get_attribute("data-platform"): items.nth(i).inner_text()
        for i in range(items.count())
    }


def test_a_suggested_post_shows_its_length_against_each_platforms_limit(
    visit, police_officer, campaign
):
    page = visit.page
    visit.sign_in(police_officer.email, PASSWORD)
    visit.goto(f"/campaigns/{campaign.slug}/toolkit/add/")
    counter = page.locator(".post-length")
    # A poster has no post to count.
    page.get_by_label("Kind").select_option("poster")
    expect(counter).to_be_hidden()
    page.get_by_label("Kind").select_option("suggested_post")
    expect(counter).to_be_visible()
    assert lengths(page) == {
        "X": "X: 0 of 280",
        "Facebook": "Facebook: 0 of 63,206",
        "Instagram": "Instagram: 0 of 2,200",
        "LinkedIn": "LinkedIn: 0 of 3,000",
    }
    text = page.get_by_label("Text", exact=True)
    # The field tells screen reader users where the count is.
    described = text.get_attribute("aria-describedby").split()
    assert counter.get_attribute("id") in described
    page.evaluate(COUNT_ANNOUNCEMENTS)

    # Typed as a person types: the count follows every key, the announcements do not.
    text.press_sequentially("Worried about your own online behaviour? " * 6)  # 246 characters
    assert lengths(page)["X"] == "X: 246 of 280"
    text.press_sequentially("Call 0808 1000 900 now, in confidence.")  # 284
    assert lengths(page)["X"] == "X: 4 over the limit of 280"
    assert lengths(page)["Instagram"] == "Instagram: 284 of 2,200"
    expect(page.locator(".post-length li.text-danger")).to_have_count(1)
    visit.scan()
    # X counts a link as 23 characters, however long it is.
    text.press_sequentially(" https://get-help.stopitnow.org.uk/self-help/")
    assert lengths(page)["X"] == "X: 28 over the limit of 280"
    assert lengths(page)["LinkedIn"] == "LinkedIn: 329 of 3,000"
    for _ in range(45 + 6):  # the link, then six characters
        text.press("Backspace")
    assert lengths(page)["X"] == "X: 278 of 280"
    assert page.evaluate("window.announcements") == [
        "Too long for X (280 characters).",
        "Fits X again.",
    ]
    status = page.locator(".post-length [role=status]")
    assert status.get_attribute("aria-live") == "polite"
    visit.scan()


def test_a_new_version_of_a_suggested_post_counts_too_and_other_material_does_not(
    visit, charity_admin, campaign
):
    post = make_material(campaign, kind="suggested_post", text="Help is available.")
    poster = make_material(campaign)
    visit.sign_in(charity_admin.email, PASSWORD)
    visit.goto(f"/material/{post.pk}/versions/new/")
    visit.page.get_by_label("Text", exact=True).fill("Help is available: 0808 1000 900.")
    visit.page.get_by_label("Text", exact=True).press("End")
    visit.page.get_by_label("Text", exact=True).press_sequentially("!")
    assert lengths(visit.page)["X"] == "X: 34 of 280"
    visit.scan()
    visit.goto(f"/material/{poster.pk}/versions/new/")
    expect(visit.page.locator(".post-length")).to_be_hidden()
