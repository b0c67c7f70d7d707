"""The readiness view and the enforcement figures forces publicise."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Organisation
from campaigns.models import Activity, CampaignPartner, EnforcementFigures
from campaigns.services import material as material_services
from tests.assertions import body_rows
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


# The row as the readiness template wrote it before its rows were built in Python.
TEMPLATE_ROW = Template(
    '<tr><th scope="row">{{ row.organisation }}{% if row.not_started %}<br>'
    '<span class="badge text-bg-warning">Not started</span>{% endif %}<br>'
    '<span class="small text-body-secondary fw-normal">launch '
    '{{ row.launch_date|date:"j M Y" }}</span></th>'
    "<td>{{ row.members|length }} signed up<br>{% if row.signed_in %}"
    '{{ row.signed_in|length }} signed in, last {{ row.last_sign_in|date:"j M Y" }}'
    "{% else %}<strong>nobody has signed in</strong>{% endif %}</td>"
    "<td>{% if row.materials_downloaded %}{{ row.materials_downloaded }} "
    "item{{ row.materials_downloaded|pluralize }} downloaded{% else %}"
    "<strong>not downloaded</strong>{% endif %}</td>"
    '<td>{% if row.activity_by_type %}<ul class="list-unstyled mb-0">'
    "{% for value, label in types %}{% for type, count in row.activity_by_type.items %}"
    "{% if type == value %}<li>{{ label }}: {{ count }}</li>{% endif %}{% endfor %}{% endfor %}"
    '</ul><span class="small">{{ row.activity_since_launch }} since launch</span>'
    "{% else %}<strong>none</strong>{% endif %}</td>"
    '<td>{{ row.last_activity|date:"j M Y"|default:"–" }}</td>'
    "<td>{% for person in row.contacts %}<div>{{ person.full_name }}<br>"
    '<a href="mailto:{{ person.email }}">{{ person.email }}</a></div>'
    "{% empty %}Nobody has joined yet{% endfor %}</td></tr>"
)


def test_each_row_is_marked_up_as_the_template_wrote_it(
    client_for,
    charity_admin,
    police_officer,
    force_lead,
    council_officer,
    campaign,
    force_a,
    council_b,
):
    force_a.name = 'Avon & Somerset <"A&S"> Police'
    force_a.save()
    force_lead.full_name = "Jo O'Neill <lead>"
    force_lead.save()
    # Signed in at 23:30 UTC on a summer's day: the next day in UK time.
    police_officer.last_login = datetime(2026, 7, 3, 23, 30, tzinfo=UTC)
    police_officer.save()
    posters = [make_material(campaign, title=f"Poster {n}") for n in range(2)]
    material_services.record_downloads(
        [poster.versions.get() for poster in posters],
        user=police_officer,
        organisation=force_a,
        embargo_acknowledged=False,
    )
    for kind, day in [("posters", 1), ("posters", 2), ("interview", 3), ("social_post", 4)]:
        make_activity(campaign, force_a, activity_type=kind, started_on=date(2026, 5, day))
    make_organisation("Nobody Yet Council", Organisation.Kind.COUNCIL)
    CampaignPartner.objects.create(
        campaign=campaign, organisation=Organisation.objects.get(name="Nobody Yet Council")
    )
    response = client_for(charity_admin).get(readiness(campaign))
    assert response.status_code == 200
    context = {"types": Activity.Type.choices}
    expected = [
        TEMPLATE_ROW.render(Context({**context, "row": row})) for row in response.context["rows"]
    ]
    written = body_rows(response, "<tr><th")
    assert len(expected) == 3
    assert written == expected
    shown = "\n".join(expected)
    assert "Avon &amp; Somerset &lt;&quot;A&amp;S&quot;&gt; Police" in shown
    assert "Jo O&#x27;Neill &lt;lead&gt;" in shown
    assert "1 signed in, last 4 Jul 2026" in shown
    assert "2 items downloaded" in shown
    # Listed in the order of the types, not of the records.
    logged = {"posters", "interview", "social_post"}
    labels = [str(label) for value, label in Activity.Type.choices if value in logged]
    positions = [shown.index(f"<li>{label}: ") for label in labels]
    assert positions == sorted(positions)
    assert f"<li>{labels[0]}: " in shown
    assert "Nobody has joined yet" in shown and "<strong>nobody has signed in</strong>" in shown
