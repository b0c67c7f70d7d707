"""The queries of each page a partner opens most, pinned exactly: a new query on these pages
must be a deliberate change of this file. The world is the cast's (tests/conftest.py) with one
approved poster and one activity record of force A; the person is a police officer of force A,
whose session is a few seconds old (no write is due)."""

import pytest
from django.urls import reverse

from campaigns.models import Activity
from tests.campaigns.test_activity_logging import new_url, posters
from tests.campaigns.test_activity_records import make_activity
from tests.factories import make_material

# Every signed-in page starts with these two.
FLOOR = [
    "the session",
    "the person with their active memberships (organisation, area, region) and authenticators",
]

PAGES = {
    "home": (
        lambda c, m: reverse("home"),
        [
            *FLOOR,
            "the campaigns they take part in, with lead and region, and when they last "
            "downloaded each one's whole toolkit and whether activity was logged since",
            "the material needing their attention piece by piece: their organisation's sent "
            "back for changes, what they downloaded but have not logged using",
            # Counted, not read: a national campaign's admin may have thousands.
            "what is new since they last saw each campaign's toolkit, counted by campaign",
            "withdrawal notices not yet dismissed",
        ],
    ),
    "campaign overview": (
        lambda c, m: reverse("campaigns:campaign-detail", args=[c.slug]),
        [
            *FLOOR,
            "the campaign, if visible to them, with lead and region",
            # Not the partners themselves: a national campaign has hundreds (the partner list
            # pages them).
            "the partners counted by kind of organisation",
            # Also which of them they act for.
            "their own organisations among the partners",
            "their force's enforcement figures",
        ],
    ),
    "partner list": (
        lambda c, m: reverse("campaigns:partner-list", args=[c.slug]),
        [
            *FLOOR,
            "the campaign, if visible to them, with lead and region",
            # Counted by reading them: a list longer than a page would add its count.
            "the first page of partners with their organisations",
        ],
    ),
    "toolkit": (
        lambda c, m: reverse("campaigns:toolkit", args=[c.slug]),
        [
            *FLOOR,
            "the campaign, if visible to them",
            # Not its tags, audience or uploaders: the material's own page shows those. Counted
            # by reading it: a toolkit longer than a page would add its count.
            "the first page of the material they may see, with its owner",
            "its versions",
            "their last visit to the toolkit (written only when something was new)",
        ],
    ),
    "material page": (
        lambda c, m: reverse("campaigns:material-detail", args=[m.pk]),
        [
            *FLOOR,
            # Material made from a template would add what it was made from, and material for
            # named organisations those organisations.
            "the material, if visible to them, with campaign, owner, and whether it is a "
            "template or was made from one",
            "its tags",
            "its versions with who uploaded and who decided on each",
        ],
    ),
    "activity list": (
        lambda c, m: reverse("campaigns:activity-list"),
        [
            *FLOOR,
            "the number of records they may see (for the pages), from the monthly totals",
            "the campaigns of the filter",
            "the organisations of the filter",
            "the page of records, with organisation",
            # Not joined to the page: see ActivityQuerySet.for_list.
            "the campaigns of those records",
        ],
    ),
    "readiness": (
        lambda c, m: reverse("campaigns:readiness", args=[c.slug]),
        [
            *FLOOR,
            "the campaign, if visible to them",
            "the partners they may see, with organisations",
            "the partners' people",
            "material downloaded, by partner",
            "records by partner and type from the monthly totals: last day, since launch",
            "this month's records up to today, and the rest of a launch month, by partner",
        ],
    ),
    "impact": (
        lambda c, m: reverse("campaigns:impact", args=[c.slug]),
        [
            *FLOOR,
            "the campaign, if visible to them",
            "the partners with their organisations (launch dates, and the visits table)",
            # What the effect, the area table, the chart and the table's presets are worked out
            # from, kept until one changes (campaigns/impact/report.py): the figures and the
            # years with a whole year's figure are read only when it is worked out again.
            "every channel, with the stamp of the region's figures",
            "the region's force areas",
            "their records by month (the timeline)",
            "their records by partner (beside the visits their links brought)",
            "help-page visits by partner and medium",
        ],
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_costs_exactly_its_named_queries(
    name, client_for, police_officer, campaign, force_a, django_assert_num_queries
):
    material = make_material(campaign)
    make_activity(campaign, force_a)
    url, queries = PAGES[name]
    client = client_for(police_officer)
    client.get(url(campaign, material))  # the first toolkit visit is written once
    with django_assert_num_queries(len(queries)):
        response = client.get(url(campaign, material))
    assert response.status_code == 200


# Logging a record, as the form sends it (no material chosen, no evidence). The form checks what
# was typed; the service checks the record again before saving, but not what the portal set
# itself (campaign, organisation, who logged it: campaigns.services.activity._NOT_ASKED_AGAIN).
CHECKS = ["a savepoint", "the record ends after it starts", "its release"]
CHECKS += ["a savepoint", "its engagement is within its reach", "its release"]
LOGGING = [
    *FLOOR,
    "the campaign, if visible to them",
    "their organisations among the campaign's partners (who may log for it)",
    "the force area chosen",
    "that force area, as the record's own check asks",
    *CHECKS,
    "a record already sent with this form's key",
    "the same record sent by them minutes ago",
    "a savepoint (the record, its history and its audit entry together)",
    "the force area, as the service's check asks",
    *CHECKS,
    "the record saved",
    "its material, for its history",
    "its first version",
    "its audit entry",
    "the savepoint's release",
]


def test_logging_a_record_costs_exactly_its_named_queries(
    client_for, council_officer, campaign, council_b, django_assert_num_queries
):
    client = client_for(council_officer)
    client.get(new_url(campaign))
    with django_assert_num_queries(len(LOGGING)):
        response = client.post(new_url(campaign), posters(force_area=council_b.force_area_id))
    assert response.status_code == 302
    assert Activity.objects.filter(organisation=council_b, place="Yeovil library").count() == 1
