"""The readiness view and the enforcement figures forces publicise."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Organisation
from campaigns.models import Activity, CampaignPartner, EnforcementFigures
from campaigns.services import material as material_services
from tests.campaigns.test_activity_records import make_activity
from tests.factories import make_material, make_organisation, make_user


def readiness(campaign):
    return reverse("campaigns:readiness", args=[campaign.slug])


def rows_by_name(response) -> dict:
    return {row.organisation.name: row for row in response.context["rows"]}


def test_a_campaign_admin_sees_a_row_per_partner(
    client_for,
    charity_admin,
    police_officer,
    force_lead,
    council_officer,
    campaign,
    force_a,
    council_b,
):
    police_officer.last_login = timezone.now()
    police_officer.save()
    poster = make_material(campaign)
    material_services.record_downloads(
        [poster.versions.get()],
        user=police_officer,
        organisation=force_a,
        embargo_acknowledged=False,
    )
    make_activity(campaign, force_a, activity_type="posters", started_on=date(2026, 7, 1))
    make_activity(campaign, force_a, activity_type="posters", started_on=date(2026, 7, 2))
    make_activity(campaign, force_a, activity_type="interview", started_on=date(2026, 5, 1))
    rows = rows_by_name(client_for(charity_admin).get(readiness(campaign)))
    force = rows["Avon and Somerset Police"]
    assert len(force.members) == 2
    assert force.signed_in == [police_officer]
    assert force.contacts == [force_lead]
    assert force.materials_downloaded == 1
    assert force.activity_by_type == {"posters": 2, "interview": 1}
    assert force.activity_since_launch == 2
    assert force.last_activity == date(2026, 7, 2)
    council = rows["South Somerset District Council"]
    assert council.not_started
    assert council.contacts == [council_officer], "without a lead, the members are the contacts"


def test_filters_show_who_has_not_started_and_who_is_quiet_since_launch(
    client_for, charity_admin, campaign, force_a
):
    make_activity(campaign, force_a, started_on=date(2026, 5, 1))  # before the launch on 1 June
    client = client_for(charity_admin)
    not_started = rows_by_name(client.get(readiness(campaign), {"show": "not-started"}))
    assert list(not_started) == ["South Somerset District Council"]
    quiet = rows_by_name(client.get(readiness(campaign), {"show": "no-activity-since-launch"}))
    assert sorted(quiet) == ["Avon and Somerset Police", "South Somerset District Council"]


def test_a_partners_own_launch_date_counts_for_its_row(
    client_for, charity_admin, campaign, council_b
):
    CampaignPartner.objects.filter(organisation=council_b).update(launch_date=date(2026, 9, 1))
    make_activity(campaign, council_b, started_on=date(2026, 8, 1))
    row = rows_by_name(client_for(charity_admin).get(readiness(campaign)))[
        "South Somerset District Council"
    ]
    assert row.activity_since_launch == 0
    assert row.launch_date == date(2026, 9, 1)


def test_a_partner_sees_only_its_own_row(client_for, police_officer, campaign):
    assert list(rows_by_name(client_for(police_officer).get(readiness(campaign)))) == [
        "Avon and Somerset Police"
    ]


@pytest.mark.parametrize("who", ["other_force_officer", "other_charity_admin", "outsider"])
def test_readiness_is_404_outside_the_campaign(client_for, campaign, who, request):
    assert client_for(request.getfixturevalue(who)).get(readiness(campaign)).status_code == 404


def test_readiness_needs_sign_in_and_refuses_post(client, client_for, police_officer, campaign):
    assert client.get(readiness(campaign)).status_code == 302
    assert client_for(police_officer).post(readiness(campaign)).status_code == 405


def test_readiness_costs_the_same_queries_for_many_partners_and_records(
    client_for, charity_admin, campaign
):
    client = client_for(charity_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(readiness(campaign)).status_code == 200
        return len(queries)

    few = count()
    for number in range(15):
        partner = make_organisation(f"Council {number}", Organisation.Kind.COUNCIL)
        CampaignPartner.objects.create(campaign=campaign, organisation=partner)
        make_user(organisation=partner)
        for day in range(1, 4):
            make_activity(campaign, partner, started_on=date(2026, 7, day))
    # session, the person with memberships, campaign, partners, their people, downloads by
    # partner, activity by partner and type, activity summary by partner
    assert count() == few


ENFORCEMENT = {
    "period_start": "2025-06-01",
    "period_end": "2026-05-31",
    "search_warrants": "90",
    "offenders_charged": "85",
    "live_cases": "235",
    "referrals_change_percent": "100",
}


def enforcement_url(campaign):
    return reverse("campaigns:enforcement-create", args=[campaign.slug])


def test_a_force_records_its_enforcement_figures_for_everyone_in_the_campaign(
    client_for, police_officer, council_officer, campaign, force_a
):
    response = client_for(police_officer).post(enforcement_url(campaign), ENFORCEMENT)
    assert response.status_code == 302
    figures = EnforcementFigures.objects.get()
    assert (figures.organisation, figures.search_warrants, figures.referrals_change_percent) == (
        force_a,
        90,
        100,
    )
    assert figures.months == 12
    page = client_for(council_officer).get(
        reverse("campaigns:campaign-detail", args=[campaign.slug])
    )
    content = page.content.decode()
    assert "Avon and Somerset Police" in content and "up 100%" in content and ">235<" in content


def test_a_council_cannot_record_enforcement_figures(client_for, council_officer, campaign):
    assert (
        client_for(council_officer).post(enforcement_url(campaign), ENFORCEMENT).status_code == 403
    )
    assert not EnforcementFigures.objects.exists()


def test_outsiders_get_404(client_for, other_force_officer, campaign):
    assert (
        client_for(other_force_officer).post(enforcement_url(campaign), ENFORCEMENT).status_code
        == 404
    )


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"period_end": "2025-01-01"}, "cannot end before it starts"),
        ({"search_warrants": "-1"}, "greater than or equal to 0"),
        (
            {
                "search_warrants": "",
                "offenders_charged": "",
                "live_cases": "",
                "referrals_change_percent": "",
            },
            "at least one figure",
        ),
        ({"referrals_change_percent": "-150"}, "greater than or equal to -100"),
    ],
)
def test_bad_figures_are_explained_and_nothing_saved(
    client_for, police_officer, campaign, overrides, message
):
    response = client_for(police_officer).post(
        enforcement_url(campaign), {**ENFORCEMENT, **overrides}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EnforcementFigures.objects.exists()


def test_the_same_period_cannot_be_recorded_twice(client_for, police_officer, campaign):
    client = client_for(police_officer)
    client.post(enforcement_url(campaign), ENFORCEMENT)
    response = client.post(enforcement_url(campaign), ENFORCEMENT)
    assert "already recorded" in response.content.decode()
    assert EnforcementFigures.objects.count() == 1
    assert Activity.objects.count() == 0
