"""Adding material: who may, what is stored, and what bad input gets back."""

import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Material, MaterialVersion
from tests.factories import make_material, png_bytes
from tests.stored import stored_names


def add_url(campaign):
    return reverse("campaigns:material-add", args=[campaign.slug])


def poster_data(**overrides):
    data = {
        "kind": "poster",
        "title": "Launch poster",
        "audience": "all_partners",
        "alt_text": "The campaign poster with the helpline number",
        "submission_key": str(uuid.uuid4()),
        "file": SimpleUploadedFile("Launch Poster.PNG", png_bytes((300, 200)), "image/png"),
    }
    data.update(overrides)
    return data


def stored_files(settings) -> list[str]:
    return stored_names()


def test_a_campaign_admin_uploads_a_poster_that_waits_for_review(
    client_for,
    charity_admin,
    campaign,
    charity,
    settings,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(charity_admin).post(add_url(campaign), poster_data())
    material = Material.objects.get(title="Launch poster")
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:material-detail", args=[material.pk])
    assert material.owner_organisation == charity
    version = material.versions.get()
    assert version.status == MaterialVersion.Status.IN_REVIEW
    assert version.uploaded_by == charity_admin
    assert (version.width, version.height) == (300, 200)
    assert version.content_type == "image/png"
    assert version.original_filename == "Launch Poster.png"
    assert len(version.sha256) == 64
    assert version.size == version.file.size
    assert version.preview, "images get a thumbnail"
    # Stored under an unguessable name, not the uploaded one.
    assert "Launch" not in version.file.name
    assert AuditEntry.objects.filter(action="asset.submitted", material=material).exists()
    run_tasks()
    assert mail.outbox == [], "the uploader is the only admin, so nobody else is told"


def test_a_partner_submits_material_that_only_they_and_the_admins_see(
    client_for,
    police_officer,
    charity_admin,
    council_officer,
    campaign,
    force_a,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(police_officer).post(
            add_url(campaign),
            poster_data(
                title="Force poster", audience="named", audience_organisations=[force_a.pk]
            ),
        )
    assert response.status_code == 302
    material = Material.objects.get(title="Force poster")
    assert material.owner_organisation == force_a
    run_tasks()
    assert [message.to for message in mail.outbox] == [[charity_admin.email]]
    assert "For your review" in mail.outbox[0].subject
    detail = reverse("campaigns:material-detail", args=[material.pk])
    assert client_for(council_officer).get(detail).status_code == 404


def test_the_upload_answers_json_for_the_page_script(client_for, charity_admin, campaign):
    response = client_for(charity_admin).post(
        add_url(campaign), poster_data(), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True
    assert answer["url"].startswith("/material/")


def test_a_refused_upload_says_why_in_json(client_for, charity_admin, campaign, settings):
    response = client_for(charity_admin).post(
        add_url(campaign),
        poster_data(file=SimpleUploadedFile("poster.png", b"<html><script>1</script></html>")),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "HTML" in " ".join(response.json()["errors"]["file"])
    assert not Material.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("poster.pdf", b"MZ\x90\x00" + b"\x00" * 200), "Windows program"),
        (
            SimpleUploadedFile("poster.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
            "SVG",
        ),
        (SimpleUploadedFile("poster.png", png_bytes()[:40]), "damaged"),
    ],
)
def test_a_wrong_file_is_refused_in_the_form_and_leaves_nothing_behind(
    client_for, charity_admin, campaign, settings, upload, message
):
    response = client_for(charity_admin).post(add_url(campaign), poster_data(file=upload))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Material.objects.exists()
    assert not MaterialVersion.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_limit_for_its_kind_is_refused(
    client_for, charity_admin, campaign, settings
):
    settings.UPLOAD_MAX_MB = 1
    big = png_bytes((64, 48)) + b"\x00" * (1024 * 1024)
    response = client_for(charity_admin).post(
        add_url(campaign), poster_data(file=SimpleUploadedFile("poster.png", big))
    )
    assert response.status_code == 200
    assert "the limit for a poster is 1 MB" in response.content.decode()
    assert not Material.objects.exists()


def test_an_image_needs_alt_text(client_for, charity_admin, campaign):
    response = client_for(charity_admin).post(add_url(campaign), poster_data(alt_text=""))
    assert "Describe the image" in response.content.decode()
    assert not Material.objects.exists()


def test_a_double_submit_creates_one_version(client_for, charity_admin, campaign):
    client = client_for(charity_admin)
    key = str(uuid.uuid4())
    first = client.post(add_url(campaign), poster_data(submission_key=key))
    second = client.post(add_url(campaign), poster_data(submission_key=key))
    assert first["Location"] == second["Location"]
    assert Material.objects.count() == 1
    assert MaterialVersion.objects.count() == 1


def test_a_suggested_post_is_words_with_an_optional_image(client_for, charity_admin, campaign):
    client = client_for(charity_admin)
    response = client.post(
        add_url(campaign),
        {
            "kind": "suggested_post",
            "title": "Post",
            "audience": "all_partners",
            "text": "Help is available: 0808 1000 900 #stopitnow",
        },
    )
    assert response.status_code == 302
    version = Material.objects.get(title="Post").versions.get()
    assert version.text == "Help is available: 0808 1000 900 #stopitnow"
    assert not version.file


def test_a_suggested_post_without_words_is_refused(client_for, charity_admin, campaign):
    response = client_for(charity_admin).post(
        add_url(campaign), {"kind": "suggested_post", "title": "Post", "audience": "all_partners"}
    )
    assert "Write the words of the suggested post" in response.content.decode()
    assert not Material.objects.exists()


def test_a_poster_needs_a_file(client_for, charity_admin, campaign):
    data = poster_data()
    del data["file"]
    response = client_for(charity_admin).post(add_url(campaign), data)
    assert "Choose the file of the poster" in response.content.decode()


@pytest.mark.parametrize(
    "overrides,message",
    [
        (
            {"release_at": "2027-02-01T09:00", "expires_at": "2027-01-01T09:00"},
            "after the release time",
        ),
        (
            {"embargo_until": "2027-02-01T09:00", "expires_at": "2027-01-01T09:00"},
            "after the embargo",
        ),
        ({"audience": "named"}, "Choose at least one organisation"),
        ({"title": ""}, "This field is required"),
    ],
)
def test_bad_details_are_explained_and_nothing_is_saved(
    client_for, charity_admin, campaign, settings, overrides, message
):
    response = client_for(charity_admin).post(add_url(campaign), poster_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Material.objects.exists()
    assert stored_files(settings) == []


def test_tags_are_shared_whatever_their_case(client_for, charity_admin, campaign):
    client = client_for(charity_admin)
    client.post(add_url(campaign), poster_data(tag_names="Launch day, A3"))
    client.post(add_url(campaign), poster_data(title="Second", tag_names="launch DAY"))
    from campaigns.models import Tag

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["A3", "Launch day"]
    assert Material.objects.get(title="Second").tags.get().name == "Launch day"


@pytest.mark.parametrize("who", ["other_force_officer", "other_charity_admin", "outsider"])
def test_people_outside_the_campaign_get_404(client_for, campaign, who, request):
    response = client_for(request.getfixturevalue(who)).post(add_url(campaign), poster_data())
    assert response.status_code == 404
    assert not Material.objects.exists()


def test_adding_needs_sign_in_and_refuses_other_methods(
    client, client_for, charity_admin, campaign
):
    assert client.get(add_url(campaign)).status_code == 302
    assert client_for(charity_admin).put(add_url(campaign)).status_code == 405


def test_protected_fields_in_a_partner_post_are_ignored(
    client_for, police_officer, campaign, force_a, charity
):
    client_for(police_officer).post(
        add_url(campaign),
        poster_data(status="approved", owner_organisation=charity.pk, campaign=0),
    )
    material = Material.objects.get()
    assert material.owner_organisation == force_a
    assert material.versions.get().status == MaterialVersion.Status.IN_REVIEW


def test_a_new_version_replaces_one_still_waiting(client_for, charity_admin, campaign):
    material = make_material(campaign, approved=False)
    response = client_for(charity_admin).post(
        reverse("campaigns:version-add", args=[material.pk]),
        {
            "file": SimpleUploadedFile("v2.png", png_bytes((10, 10))),
            "alt_text": "Version two",
            "change_note": "A sharper image",
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    statuses = dict(material.versions.values_list("number", "status"))
    assert statuses == {1: "replaced", 2: "in_review"}


def test_a_partner_cannot_add_a_version_to_the_charitys_material(
    client_for, police_officer, campaign
):
    material = make_material(campaign)
    response = client_for(police_officer).post(
        reverse("campaigns:version-add", args=[material.pk]),
        {"file": SimpleUploadedFile("v2.png", png_bytes()), "alt_text": "x"},
    )
    assert response.status_code == 403
    assert material.versions.count() == 1
