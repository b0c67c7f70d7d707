"""Material a partner may know of but cannot use now says why, on its page and its download
link: not released yet, expired, withdrawn. Nothing else about it is shown."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from campaigns.access import get_material_or_reason
from campaigns.services import material as material_services
from tests.factories import make_material


def detail_url(material):
    return reverse("campaigns:material-detail", args=[material.pk])


def download_url(material):
    return reverse("campaigns:material-download", args=[material.pk])


def text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


# 00:00 UK time on 2 December 2030 (GMT), a time always in the future for these tests.
LATER = datetime(2030, 12, 2, 0, 0, tzinfo=UTC)


def test_material_released_later_says_when_it_is_available(client_for, police_officer, campaign):
    material = make_material(
        campaign, title="Launch poster", release_at=LATER, description="Secret description"
    )
    client = client_for(police_officer)
    for url in (detail_url(material), download_url(material)):
        response = client.get(url)
        assert response.status_code == 409
        page = text(response)
        assert "Launch poster cannot be used now" in page
        assert "This material is available from 00:00 on 2 December 2030 (UK time)" in page
        assert "Secret description" not in page


def test_expired_material_says_when_it_expired(client_for, council_officer, campaign):
    material = make_material(
        campaign, title="Summer card", expires_at=datetime(2026, 9, 1, 11, 0, tzinfo=UTC)
    )
    response = client_for(council_officer).get(detail_url(material))
    assert response.status_code == 410
    assert "This material expired on 12:00 on 1 September 2026" in text(response)  # BST


def test_withdrawn_material_says_when_and_why(
    client_for, charity_admin, council_officer, council_b, campaign
):
    material = make_material(campaign, title="Old card")
    material_services.withdraw(material, actor=charity_admin, reason="The number changed")
    material.refresh_from_db()
    response = client_for(council_officer).get(detail_url(material))
    assert response.status_code == 410
    when = timezone.localtime(material.withdrawn_at).strftime("%H:%M on %-d %B %Y")
    assert f"This material was withdrawn on {when} because: The number changed." in text(response)


def test_the_link_in_a_withdrawal_mail_lands_on_the_explanation(
    client_for,
    charity_admin,
    council_officer,
    council_b,
    campaign,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    material = make_material(campaign, title="Old card")
    material_services.record_downloads(
        [material.versions.get()],
        user=council_officer,
        organisation=council_b,
        embargo_acknowledged=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        material_services.withdraw(material, actor=charity_admin, reason="Out of date")
    run_tasks()
    (message,) = [m for m in mail.outbox if council_officer.email in m.to]
    link = next(line for line in message.body.splitlines() if line.startswith("http://testserver"))
    response = client_for(council_officer).get(link.removeprefix("http://testserver"))
    assert response.status_code == 410
    assert "because: Out of date." in text(response)


def test_admins_and_owners_still_see_the_whole_page(client_for, charity_admin, campaign):
    material = make_material(campaign, title="Launch poster", release_at=LATER)
    response = client_for(charity_admin).get(detail_url(material))
    assert response.status_code == 200
    assert "Released to partners at" in text(response)


@pytest.mark.parametrize(
    "details",
    [
        {"release_at": LATER},
        {"expires_at": datetime(2026, 9, 1, tzinfo=UTC)},
        {"withdrawn_at": datetime(2026, 9, 1, tzinfo=UTC), "withdrawal_reason": "Gone"},
    ],
)
def test_the_access_module_gives_the_material_and_the_reason(
    police_officer, council_officer, campaign, details
):
    shared = make_material(campaign, **details)
    material, reason = get_material_or_reason(police_officer, shared.pk)
    assert material == shared
    assert reason is not None and reason.reason
    usable = make_material(campaign)
    assert get_material_or_reason(council_officer, usable.pk) == (usable, None)


def test_a_release_that_comes_round_makes_the_material_usable(police_officer, campaign):
    material = make_material(campaign, release_at=timezone.now() + timedelta(hours=1))
    assert get_material_or_reason(police_officer, material.pk)[1] is not None
    later = timezone.now() + timedelta(hours=2)
    assert get_material_or_reason(police_officer, material.pk, now=later) == (material, None)
