"""The toolkit list and the material page: filters, what is new, and a constant query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignVisit, Tag
from campaigns.services import material as material_services
from campaigns.views.toolkit import TOOLKIT_PAGE_SIZE
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
        # Everything is new again, so that each visit shows new material and writes.
        CampaignVisit.objects.update(last_seen_at=timezone.now() - timedelta(days=1))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(toolkit_url(campaign)).status_code == 200
        return len(queries)

    for number in range(3):
        material = make_material(campaign, title=f"A{number}")
        material.tags.add(Tag.objects.get_or_create(name=f"t{number}")[0])
    client.get(toolkit_url(campaign))  # the first visit
    few = count()
    for number in range(40):
        material = make_material(campaign, title=f"B{number}", approved=number % 2 == 0)
        material.tags.add(Tag.objects.get_or_create(name=f"u{number}")[0])
    # session, the person with memberships, campaign, the page of material (with download
    # counts), its versions, the visit; then moving the visit on (new material shown). The 43
    # pieces fit on one page: its rows count them.
    assert count() == few == 7
    for number in range(TOOLKIT_PAGE_SIZE):
        make_material(campaign, kind="suggested_post", text="Words", title=f"C{number}")
    # A page of a longer toolkit: also its count, and the earliest new material it does not show
    # (how far the visit may move on).
    assert count() == few + 2


def _pieces(campaign, number: int, **details) -> list[str]:
    titles = [f"Post_{n:02} 100%" for n in range(number)]
    for title in titles:
        make_material(campaign, kind="suggested_post", text="Words", title=title, **details)
    return titles


def test_a_long_toolkit_is_read_a_page_at_a_time_by_kind_then_title(
    client_for, police_officer, campaign
):
    # Titles holding the separator of a page's position and its escape page as any other.
    posts = _pieces(campaign, TOOLKIT_PAGE_SIZE + 2)
    make_material(campaign, title="Poster")  # posters come first, as Material.Kind has them
    client = client_for(police_officer)
    first = client.get(toolkit_url(campaign))
    assert listed(first) == ["Poster", *posts[: TOOLKIT_PAGE_SIZE - 1]]
    html = first.content.decode()
    assert "51 items." in html
    assert 'aria-label="Pages of the toolkit"' in html
    assert "1 to 48 of 51" in html
    second = client.get(toolkit_url(campaign) + "?" + first.context["page"].next_query)
    assert listed(second) == posts[TOOLKIT_PAGE_SIZE - 1 :]
    # A later page of everything is not a filtered list.
    assert "51 items." in second.content.decode()
    before = client.get(toolkit_url(campaign) + "?" + second.context["page"].previous_query)
    assert listed(before) == listed(first)
    last = client.get(toolkit_url(campaign) + "?page=last")
    assert listed(last) == posts[2:]
    assert "4 to 51 of 51" in last.content.decode()


@pytest.mark.parametrize(
    "position",
    ["x", "1_%ZZ_3", "1_a_99999999999999999999", "nan_a_1", "1_%00_1", "1_\x00_1", "1_a_1_1"],
)
def test_a_damaged_position_shows_the_first_page(client_for, police_officer, campaign, position):
    posts = _pieces(campaign, TOOLKIT_PAGE_SIZE + 1)
    client = client_for(police_officer)
    for name in ("after", "before"):
        response = client.get(toolkit_url(campaign), {name: position})
        assert response.status_code == 200
        assert listed(response) == posts[:TOOLKIT_PAGE_SIZE]


def test_a_filtered_toolkit_keeps_its_filters_from_page_to_page(
    client_for, police_officer, campaign
):
    posts = _pieces(campaign, TOOLKIT_PAGE_SIZE + 1)
    make_material(campaign, title="Poster")
    client = client_for(police_officer)
    first = client.get(toolkit_url(campaign), {"kind": "suggested_post"})
    assert listed(first) == posts[:TOOLKIT_PAGE_SIZE]
    assert "49 items match your filters." in first.content.decode()
    second = client.get(toolkit_url(campaign) + "?" + first.context["page"].next_query)
    assert listed(second) == posts[TOOLKIT_PAGE_SIZE:]
    assert "49 items match your filters." in second.content.decode()


def test_search_results_are_read_a_page_at_a_time_best_first(client_for, police_officer, campaign):
    # Different ranks on PostgreSQL (more of the words in some descriptions); one on SQLite.
    for number in range(TOOLKIT_PAGE_SIZE + 5):
        make_material(
            campaign,
            kind="suggested_post",
            text="Words",
            title=f"Knife crime {number:02}",
            description="knife " * (number % 4),
        )
    client = client_for(police_officer)
    first = client.get(toolkit_url(campaign), {"q": "knife"})
    second = client.get(toolkit_url(campaign) + "?" + first.context["page"].next_query)
    shown = [*first.context["page"], *second.context["page"]]
    assert len(shown) == TOOLKIT_PAGE_SIZE + 5
    assert len({material.pk for material in shown}) == TOOLKIT_PAGE_SIZE + 5
    ranks = [(-material.search_rank, material.title) for material in shown]
    assert ranks == sorted(ranks)


def test_new_material_keeps_its_mark_until_the_page_showing_it_is_seen(
    client_for, police_officer, campaign
):
    from campaigns.models import Material, MaterialVersion

    posts = _pieces(campaign, TOOLKIT_PAGE_SIZE + 1)
    now = timezone.now()
    MaterialVersion.objects.update(decided_at=now - timedelta(hours=1))
    client = client_for(police_officer)
    client.get(toolkit_url(campaign))  # the first visit
    CampaignVisit.objects.update(last_seen_at=now - timedelta(minutes=30))
    # One newly approved on the first page, one a minute later on the second.
    for title, ago in ((posts[0], 2), (posts[-1], 1)):
        MaterialVersion.objects.filter(material__title=title).update(
            decided_at=now - timedelta(minutes=ago)
        )

    def new_on(response) -> list[str]:
        return [material.title for material in response.context["page"] if material.is_new]

    first = client.get(toolkit_url(campaign))
    assert new_on(first) == [posts[0]]
    # Seen: the first page's is no longer new; the second page's, not yet shown, still is.
    assert new_on(client.get(toolkit_url(campaign))) == []
    assert "1 new item of material" in client.get(reverse("home")).content.decode()
    following = "?" + first.context["page"].next_query
    assert new_on(client.get(toolkit_url(campaign) + following)) == [posts[-1]]
    assert new_on(client.get(toolkit_url(campaign) + following)) == []
    assert Material.objects.count() == TOOLKIT_PAGE_SIZE + 1


def test_a_first_visit_to_one_page_keeps_the_rest_new(client_for, police_officer, campaign):
    posts = _pieces(campaign, TOOLKIT_PAGE_SIZE + 1)
    client = client_for(police_officer)
    home = reverse("home")
    assert f"{TOOLKIT_PAGE_SIZE + 1} new items of material" in client.get(home).content.decode()
    first = client.get(toolkit_url(campaign))  # the first visit, of the first page only
    assert posts[-1] not in listed(first)
    assert "1 new item of material" in client.get(home).content.decode()
    following = "?" + first.context["page"].next_query
    second = client.get(toolkit_url(campaign) + following)
    assert [material.title for material in second.context["page"] if material.is_new] == [posts[-1]]
    assert "new item" not in client.get(home).content.decode()


def test_a_first_visit_filtered_keeps_what_the_filter_hid_new(client_for, police_officer, campaign):
    make_material(campaign, title="Poster")
    make_material(campaign, kind="suggested_post", text="Words", title="Post")
    client = client_for(police_officer)
    client.get(toolkit_url(campaign), {"kind": "poster"})  # the first visit
    assert "1 new item of material" in client.get(reverse("home")).content.decode()
    again = client.get(toolkit_url(campaign))
    assert [material.title for material in again.context["page"] if material.is_new] == ["Post"]


def test_new_material_a_filter_hides_keeps_its_mark(client_for, police_officer, campaign):
    from campaigns.models import MaterialVersion

    client = client_for(police_officer)
    client.get(toolkit_url(campaign))  # the first visit
    CampaignVisit.objects.update(last_seen_at=timezone.now() - timedelta(minutes=5))
    make_material(campaign, title="New poster")
    make_material(campaign, kind="suggested_post", text="Words", title="New post")
    for title, ago in (("New poster", 2), ("New post", 1)):
        MaterialVersion.objects.filter(material__title=title).update(
            decided_at=timezone.now() - timedelta(minutes=ago)
        )

    def new_on(response) -> list[str]:
        return [material.title for material in response.context["page"] if material.is_new]

    assert new_on(client.get(toolkit_url(campaign), {"kind": "poster"})) == ["New poster"]
    assert new_on(client.get(toolkit_url(campaign))) == ["New post"]
    assert new_on(client.get(toolkit_url(campaign))) == []


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


def test_material_released_since_the_visit_keeps_its_mark_while_a_filter_hides_it(
    client_for, police_officer, campaign
):
    from campaigns.models import MaterialVersion

    now = timezone.now()
    client = client_for(police_officer)
    client.get(toolkit_url(campaign))  # the first visit
    released = make_material(
        campaign,
        kind="suggested_post",
        text="Words",
        title="Released post",
        release_at=now - timedelta(hours=1),
    )
    # Approved before the visit: new because it was released since.
    MaterialVersion.objects.filter(material=released).update(decided_at=now - timedelta(days=3))
    CampaignVisit.objects.update(last_seen_at=now - timedelta(days=2))
    make_material(campaign, title="New poster")
    shown = client.get(toolkit_url(campaign), {"kind": "poster"})
    assert [material.title for material in shown.context["page"] if material.is_new] == [
        "New poster"
    ]
    again = client.get(toolkit_url(campaign))
    assert "Released post" in [m.title for m in again.context["page"] if m.is_new]
