"""Previews: served under an address that changes with the preview, kept by the person's browser
only when they show what every partner may already see and publish, and cheap to serve."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import MaterialVersion
from tests.factories import make_material, png_bytes


def with_preview(material, number: int = 1) -> MaterialVersion:
    version = material.versions.get(number=number)
    version.preview.save("preview.png", ContentFile(png_bytes((8, 8))))
    return version


def test_a_shared_preview_under_its_address_may_be_kept_by_the_browser_for_a_day(
    client_for, police_officer, campaign
):
    version = with_preview(make_material(campaign))
    response = client_for(police_officer).get(version.preview_url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=86400"
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_address_changes_when_the_preview_changes(campaign):
    version = with_preview(make_material(campaign))
    first = version.preview_url
    version.preview.save("preview.png", ContentFile(png_bytes((9, 9))))
    assert version.preview_url != first
    assert f"/versions/{version.number}/preview/?v={version.number}-" in first


def test_a_preview_without_its_current_address_is_not_kept(client_for, police_officer, campaign):
    version = with_preview(make_material(campaign))
    client = client_for(police_officer)
    plain = reverse("campaigns:version-preview", args=[version.material_id, 1])
    for url in (plain, plain + "?v=1-0000000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_a_preview_waiting_for_review_is_never_kept(client_for, charity_admin, campaign):
    version = with_preview(make_material(campaign, approved=False))
    response = client_for(charity_admin).get(version.preview_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_unreleased_or_embargoed_preview_is_never_kept(client_for, charity_admin, campaign):
    soon = timezone.now() + timedelta(days=2)
    client = client_for(charity_admin)
    for details in ({"release_at": soon}, {"embargo_until": soon}):
        version = with_preview(make_material(campaign, **details))
        response = client.get(version.preview_url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_an_old_version_preview_is_404_to_partners_and_not_kept_for_admins(
    client_for, police_officer, charity_admin, campaign
):
    material = make_material(campaign)
    old = with_preview(material)
    old.status = MaterialVersion.Status.SUPERSEDED
    old.save(update_fields=["status"])
    MaterialVersion.objects.create(
        material=material,
        number=2,
        text="New words",
        status=MaterialVersion.Status.APPROVED,
        decided_at=timezone.now(),
    )
    assert client_for(police_officer).get(old.preview_url).status_code == 404
    response = client_for(charity_admin).get(old.preview_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_pages_of_material_stay_no_store(client_for, police_officer, campaign):
    material = make_material(campaign)
    with_preview(material)
    client = client_for(police_officer)
    for url in (
        reverse("campaigns:toolkit", args=[campaign.slug]),
        reverse("campaigns:material-detail", args=[material.pk]),
    ):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_the_toolkit_and_material_page_link_previews_by_their_address(
    client_for, police_officer, campaign
):
    material = make_material(campaign)
    version = with_preview(material)
    client = client_for(police_officer)
    for url in (
        reverse("campaigns:toolkit", args=[campaign.slug]),
        reverse("campaigns:material-detail", args=[material.pk]),
    ):
        assert f'src="{version.preview_url}"' in client.get(url).content.decode()


def test_a_preview_costs_three_queries_and_writes_nothing(
    client_for, police_officer, campaign, django_assert_num_queries
):
    version = with_preview(make_material(campaign))
    client = client_for(police_officer)
    client.get(reverse("home"))  # records the last activity
    # 1. the session
    # 2. the person with their memberships and authenticator
    # 3. the version with its material and campaign, if visible to the person, and whether a
    #    later version is approved
    with django_assert_num_queries(3), CaptureQueriesContext(connection) as queries:
        response = client.get(version.preview_url)
        b"".join(response.streaming_content)
    assert response.status_code == 200
    assert not [q for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
