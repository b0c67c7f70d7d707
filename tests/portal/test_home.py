import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_campaign, make_organisation


def campaign_names(response) -> set[str]:
    return {campaign.name for campaign in response.context["campaigns"]}


@pytest.mark.parametrize(
    "who,expected",
    [
        ("charity_admin", {"South West regional campaign"}),
        ("police_officer", {"South West regional campaign"}),
        ("council_officer", {"South West regional campaign"}),
        ("other_force_officer", {"Another campaign"}),
        ("other_charity_admin", {"Another campaign"}),
        ("outsider", set()),
        ("staff", set()),
    ],
)
def test_home_lists_exactly_the_campaigns_each_person_may_see(
    client_for, campaign, other_campaign, who, expected, request
):
    response = client_for(request.getfixturevalue(who)).get(reverse("home"))
    assert response.status_code == 200
    assert campaign_names(response) == expected


def test_home_needs_sign_in(client, db):
    assert client.get(reverse("home")).status_code == 302


def test_home_costs_the_same_queries_with_many_campaigns(client_for, charity_admin, charity):
    client = client_for(charity_admin)
    make_campaign("First", lead=charity, partners=(make_organisation(),))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    few = count()
    for number in range(20):
        make_campaign(f"More {number}", lead=charity, partners=(make_organisation(),))
    # session, the person with memberships, campaigns with lead and region, and what needs
    # attention (tests/test_page_queries.py names each)
    assert count() == few
