"""Logging activity: quick to fill, refuses bad input beside the field, never saves half-way."""

import io
import uuid
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import AuditEntry
from campaigns.models import Activity, ActivityRevision
from campaigns.services import material as material_services
from tests.factories import make_material, png_bytes
from tests.stored import stored_names


def new_url(campaign):
    return reverse("campaigns:activity-create", args=[campaign.slug])


def posters(**overrides):
    data = {
        "activity_type": "posters",
        "started_on": "2026-07-10",
        "ended_on": "2026-08-10",
        "quantity": "12",
        "channel": "Libraries",
        "place": "Yeovil library",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_form_starts_with_today_and_the_organisations_own_area(
    client_for, council_officer, campaign, council_b
):
    form = client_for(council_officer).get(new_url(campaign)).context["form"]
    assert form.initial["started_on"] == timezone.localdate()
    assert form.initial["force_area"] == council_b.force_area_id


def test_a_council_officer_logs_posters_displayed_in_12_libraries(
    client_for, council_officer, campaign, council_b
):
    response = client_for(council_officer).post(
        new_url(campaign), posters(force_area=council_b.force_area_id)
    )
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:activity-detail", args=[activity.pk])
    assert (activity.organisation, activity.campaign, activity.logged_by) == (
        council_b,
        campaign,
        council_officer,
    )
    assert (activity.quantity, activity.place, activity.ended_on) == (
        12,
        "Yeovil library",
        date(2026, 8, 10),
    )
    assert activity.revisions.get().number == 1
    assert AuditEntry.objects.filter(action="activity.logged", organisation=council_b).exists()


def test_a_double_submit_creates_one_record(client_for, council_officer, campaign):
    client = client_for(council_officer)
    data = posters()
    first = client.post(new_url(campaign), data)
    second = client.post(new_url(campaign), data)
    assert first["Location"] == second["Location"]
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"quantity": "-3"}, "quantity", "greater than or equal to 0"),
        ({"quantity": "50000000"}, "quantity", "less than or equal to 1000000"),
        ({"ended_on": "2026-07-01"}, "ended_on", "cannot be before the start date"),
        ({"link": "javascript:alert(1)"}, "link", "Enter a valid URL"),
        ({"reach": "100"}, "reach_source", "Say where the reach figure comes from"),
        (
            {
                "activity_type": "social_post",
                "reach": "100",
                "reach_source": "platform",
                "engagement": "500",
            },
            "engagement",
            "cannot be more than the reach",
        ),
        ({"started_on": "2099-01-01", "ended_on": None}, "started_on", "in the future"),
        ({"activity_type": "bonfire"}, "activity_type", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_saved(
    client_for, council_officer, campaign, overrides, field, message
):
    response = client_for(council_officer).post(new_url(campaign), posters(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert not Activity.objects.exists()
    assert not ActivityRevision.objects.exists()


def test_a_date_before_launch_needs_confirming_and_is_then_saved(
    client_for, council_officer, campaign
):
    client = client_for(council_officer)
    early = posters(started_on="2026-05-20", ended_on=None)
    response = client.post(new_url(campaign), early)
    assert "outside the campaign's run" in " ".join(response.context["form"].errors["started_on"])
    assert "I confirm it happened outside the campaign" in response.content.decode()
    assert not Activity.objects.exists()
    confirmed = client.post(new_url(campaign), {**early, "confirm_dates": "on"})
    assert confirmed.status_code == 302
    assert Activity.objects.get().started_on == date(2026, 5, 20)


def photo_with_location() -> bytes:
    image = Image.new("RGB", (40, 30), "green")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (2.0, 35.0, 0.0)}  # GPS position
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_evidence_is_saved_without_its_location(client_for, council_officer, campaign):
    original = photo_with_location()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    client_for(council_officer).post(
        new_url(campaign), posters(evidence_file=SimpleUploadedFile("library.jpg", original))
    )
    activity = Activity.objects.get()
    stored = activity.evidence.read()
    assert stored != original
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)
    assert activity.evidence_name == "library.jpg"


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo"), "PDF"),
        (SimpleUploadedFile("photo.png", b"<html><body>hi</body></html>"), "HTML"),
    ],
)
def test_evidence_of_the_wrong_type_is_refused_and_nothing_stored(
    client_for, council_officer, campaign, settings, upload, message
):
    response = client_for(council_officer).post(new_url(campaign), posters(evidence_file=upload))
    assert message in " ".join(response.context["form"].errors["evidence_file"])
    assert not Activity.objects.exists()
    assert stored_names() == []


def test_evidence_too_large_is_refused(client_for, council_officer, campaign, settings):
    settings.UPLOAD_MAX_MB = 1
    big = png_bytes() + b"\x00" * (1024 * 1024)
    response = client_for(council_officer).post(
        new_url(campaign), posters(evidence_file=SimpleUploadedFile("big.png", big))
    )
    assert "the limit" in " ".join(response.context["form"].errors["evidence_file"])
    assert not Activity.objects.exists()


def test_material_used_is_chosen_from_what_the_organisation_downloaded(
    client_for, council_officer, campaign, council_b
):
    downloaded = make_material(campaign, title="Poster")
    other = make_material(campaign, title="Not downloaded")
    material_services.record_downloads(
        [downloaded.versions.get()],
        user=council_officer,
        organisation=council_b,
        embargo_acknowledged=False,
    )
    client = client_for(council_officer)
    choices = list(client.get(new_url(campaign)).context["form"].fields["materials"].queryset)
    assert choices == [downloaded]
    refused = client.post(new_url(campaign), posters(materials=[other.pk]))
    assert "Select a valid choice" in " ".join(refused.context["form"].errors["materials"])
    client.post(new_url(campaign), posters(materials=[downloaded.pk]))
    assert list(Activity.objects.get().materials.all()) == [downloaded]


def test_the_log_link_beside_a_download_fills_in_the_material(
    client_for, council_officer, campaign, council_b
):
    poster = make_material(campaign, title="Poster")
    material_services.record_downloads(
        [poster.versions.get()],
        user=council_officer,
        organisation=council_b,
        embargo_acknowledged=False,
    )
    client = client_for(council_officer)
    home = client.get(reverse("home")).content.decode()
    link = f"{new_url(campaign)}?material={poster.pk}"
    assert link.replace("&", "&amp;") in home or link in home
    form = client.get(link).context["form"]
    assert form.initial["materials"] == [poster.pk]
    assert form.initial["activity_type"] == "posters"
    client.post(new_url(campaign), posters(materials=[poster.pk]))
    assert "log how you used this" not in client.get(reverse("home")).content.decode()


def test_protected_fields_in_the_post_are_ignored(
    client_for, council_officer, campaign, council_b, force_a
):
    client_for(council_officer).post(
        new_url(campaign), posters(organisation=force_a.pk, logged_by=1, campaign=999)
    )
    activity = Activity.objects.get()
    assert (activity.organisation, activity.logged_by) == (council_b, council_officer)


@pytest.mark.parametrize("who", ["other_force_officer", "other_charity_admin", "outsider"])
def test_people_outside_the_campaign_get_404(client_for, campaign, who, request):
    assert (
        client_for(request.getfixturevalue(who)).post(new_url(campaign), posters()).status_code
        == 404
    )
    assert not Activity.objects.exists()


def test_logging_needs_sign_in_and_refuses_other_methods(
    client, client_for, council_officer, campaign
):
    assert client.post(new_url(campaign), posters()).status_code == 302
    assert client_for(council_officer).put(new_url(campaign)).status_code == 405
    assert not Activity.objects.exists()


def test_a_campaign_admin_logs_the_charitys_own_activity(
    client_for, charity_admin, campaign, charity
):
    client_for(charity_admin).post(
        new_url(campaign),
        posters(
            activity_type="social_post", reach="19000000", reach_source="platform", ended_on=None
        ),
    )
    assert Activity.objects.get().organisation == charity


def test_yesterday_is_not_the_future(client_for, council_officer, campaign):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(council_officer).post(
        new_url(campaign), posters(started_on=yesterday, ended_on=None, confirm_dates="on")
    )
    assert response.status_code == 302
