"""Every page's visible text is checked for doubled words and doubled punctuation, as a reader
would trip over them; the check itself is tested here."""

import pytest

from tests.browser.conftest import doubled_text
from tests.factories import PASSWORD, make_material


@pytest.mark.parametrize(
    "text",
    [
        "Download the the poster",
        "Download The the poster",
        "It ends here.. Then",
        "Is it?? Yes",
        "before the embargo lifts.: Confirm",
        "posters,, leaflets",
        "Done!! Now",
    ],
)
def test_the_check_finds_a_doubled_word_or_doubled_punctuation(text):
    assert doubled_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "Loading...",
        "Uploading 2 files…",
        "Avon and Somerset Police\tPolice force",  # two table cells
        "Police\nPolice force",  # two lines
        "0 0 2,400",
        "At 12:00 on 2 December. Then",
        "Thesis the sis",
    ],
)
def test_the_check_lets_ordinary_text_through(text):
    assert doubled_text(text) == []


def test_a_page_showing_a_doubled_word_fails_its_scan(visit, police_officer, campaign):
    material = make_material(campaign, title="The the poster")
    visit.sign_in(police_officer.email, PASSWORD)
    visit.page.goto(visit.base_url + f"/material/{material.pk}/")
    with pytest.raises(AssertionError, match=r"(?s)Doubled words or punctuation .*The the poster"):
        visit.scan()
    # The page was looked at, and failed as it should; the test itself has not.
    visit.scanned.add(visit.page.url)
