"""The toolkit list and the material page: filters, what is new, and a constant query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignVisit, Tag
from campaigns.services import material as material_services
from tests.factories import make_material


def toolkit_url(campaign):
    return reverse("campaigns:toolkit", args=[campaign.slug])


def listed(response) -> list[str]:
    return [
        material.title
        for materials in response.context["groups"].values()
        for material in materials
    ]


def test_material_is_listed_by_kind(client_for, police_officer, campaign):
    make_material(campaign, title="Poster")
    make_material(campaign, kind="suggested_post", text="Words", title="Post")
    response = client_for(police_officer).get(toolkit_url(campaign))
    assert list(response.context["groups"]) == ["Poster", "Suggested post"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"kind": "suggested_post"}, ["Post"]),
        ({"q": "helpline"}, ["Poster"]),
        ({"tag": "LAUNCH"}, ["Poster"]),
        ({"audience": "police_forces"}, ["Police card"]),
    ],
)
def test_filters_narrow_the_list(client_for, police_officer, campaign, query, expected):
    poster = make_material(campaign, title="Poster", description="With the helpline number")
    poster.tags.add(Tag.objects.create(name="launch"))
    make_material(campaign, kind="suggested_post", text="Words", title="Post")
    make_material(campaign, kind="social_card", title="Police card", audience="police_forces")
    response = client_for(police_officer).get(toolkit_url(campaign), query)
    assert listed(response) == expected


def test_admins_filter_by_status(client_for, charity_admin, campaign):
    make_material(campaign, title="Approved")
    make_material(campaign, title="Waiting", approved=False)
    make_material(campaign, title="Pulled", withdrawn_at=timezone.now(), withdrawal_reason="x")
    client = client_for(charity_admin)
    assert listed(client.get(toolkit_url(campaign), {"state": "in_review"})) == ["Waiting"]
    assert listed(client.get(toolkit_url(campaign), {"state": "withdrawn"})) == ["Pulled"]
    assert listed(client.get(toolkit_url(campaign), {"state": "approved"})) == ["Approved"]


def test_a_filter_cannot_reveal_what_the_person_may_not_see(client_for, council_officer, campaign):
    make_material(campaign, title="Waiting", approved=False)
    make_material(campaign, title="Police only", audience="police_forces")
    client = client_for(council_officer)
    assert listed(client.get(toolkit_url(campaign), {"state": "in_review"})) == []
    assert listed(client.get(toolkit_url(campaign), {"q": "Police"})) == []


def test_new_material_since_the_last_visit_is_marked(client_for, police_officer, campaign):
    from campaigns.models import MaterialVersion

    client = client_for(police_officer)
    make_material(campaign, title="Old")
    MaterialVersion.objects.update(decided_at=timezone.now() - timedelta(hours=1))
    client.get(toolkit_url(campaign))
    CampaignVisit.objects.update(last_seen_at=timezone.now() - timedelta(seconds=5))
    make_material(campaign, title="Fresh")
    response = client.get(toolkit_url(campaign))
    assert {a.title: a.is_new for g in response.context["groups"].values() for a in g} == {
        "Old": False,
        "Fresh": True,
    }
    again = client.get(toolkit_url(campaign))
    assert not any(a.is_new for g in again.context["groups"].values() for a in g)


def test_the_home_page_counts_new_material_per_campaign(client_for, police_officer, campaign):
    make_material(campaign, title="One")
    make_material(campaign, title="Two")
    content = client_for(police_officer).get(reverse("home")).content.decode()
    assert "2 new items of material" in content


def test_admins_see_download_counts(client_for, charity_admin, police_officer, campaign, force_a):
    material = make_material(campaign, title="Poster")
    version = material.versions.get()
    for _ in range(3):
        material_services.record_downloads(
            [version], user=police_officer, organisation=force_a, embargo_acknowledged=False
        )
    client = client_for(charity_admin)
    response = client.get(toolkit_url(campaign))
    assert [a.download_count for g in response.context["groups"].values() for a in g] == [3]
    page = client.get(reverse("campaigns:material-detail", args=[material.pk]))
    rows = list(page.context["downloads_by_organisation"])
    assert [(r["organisation__name"], r["count"], r["people"]) for r in rows] == [
        ("Avon and Somerset Police", 3, 1)
    ]


def test_the_toolkit_costs_the_same_queries_whatever_the_amount_of_material(
    client_for, charity_admin, campaign
):
    client = client_for(charity_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(toolkit_url(campaign)).status_code == 200
        return len(queries)

    for number in range(3):
        material = make_material(campaign, title=f"A{number}")
        material.tags.add(Tag.objects.get_or_create(name=f"t{number}")[0])
    few = count()
    for number in range(40):
        material = make_material(campaign, title=f"B{number}", approved=number % 2 == 0)
        material.tags.add(Tag.objects.get_or_create(name=f"u{number}")[0])
    # session, the person with memberships, campaign, material (with download counts), its
    # tags, audience organisations and versions, the visit; then saving the visit (new material).
    assert count() == few


def test_a_suggested_post_shows_its_length_against_the_platforms(
    client_for, police_officer, campaign
):
    text = "x" * 290
    material = make_material(campaign, kind="suggested_post", text=text, title="Long post")
    content = (
        client_for(police_officer)
        .get(reverse("campaigns:material-detail", args=[material.pk]))
        .content.decode()
    )
    assert "Length: 290 characters" in content
    assert "✗ too long for X (Twitter) (280)" in content
    assert "✓ fits Bluesky (300)" in content
    assert "Copy the post" in content


def test_embargoed_material_is_marked_everywhere_it_appears(client_for, police_officer, campaign):
    lifts = timezone.now() + timedelta(days=2)
    material = make_material(campaign, title="Release", embargo_until=lifts)
    client = client_for(police_officer)
    for url in [toolkit_url(campaign), reverse("campaigns:material-detail", args=[material.pk])]:
        assert "EMBARGOED UNTIL" in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["other_force_officer", "outsider", "other_charity_admin"])
def test_the_toolkit_is_404_outside_the_campaign(client_for, campaign, who, request):
    assert client_for(request.getfixturevalue(who)).get(toolkit_url(campaign)).status_code == 404


def test_the_toolkit_needs_sign_in_and_refuses_post(client, client_for, police_officer, campaign):
    assert client.get(toolkit_url(campaign)).status_code == 302
    assert client_for(police_officer).post(toolkit_url(campaign)).status_code == 405
