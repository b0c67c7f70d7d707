"""When the reviewer asks for changes: the comment is in front of the owner, the new-version form
fits the kind of material and asks what changed, the reviewer reads that, and every submission is
confirmed."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import strip_tags

from campaigns.models import MaterialVersion
from campaigns.services import material as material_services
from tests.factories import make_material, png_bytes

COMMENT = "Please put the helpline number at the bottom, in larger type."


def page_text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def add_version_url(material):
    return reverse("campaigns:version-add", args=[material.pk])


def detail_url(material):
    return reverse("campaigns:material-detail", args=[material.pk])


@pytest.fixture
def sent_back(campaign, force_a, police_officer, charity_admin):
    """Force A's poster, which the charity's admin has sent back with a comment."""
    material = make_material(
        campaign, owner=force_a, approved=False, by=police_officer, title="Force poster"
    )
    material_services.request_changes(material.versions.get(), actor=charity_admin, comment=COMMENT)
    return material


def new_version(**overrides):
    data = {
        "file": SimpleUploadedFile("v2.png", png_bytes((339, 480)), "image/png"),
        "alt_text": "The force poster with the helpline number at the bottom",
        "change_note": "Moved the helpline number to the bottom and made it bigger",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_comment_is_a_banner_at_the_top_of_the_owners_page(
    client_for, police_officer, sent_back
):
    page = client_for(police_officer).get(detail_url(sent_back)).content.decode()
    banner = page.index('id="changes-requested-heading"')
    assert COMMENT in page[banner : banner + 1500]
    # Above everything else about the material: its versions, its details.
    assert banner < page.index("Versions and decisions")
    assert banner < page.index("Who it is for and when")


def test_nobody_else_sees_the_banner(client_for, council_officer, campaign, charity_admin):
    material = make_material(campaign, title="Shared poster")
    assert "changes-requested-heading" not in page_text(
        client_for(council_officer).get(detail_url(material))
    )


def test_the_new_version_page_repeats_the_comment_and_fits_a_poster(
    client_for, police_officer, sent_back
):
    response = client_for(police_officer).get(add_version_url(sent_back))
    assert COMMENT in response.content.decode()
    form = response.context["form"]
    assert set(form.fields) == {"file", "alt_text", "change_note", "submission_key"}
    assert 'name="text"' not in response.content.decode()
    assert "What changed" in page_text(response)


@pytest.mark.parametrize(
    "kind,fields",
    [
        ("poster", {"file", "alt_text"}),
        ("social_card", {"file", "alt_text"}),
        ("suggested_post", {"file", "text", "alt_text"}),
        ("press_release", {"file", "text"}),
        ("film", {"file"}),
        ("key_messages", {"file", "text"}),
        ("brand_file", {"file", "alt_text"}),
    ],
)
def test_each_kind_is_offered_only_the_fields_that_fit(
    client_for, charity_admin, campaign, kind, fields
):
    text = "Words" if kind in {"suggested_post", "press_release", "key_messages"} else ""
    material = make_material(campaign, kind=kind, text=text)
    form = client_for(charity_admin).get(add_version_url(material)).context["form"]
    assert set(form.fields) == fields | {"change_note", "submission_key"}


def test_a_new_version_needs_a_note_of_what_changed(client_for, police_officer, sent_back):
    response = client_for(police_officer).post(
        add_version_url(sent_back), new_version(change_note="  ")
    )
    assert response.status_code == 200
    assert "Say in a sentence what changed" in response.content.decode()
    assert sent_back.versions.count() == 1


def test_the_reviewer_reads_what_changed_and_the_submitter_is_thanked(
    client_for, police_officer, charity_admin, sent_back
):
    response = client_for(police_officer).post(
        add_version_url(sent_back), new_version(), follow=True
    )
    text = page_text(response)
    assert "version 2 of “Force poster” has been submitted and is waiting for review" in text
    second = sent_back.versions.get(number=2)
    assert second.status == MaterialVersion.Status.IN_REVIEW
    assert second.change_note == "Moved the helpline number to the bottom and made it bigger"
    review = page_text(client_for(charity_admin).get(detail_url(sent_back)))
    assert "Version 2 is waiting for your review" in review
    assert "Moved the helpline number to the bottom and made it bigger" in review


def test_a_submission_sent_by_the_pages_script_is_confirmed_on_the_next_page(
    client_for, police_officer, sent_back
):
    client = client_for(police_officer)
    answer = client.post(
        add_version_url(sent_back), new_version(), headers={"accept": "application/json"}
    )
    assert answer.json()["ok"] is True
    landed = page_text(client.get(answer.json()["url"]))
    assert "has been submitted and is waiting for review" in landed


def test_the_stored_preview_keeps_its_size_for_the_page(client_for, police_officer, sent_back):
    client = client_for(police_officer)
    client.post(add_version_url(sent_back), new_version())
    second = sent_back.versions.get(number=2)
    assert (second.preview_width, second.preview_height) == (339, 480)
    page = client.get(detail_url(sent_back)).content.decode()
    # What the officer sent, shown to them while it waits, at its own proportions.
    assert "Version 2, waiting for review" in page
    assert 'width="339" height="480"' in page
