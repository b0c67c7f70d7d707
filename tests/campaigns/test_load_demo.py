from datetime import date

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command

from agencies.models import ForceArea, Membership, Organisation, User
from campaigns.demo import load_demo
from campaigns.demo.campaign_setup import DemoDates
from campaigns.models import Campaign

SEED_ORGANISATIONS = {
    "The Lucy Faithfull Foundation",
    "Avon and Somerset Police",
    "Devon and Cornwall Police",
    "Wiltshire Police",
    "Dorset Police",
    "Gloucestershire Constabulary",
    "South Somerset District Council",
    "South West Regional Organised Crime Unit",
    "Avon and Somerset Police and Crime Commissioner",
    "Police Scotland",
}


def snapshot() -> str:
    from django.apps import apps

    rows = []
    for model in apps.get_models():
        if model._meta.app_label in {"agencies", "campaigns"}:
            rows.extend(model.objects.order_by("pk"))
    return serializers.serialize("json", rows)


def test_it_loads_every_organisation_area_and_campaign_the_seeds_name(db):
    load_demo(today=date(2026, 11, 23))
    assert set(Organisation.objects.values_list("name", flat=True)) == SEED_ORGANISATIONS
    assert set(
        ForceArea.objects.filter(region__slug="south-west-england").values_list("name", flat=True)
    ) == {
        "Avon and Somerset",
        "Devon and Cornwall",
        "Wiltshire",
        "Dorset",
        "Gloucestershire",
    }
    council = Organisation.objects.get(name="South Somerset District Council")
    assert council.force_area.name == "Avon and Somerset"
    south_west = Campaign.objects.get(slug="south-west-england-regional-campaign")
    assert south_west.partners.count() == 8
    assert len(south_west.objective_list) == 5
    assert south_west.helpline_number == "0808 1000 900"
    scotland = Campaign.objects.get(slug="scotland-campaign-2017")
    assert scotland.launch_date == date(2017, 6, 1)
    assert [p.organisation.name for p in scotland.partners.all()] == ["Police Scotland"]


def test_the_demo_sign_ins_have_their_roles(db):
    load_demo(today=date(2026, 11, 23))
    expected = {
        "charity.admin@demo.example": ("The Lucy Faithfull Foundation", "campaign_admin"),
        "police.comms@demo.example": ("Avon and Somerset Police", "member"),
        "council.officer@demo.example": ("South Somerset District Council", "member"),
        "devon.comms@demo.example": ("Devon and Cornwall Police", "lead"),
    }
    for email, (organisation, role) in expected.items():
        membership = Membership.objects.get(user__email=email)
        assert (membership.organisation.name, membership.role) == (organisation, role)
        assert User.objects.get(email=email).check_password("partner-demo-pass")


def test_a_second_load_changes_nothing(db):
    load_demo(today=date(2026, 11, 23))
    before = snapshot()
    summary = load_demo(today=date(2026, 12, 25))
    assert summary.total == 0
    assert snapshot() == before


def test_the_south_west_launch_leaves_three_whole_months_of_figures_before_today():
    dates = DemoDates.around(date(2026, 11, 23))
    assert dates.south_west_launch == date(2026, 7, 1)
    assert DemoDates.around(date(2027, 2, 10)).south_west_launch == date(2026, 10, 1)
    assert dates.south_somerset_launch == date(2026, 11, 30)


def test_the_command_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo")
    assert not Organisation.objects.exists()


def test_the_command_runs_with_force(db, settings, capsys):
    settings.DEBUG = False
    call_command("load_demo", "--force")
    assert Organisation.objects.count() == len(SEED_ORGANISATIONS)
    call_command("load_demo", "--force")
    assert "nothing changed" in capsys.readouterr().out


def test_the_demo_toolkit_holds_the_seeds_and_every_state(db):
    from pathlib import Path

    from campaigns.models import Download, Material, MaterialVersion, WithdrawalNotice

    load_demo(today=date(2026, 11, 23))
    seeds = Path(__file__).resolve().parents[2] / "campaigns" / "demo" / "seeds"
    regional = Material.objects.get(
        kind="press_release", owner_organisation__kind="charity", template__isnull=True
    )
    seed = (seeds / "south_west_regional_press_release.txt").read_text()
    assert regional.current_version.text == seed
    local = Material.objects.get(owner_organisation__name="South Somerset District Council")
    assert local.current_version.text.startswith("South Somerset District Council supports")
    assert local.embargo_until.date() == date(2026, 11, 30)
    poster = Material.objects.get(
        kind="poster", owner_organisation__kind="charity", template__isnull=True
    )
    assert poster.current_version.is_image and poster.current_version.preview
    assert poster.current_version.alt_text
    assert Material.objects.filter(kind="suggested_post").count() == 3
    assert MaterialVersion.objects.filter(status="changes_requested").count() == 1
    withdrawn = Material.objects.get(withdrawn_at__isnull=False)
    notice = WithdrawalNotice.objects.get(material=withdrawn)
    assert notice.user.email == "council.officer@demo.example"
    assert Download.objects.count() >= 5


def test_the_demo_activity_leaves_one_partner_not_started(db):
    from campaigns.models import Activity, EnforcementFigures
    from campaigns.readiness import readiness_for

    load_demo(today=date(2026, 11, 23))
    south_west = Campaign.objects.get(slug="south-west-england-regional-campaign")
    rows = {row.organisation.name: row for row in readiness_for(south_west)}
    assert [name for name, row in rows.items() if row.not_started] == ["Wiltshire Police"]
    assert all(row.activity_total for name, row in rows.items() if name != "Wiltshire Police")
    assert Activity.objects.filter(reach=19_000_000).exists(), "the films viewed 19 million times"
    figures = EnforcementFigures.objects.get()
    assert (
        figures.organisation.name,
        figures.search_warrants,
        figures.offenders_charged,
        figures.live_cases,
        figures.referrals_change_percent,
        figures.months,
    ) == ("Avon and Somerset Police", 90, 85, 235, 100, 12)


def test_the_winter_campaign_launches_on_the_2nd_with_a_partner_a_week_later(client_for, db):
    from django.urls import reverse

    from agencies.models import User

    load_demo(today=date(2026, 12, 2))
    admin = User.objects.get(email="charity.admin@demo.example")
    page = client_for(admin).get(reverse("campaigns:impact", args=["south-west-winter-campaign"]))
    effect = page.context["effect"]
    assert effect.launch == date(2025, 12, 2)
    assert effect.notes == [
        "The campaign launched on 2 December 2025, part-way through a month, so December 2025 is "
        "left out: the three whole months before it (September to November 2025) are compared "
        "with the three months after (January to March 2026).",
        "Avon and Somerset on 9 December 2025 launched later and is measured from its own launch "
        "(in the same month, so over the same windows).",
    ]
    assert page.context["net_effect"].startswith("People seeking help rose 30% after launch")
    assert "against a 2% rise over the same months a year earlier" in page.context["net_effect"]
    assert effect.comparison.not_yet == ["Gloucestershire", "Wiltshire"]
    assert "not comparable" not in page.content.decode()


def test_south_somersets_release_is_generated_from_the_template_with_the_seeds_figures(db):
    from campaigns.models import LocalisedMaterial, LocalisedTemplate
    from campaigns.services import localising

    load_demo(today=date(2026, 11, 23))
    template = LocalisedTemplate.objects.get(kind="press_release")
    assert template.material.current_version.content_type.endswith("wordprocessingml.document")
    localised = LocalisedMaterial.objects.get(organisation__slug="south-somerset-district-council")
    assert localised.template == template
    version = localised.material.current_version
    text = version.text
    assert text.startswith("South Somerset District Council supports child protection charity")
    assert "In 2017 895 people from the force area" in text
    assert "Officers have undertaken 90 search warrants" in text
    assert "85 offenders have been charged" in text
    assert "The force currently has 235 live cases" in text
    assert "referrals from other organisations increasing by 100%" in text
    assert "Avon and Somerset Head of Protect Will White said" in text
    assert "Police and Crime Commissioner Sue Mountstevens said" in text
    assert version.generated.values["help_seekers_total"]["period"] == "2017"
    assert not localising.changes(localised).any


def test_one_force_has_a_co_branded_poster_with_a_qr_code_of_its_link(db):
    from campaigns.models import LocalisedMaterial

    load_demo(today=date(2026, 11, 23))
    poster = LocalisedMaterial.objects.get(template__kind="poster")
    assert poster.organisation.slug == "avon-and-somerset-police"
    version = poster.material.current_version
    assert version.content_type == "image/png" and version.preview
    assert "utm_source=avon-and-somerset-police" in version.generated.values["help_link"]["text"]
