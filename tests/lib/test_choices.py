"""A form's choices from the database are read in one ordinary query (lib/choices.py), on the
pages whose lists come from it: the activity list's filters and the activity form."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Organisation
from lib.choices import ModelChoiceField, ModelMultipleChoiceField
from tests.campaigns.test_activity_records import make_activity
from tests.factories import make_material


def test_choices_are_read_once_in_one_query_with_the_empty_choice_first(force_a, council_b):
    field = ModelChoiceField(queryset=Organisation.objects.order_by("name"), empty_label="Any")
    with CaptureQueriesContext(connection) as queries:
        first = list(field.choices)
        again = list(field.choices)
        assert len(field.choices) == 3
    assert [str(label) for _, label in first] == [
        "Any",
        "Avon and Somerset Police",
        "South Somerset District Council",
    ]
    assert [value for value, _ in again] == [value for value, _ in first]
    assert [q["sql"].split()[0] for q in queries] == ["SELECT"], "no cursor, nothing asked again"


def test_a_multiple_choice_still_checks_what_is_sent_against_the_database(force_a, council_b):
    field = ModelMultipleChoiceField(queryset=Organisation.objects.filter(pk=force_a.pk))
    list(field.choices)
    assert list(field.clean([str(force_a.pk)])) == [force_a]
    try:
        field.clean([str(council_b.pk)])
    except Exception as refused:
        assert "not one of the available choices" in str(refused)
    else:
        raise AssertionError("a choice outside the queryset was accepted")


def test_the_pages_with_lists_from_the_database_declare_no_cursor(
    client_for, police_officer, campaign, force_a
):
    make_material(campaign, owner=force_a)
    make_activity(campaign, force_a)
    client = client_for(police_officer)
    for url in [
        reverse("campaigns:activity-list"),
        reverse("campaigns:activity-create", args=[campaign.slug]),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not [q for q in queries if q["sql"].startswith("DECLARE")], url
