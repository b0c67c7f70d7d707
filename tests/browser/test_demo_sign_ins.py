"""Each demo sign-in from the README signs in and sees exactly its campaigns."""

import pytest

from campaigns.demo import load_demo
from campaigns.demo.people import DEMO_PASSWORD

SOUTH_WEST = "South West England regional campaign"
SCOTLAND = "Scotland campaign with Police Scotland (2017)"
WINTER = "South West winter campaign"  # Devon and Cornwall, Dorset, Avon and Somerset


@pytest.mark.parametrize(
    "email,campaigns",
    [
        ("charity.admin@demo.example", {SOUTH_WEST, SCOTLAND, WINTER}),
        ("police.comms@demo.example", {SOUTH_WEST, WINTER}),
        ("council.officer@demo.example", {SOUTH_WEST}),
        ("devon.comms@demo.example", {SOUTH_WEST, WINTER}),
    ],
)
def test_each_demo_sign_in_sees_exactly_its_campaigns(visit, email, campaigns):
    load_demo()
    visit.sign_in(email, DEMO_PASSWORD)
    page = visit.page
    listed = page.get_by_role("region", name="Your campaigns").get_by_role("heading", level=3)
    listed = listed.all_inner_texts()
    assert set(listed) == campaigns

    page.get_by_role("link", name=SOUTH_WEST, exact=True).click()
    visit.scan()
    assert page.get_by_role("heading", level=1).inner_text() == SOUTH_WEST
    visit.sign_out()
    assert page.get_by_role("heading", name="Sign in").is_visible()


def test_a_wrong_password_keeps_the_person_out(visit):
    load_demo()
    visit.sign_in("police.comms@demo.example", "not the password")
    assert "The e-mail address or password is not right" in visit.page.content()
    assert visit.page.get_by_role("heading", name="Sign in").is_visible()


def test_a_lead_invites_a_colleague_from_the_organisation_page(visit):
    load_demo()
    visit.sign_in("devon.comms@demo.example", DEMO_PASSWORD)
    page = visit.page
    page.get_by_role("link", name="Devon and Cornwall Police").click()
    visit.scan()
    page.get_by_role("link", name="Invite someone").click()
    visit.scan()
    page.get_by_label("E-mail address").fill("new.officer@devon.example")
    page.get_by_label("Partner member").check()
    page.get_by_role("button", name="Send the invitation").click()
    visit.scan()
    assert "An invitation has been sent to new.officer@devon.example" in page.content()
    assert "new.officer@devon.example as partner member" in page.content()
