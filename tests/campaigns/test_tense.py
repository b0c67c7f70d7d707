"""Times in the future read as future: material not released yet, a campaign not launched yet."""

import re
from datetime import date, timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from tests.factories import make_material


def page_text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def test_material_released_later_says_partners_cannot_see_it_yet(
    client_for, charity_admin, campaign
):
    release = timezone.now() + timedelta(days=2)
    material = make_material(campaign, title="Launch poster", release_at=release)
    text = page_text(
        client_for(charity_admin).get(reverse("campaigns:material-detail", args=[material.pk]))
    )
    assert "Released to partners at" in text
    assert "partners cannot see this yet" in text
    # Never a bare "Released <time>" for a time still to come.
    assert not re.search(r"Released \d\d:\d\d", text)
    assert not re.search(r"\bReleased (?!to partners at)", text)
    toolkit = page_text(
        client_for(charity_admin).get(reverse("campaigns:toolkit", args=[campaign.slug]))
    )
    assert "partners cannot see this yet" in toolkit


def test_material_already_released_reads_released(client_for, charity_admin, campaign):
    material = make_material(
        campaign, title="Old poster", release_at=timezone.now() - timedelta(days=2)
    )
    text = page_text(
        client_for(charity_admin).get(reverse("campaigns:material-detail", args=[material.pk]))
    )
    assert "Released" in text
    assert "cannot see this yet" not in text


def test_the_approval_mail_for_a_later_release_says_it_will_be_released(
    client_for,
    charity_admin,
    campaign,
    force_a,
    police_officer,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    material = make_material(
        campaign,
        owner=force_a,
        approved=False,
        by=police_officer,
        release_at=timezone.now() + timedelta(days=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(charity_admin).post(reverse("campaigns:version-approve", args=[material.pk, 1]))
    run_tasks()
    assert "It will be released to partners at" in mail.outbox[0].body
    assert "It is released" not in mail.outbox[0].body


def test_a_campaign_that_has_not_launched_launches(campaign):
    today = timezone.localdate()
    campaign.launch_date = today + timedelta(days=3)
    assert campaign.launch_wording().startswith("launches on ")
    assert campaign.launch_wording(today=campaign.launch_date).startswith("launched on ")
    campaign.launch_date = date(2026, 6, 1)
    assert campaign.launch_wording(today=date(2026, 5, 31)) == "launches on 1 June 2026"


def test_logging_activity_before_a_future_launch_says_it_launches(
    client_for, police_officer, campaign
):
    campaign.launch_date = timezone.localdate() + timedelta(days=7)
    campaign.save(update_fields=["launch_date"])
    response = client_for(police_officer).post(
        reverse("campaigns:activity-create", args=[campaign.slug]),
        {"activity_type": "posters", "started_on": timezone.localdate().isoformat(), "quantity": 3},
    )
    text = page_text(response)
    assert "it launches on" in text
    assert "launched" not in text
