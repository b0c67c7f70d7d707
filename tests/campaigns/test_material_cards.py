"""The toolkit's cards and a piece's badges, written out by campaigns/templatetags/
material_cards.py: the same HTML as the templates they were written by before, for every state a
piece can be in, seen by its campaign's admin and by a partner."""

from datetime import timedelta
from pathlib import Path

from django.template import Context, Template
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Material, MaterialVersion
from tests.factories import make_material

BEFORE = Path(__file__).parent / "before"
STATE_BEFORE = (BEFORE / "state.html").read_text()
EMBARGO_BEFORE = (BEFORE / "embargo.html").read_text()
# The card as toolkit.html wrote it, with the two partials it included put in their places.
CARD_BEFORE = Template(
    (BEFORE / "toolkit_card.html")
    .read_text()
    .replace('{% include "campaigns/_state.html" %}', STATE_BEFORE)
    .replace('{% include "campaigns/_embargo.html" %}', EMBARGO_BEFORE)
)
BADGES_BEFORE = Template(STATE_BEFORE + " " + EMBARGO_BEFORE)
CARD = Template("{% load material_cards %}{% toolkit_cards materials runs_it %}")
BADGES = Template(
    "{% load material_cards %}{% state_badges material %} {% embargo_badge material %}"
)


def every_kind_of_piece(campaign, force_a):
    now = timezone.now()
    with_preview = make_material(campaign, title='Poster "A" <for> you & me')
    version = with_preview.versions.get()
    version.preview.name = "previews/poster.png"
    version.preview_width, version.preview_height = 320, 452
    version.save()
    make_material(
        campaign,
        kind=Material.Kind.SUGGESTED_POST,
        title="A post",
        text="Worried about your thoughts? " * 12,
    )
    make_material(campaign, title="Ours, waiting", owner=force_a, approved=False)
    sent_back = make_material(campaign, title="Ours, sent back", owner=force_a, approved=False)
    sent_back.versions.update(
        status=MaterialVersion.Status.CHANGES_REQUESTED, decided_at=now, decision_comment="Fix it"
    )
    newer = make_material(campaign, title="Ours, with a newer version", owner=force_a)
    MaterialVersion.objects.create(
        material=newer, number=2, text="New words", status=MaterialVersion.Status.IN_REVIEW
    )
    make_material(campaign, title="Embargoed", embargo_until=now + timedelta(days=2, hours=5))
    make_material(campaign, title="Released later", release_at=now + timedelta(days=3))
    make_material(campaign, title="Expired", expires_at=now - timedelta(days=1))
    make_material(campaign, title="Withdrawn", withdrawn_at=now, withdrawal_reason="Out of date")


def cards_of(response) -> list:
    return [m for members in response.context["groups"].values() for m in members]


def test_each_card_is_the_html_its_template_wrote(
    client_for, charity_admin, police_officer, campaign, force_a
):
    every_kind_of_piece(campaign, force_a)
    toolkit = reverse("campaigns:toolkit", args=[campaign.slug])
    seen = {}
    for person, runs_it in [(charity_admin, True), (police_officer, False)]:
        client = client_for(person)
        client.get(toolkit)  # the first visit: nothing is new to someone who never came
        make_material(campaign, title=f"New to {person.email}")
        response = client.get(toolkit)
        page = response.content.decode()
        for material in cards_of(response):
            context = Context({"material": material, "materials": [material], "runs_it": runs_it})
            ours = CARD.render(context)
            assert parse_html(ours) == parse_html(CARD_BEFORE.render(context)), material.title
            assert ours in page
            seen[(person.email, material.title)] = ours
    admin, partner = charity_admin.email, police_officer.email
    assert "Released to partners at" in seen[(admin, "Released later")]
    assert "Withdrawn" in seen[(admin, "Withdrawn")]
    assert "Expired" in seen[(admin, "Expired")]
    assert "New version waiting for review" in seen[(partner, "Ours, with a newer version")]
    assert "Changes requested" in seen[(partner, "Ours, sent back")]
    assert "EMBARGOED UNTIL" in seen[(partner, "Embargoed")]
    assert "New since your last visit" in seen[(partner, f"New to {partner}")]
    assert (
        "The Lucy Faithfull Foundation · 137\xa0bytes · 0 downloads</p>" in seen[(admin, "Expired")]
    )
    poster = seen[(partner, 'Poster "A" <for> you & me')]
    assert "Poster &quot;A&quot; &lt;for&gt; you &amp; me" in poster
    assert 'width="320" height="452"' in poster and "?v=1-" in poster
    assert "Approved" not in poster, "a partner sees no state on others' material"
    # 160 characters: five times the sentence and the start of a sixth.
    assert seen[(partner, "A post")].count("Worried about your thoughts?") == 5
    assert "Worried about …</p>" in seen[(partner, "A post")]


def test_the_material_page_shows_the_badges_its_templates_wrote(campaign, force_a):
    every_kind_of_piece(campaign, force_a)
    materials = Material.objects.filter(campaign=campaign).with_versions()
    assert materials.count() == 9
    for material in materials:
        context = Context({"material": material})
        ours = BADGES.render(context)
        assert parse_html(ours) == parse_html(BADGES_BEFORE.render(context)), material.title
