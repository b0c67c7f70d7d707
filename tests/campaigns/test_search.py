"""Searching the toolkit: title, description, tags and the words of a post, best match first.

PostgreSQL searches in English (stems, so "posters" finds a poster); SQLite, used for the quick
local run, matches the typed text as it is.
"""

import pytest
from django.db import connection
from django.urls import reverse

from campaigns.models import Material, MaterialVersion, Tag
from tests.factories import make_material

POSTGRES_ONLY = "English full-text search needs PostgreSQL; SQLite matches substrings only"


def found(client, campaign, terms: str) -> list[str]:
    response = client.get(reverse("campaigns:toolkit", args=[campaign.slug]), {"q": terms})
    assert response.status_code == 200
    return [m.title for members in response.context["groups"].values() for m in members]


@pytest.fixture
def toolkit(campaign):
    helpline = make_material(campaign, title="Helpline poster", description="For libraries")
    helpline.tags.add(Tag.objects.create(name="A3 print"))
    make_material(
        campaign,
        title="Police message",
        description="What the police are doing about online offending",
    )
    make_material(
        campaign,
        title="Launch day post",
        kind="suggested_post",
        text="Worried about your thoughts? Stop it Now can help: 0808 1000 900",
    )
    return campaign


def test_search_looks_in_titles_descriptions_tags_and_post_text(
    client_for, police_officer, toolkit
):
    client = client_for(police_officer)
    assert found(client, toolkit, "poster") == ["Helpline poster"]
    assert found(client, toolkit, "libraries") == ["Helpline poster"]
    assert found(client, toolkit, "A3 print") == ["Helpline poster"]
    assert found(client, toolkit, "thoughts") == ["Launch day post"]
    assert found(client, toolkit, "nothing like it") == []


def test_search_never_reads_words_partners_cannot_see(
    client_for, police_officer, charity_admin, toolkit
):
    # A new version waiting for review is the charity's until approved.
    post = Material.objects.get(title="Launch day post")
    MaterialVersion.objects.create(
        material=post, number=2, text="Secret draft wording", uploaded_by=charity_admin
    )
    assert found(client_for(police_officer), toolkit, "draft wording") == []


def test_posters_finds_a_poster_and_policing_finds_police_material(
    client_for, police_officer, toolkit
):
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)
    client = client_for(police_officer)
    assert found(client, toolkit, "posters") == ["Helpline poster"]
    assert found(client, toolkit, "policing") == ["Police message"]
    assert found(client, toolkit, "helping") == ["Launch day post"]


def test_the_best_match_comes_first(client_for, police_officer, campaign):
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)
    # Alphabetically "A leaflet" would come first; the title's match ranks above the description's.
    make_material(campaign, title="A leaflet", description="Mentions the helpline once")
    make_material(campaign, title="Helpline leaflet", description="All about the helpline")
    assert found(client_for(police_officer), campaign, "helpline") == [
        "Helpline leaflet",
        "A leaflet",
    ]
