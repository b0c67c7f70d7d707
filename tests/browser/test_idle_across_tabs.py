"""The idle warning knows about a person's other tabs: the session is one for all of them, so
activity in one tab keeps the others signed in, and a warning showing in one goes away."""

import time

from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.factories import PASSWORD

# Counts, in the page, each time its warning is put away.
COUNT_WARNINGS_PUT_AWAY = """() => {
  window.warningsPutAway = 0;
  const dialog = document.getElementById("idle-warning");
  new MutationObserver(() => { if (dialog.hidden) { window.warningsPutAway += 1; } })
    .observe(dialog, { attributes: true, attributeFilter: ["hidden"] });
}"""


def put_away(page) -> int | None:
    """How often the page has put its warning away; None once it has left the page."""
    return page.evaluate("window.warningsPutAway")


def two_tabs(visit, settings, person) -> Visit:
    visit.sign_in(person.email, PASSWORD)
    # Eight seconds of idleness instead of half an hour: a tab warns after one second, and a
    # tab left alone signs out eight seconds after the last thing it knew of.
    settings.SESSION_IDLE_MINUTES = 8 / 60
    settings.SESSION_COOKIE_AGE = 8
    visit.goto("/")
    visit.page.evaluate(COUNT_WARNINGS_PUT_AWAY)
    return Visit(visit.page.context.new_page(), visit.base_url)


def test_activity_in_one_tab_keeps_the_other_signed_in_and_puts_its_warning_away(
    visit, settings, police_officer
):
    second = two_tabs(visit, settings, police_officer)
    first = visit.page
    warning = first.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=3_000)
    pages_before = len(visit.landed)

    # The person carries on in the second tab, page after page, well past the first tab's limit.
    for _ in range(5):
        second.goto("/activity/")
        first.wait_for_timeout(2_500)
    # The first tab never left its page to sign in again; it is still signed in.
    assert len(visit.landed) == pages_before
    assert put_away(first) >= 5
    assert first.url == visit.base_url + "/"
    visit.goto("/")
    expect(first.get_by_text(f"Signed in as {police_officer.full_name}")).to_be_visible()
    second.check_finished()


def test_pressing_stay_signed_in_in_one_tab_puts_the_others_warning_away(
    visit, settings, police_officer
):
    second = two_tabs(visit, settings, police_officer)
    first = visit.page
    second.goto("/")
    for page in (first, second.page):
        expect(page.get_by_role("alertdialog", name="Are you still there?")).to_be_visible(
            timeout=3_000
        )
    before = put_away(first)
    with second.page.expect_response(lambda response: "/keep-alive/" in response.url):
        second.page.get_by_role("button", name="Stay signed in").click()
    # Polled from here: a predicate run in the page would need eval, which the CSP forbids.
    deadline = time.monotonic() + 2
    while put_away(first) == before and time.monotonic() < deadline:
        first.wait_for_timeout(50)
    assert put_away(first) == before + 1
    second.check_finished()
