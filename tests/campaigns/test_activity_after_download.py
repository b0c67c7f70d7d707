"""Logging activity after a download: a date the campaign accepts, launch day never "in the
future", the confirmation box there from the start, and an evidence file that survives an error
elsewhere in the form."""

import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from campaigns.models import Activity, CampaignPartner
from lib import held_uploads
from lib.held_uploads import HeldUploads, remove_stale_held_uploads
from tests.factories import make_user, png_bytes


def new_url(campaign):
    return reverse("campaigns:activity-create", args=[campaign.slug])


def posters(campaign, **overrides):
    data = {
        "activity_type": "posters",
        "started_on": campaign.launch_date.isoformat(),
        "quantity": "12",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def held_files(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / held_uploads.FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def page_text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


# --- The date ----------------------------------------------------------------------------------


def suggested_day(client, campaign):
    return client.get(new_url(campaign)).context["form"].initial["started_on"]


def test_the_date_is_today_while_the_campaign_runs(client_for, council_officer, campaign):
    assert suggested_day(client_for(council_officer), campaign) == timezone.localdate()


def test_before_launch_the_date_is_the_launch_day_which_is_accepted(
    client_for, council_officer, campaign
):
    campaign.launch_date = timezone.localdate() + timedelta(days=7)
    campaign.save(update_fields=["launch_date"])
    client = client_for(council_officer)
    assert suggested_day(client, campaign) == campaign.launch_date
    response = client.post(new_url(campaign), posters(campaign))
    assert response.status_code == 302, response.context["form"].errors
    assert Activity.objects.get().started_on == campaign.launch_date


def test_a_partners_own_launch_day_is_accepted_but_other_future_days_are_not(
    client_for, council_officer, council_b, campaign
):
    own_launch = timezone.localdate() + timedelta(days=5)
    CampaignPartner.objects.filter(organisation=council_b).update(launch_date=own_launch)
    client = client_for(council_officer)
    later = client.post(
        new_url(campaign), posters(campaign, started_on=(own_launch + timedelta(1)).isoformat())
    )
    assert "this date is in the future" in page_text(later)
    launched = client.post(new_url(campaign), posters(campaign, started_on=own_launch.isoformat()))
    assert launched.status_code == 302
    assert Activity.objects.get().started_on == own_launch


def test_after_the_end_the_date_is_the_last_day_of_the_run(client_for, council_officer, campaign):
    campaign.end_date = timezone.localdate() - timedelta(days=3)
    campaign.save(update_fields=["end_date"])
    assert suggested_day(client_for(council_officer), campaign) == campaign.end_date


def test_the_confirmation_box_is_there_from_the_start(client_for, council_officer, campaign):
    page = client_for(council_officer).get(new_url(campaign)).content.decode()
    assert 'name="confirm_dates"' in page
    assert "I confirm it happened outside the campaign" in page
    client = client_for(council_officer)
    before_launch = (campaign.launch_date - timedelta(days=2)).isoformat()
    response = client.post(
        new_url(campaign), posters(campaign, started_on=before_launch, confirm_dates="on")
    )
    assert response.status_code == 302, "one submission is enough when the box is ticked"


# --- Evidence kept through an error ------------------------------------------------------------


def with_photo(campaign, **overrides):
    photo = SimpleUploadedFile("photo.png", png_bytes((40, 30), "teal"), "image/png")
    return posters(campaign, evidence_file=photo, **overrides)


def test_an_evidence_file_survives_a_form_error(client_for, council_officer, campaign, settings):
    client = client_for(council_officer)
    refused = client.post(new_url(campaign), with_photo(campaign, quantity="-3"))
    assert refused.status_code == 200
    assert not Activity.objects.exists()
    assert "Attached: photo.png" in page_text(refused)
    token = refused.context["held_token"]
    assert token and f'name="evidence_token" value="{token}"' in refused.content.decode()
    assert len(held_files(settings)) == 1
    # Sent again, corrected, without choosing the file again.
    response = client.post(new_url(campaign), posters(campaign, evidence_token=token))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.evidence_name == "photo.png"
    assert activity.evidence.read().startswith(b"\x89PNG")
    assert held_files(settings) == [], "the held file is gone once used"
    assert held_uploads.SESSION_KEY not in client.session


def test_a_second_error_keeps_the_file_still(client_for, council_officer, campaign, settings):
    client = client_for(council_officer)
    first = client.post(new_url(campaign), with_photo(campaign, quantity="-3"))
    token = first.context["held_token"]
    second = client.post(new_url(campaign), posters(campaign, quantity="-1", evidence_token=token))
    assert "Attached: photo.png" in page_text(second)
    assert second.context["held_token"] == token
    assert len(held_files(settings)) == 1


def test_a_token_from_another_session_attaches_nothing(
    client, client_for, council_officer, council_b, campaign
):
    refused = client_for(council_officer).post(
        new_url(campaign), with_photo(campaign, quantity="-3")
    )
    token = refused.context["held_token"]
    colleague = make_user("colleague@council-b.example", organisation=council_b)
    other = client_for(colleague)
    response = other.post(new_url(campaign), posters(campaign, evidence_token=token))
    assert response.status_code == 302
    assert not Activity.objects.get().evidence


@pytest.mark.parametrize(
    "token", ["../../portal/settings.py", "held-uploads/anything", "/etc/passwd", "x" * 500]
)
def test_a_path_sent_by_the_browser_is_never_used(client_for, council_officer, campaign, token):
    response = client_for(council_officer).post(
        new_url(campaign), posters(campaign, evidence_token=token)
    )
    assert response.status_code == 302
    assert not Activity.objects.get().evidence


def test_held_uploads_expire(client_for, council_officer, campaign, settings):
    client = client_for(council_officer)
    token = client.post(new_url(campaign), with_photo(campaign, quantity="-3")).context[
        "held_token"
    ]
    later = timezone.now() + timedelta(minutes=held_uploads.HOLD_MINUTES + 1)
    session = client.session
    assert HeldUploads(session, now=later).get(token) is None
    assert held_files(settings) == [], "an expired upload's file is removed when next looked at"


def test_files_left_by_ended_sessions_are_swept(client_for, council_officer, campaign, settings):
    client = client_for(council_officer)
    client.post(new_url(campaign), with_photo(campaign, quantity="-3"))
    client.post(new_url(campaign), with_photo(campaign, quantity="-3"))
    (old, recent) = held_files(settings)
    hours_ago = (timezone.now() - timedelta(hours=3)).timestamp()
    os.utime(old, (hours_ago, hours_ago))
    assert remove_stale_held_uploads(dry_run=True) == 1
    assert remove_stale_held_uploads() == 1
    assert held_files(settings) == [recent]
