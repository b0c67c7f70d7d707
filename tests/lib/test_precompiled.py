"""Queries built once per process (lib.precompiled): the rows are what the ORM's own query
gives."""

import copy
from datetime import timedelta

import pytest
from django.db.models import Count, DateTimeField, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from agencies.models import Membership, Organisation
from lib.precompiled import PrecompiledExpression, PrecompiledQuery, PrecompiledSubquery
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def _organisations_named(database: str, name: object):
    return (
        Organisation.objects.using(database)
        .filter(name=name, is_active=True)
        .order_by("pk")
        .values_list("pk", "name", "created_at")
    )


def test_the_rows_are_those_of_the_query_it_was_built_from():
    make_organisation("Avon and Somerset Police")
    make_organisation("Avon and Somerset Police 100% local")
    query = PrecompiledQuery(_organisations_named, sentinel="\x00name")
    for name in ["Avon and Somerset Police", "Avon and Somerset Police 100% local", "nobody"]:
        expected = [list(row) for row in _organisations_named("default", name)]
        assert query.rows("default", name) == expected
    # The converters ran: the date comes back as the model's type, not the database's text.
    assert query.rows("default", "Avon and Somerset Police")[0][2].tzinfo is not None


def _named_or_led_by(names: list[int], leads: list[int]):
    named = Organisation.objects.filter(pk__in=names).order_by().values("pk")
    if not leads:
        return named
    return named.union(Organisation.objects.filter(pk__in=leads).order_by().values("pk"), all=True)


def test_a_subquery_built_once_gives_each_set_of_ids_its_own_rows():
    """Built once per number of ids, the SQL must still answer for the ids it is given: two
    people with as many organisations as each other see their own, never the other's."""
    first, second, third, fourth = (make_organisation() for _ in range(4))
    subquery = PrecompiledSubquery(_named_or_led_by)

    def answer(names, leads):
        expression = subquery.expression("default", names, leads)
        return set(Organisation.objects.filter(pk__in=expression).values_list("pk", flat=True))

    for names, leads in [
        ({first.pk}, set()),
        ({second.pk}, set()),  # the same shape as the one before: the SQL built for it
        ({first.pk, third.pk}, {fourth.pk}),
        ({second.pk, fourth.pk}, {first.pk}),  # and the same shape again
        ({third.pk}, {first.pk, second.pk}),
    ]:
        expected = set(
            Organisation.objects.filter(
                pk__in=_named_or_led_by(list(names), list(leads))
            ).values_list("pk", flat=True)
        )
        assert answer(names, leads) == expected == names | leads
    assert len(subquery._compiled) == 3  # (1, 0), (2, 1) and (1, 2) ids


def test_a_subquery_must_use_every_id_it_is_built_from():
    subquery = PrecompiledSubquery(lambda names, leads: _named_or_led_by(names, []))
    with pytest.raises(ValueError, match="every id"):
        subquery.expression("default", [1], [2])


def _named_or_with_members(database, moment, organisation_ids, people_ids) -> Q:
    """Organisations named, or with one of these people as a member (a subquery that refers to
    the organisation tested), created by the moment if there is one."""
    members = Membership.objects.filter(organisation=OuterRef("pk"), user_id__in=people_ids)
    condition = Q(pk__in=organisation_ids) | Q(Exists(members))
    if moment is not None:
        condition &= Q(created_at__lte=moment)
    return condition


@pytest.fixture
def organisations_and_people():
    organisations = [make_organisation() for _ in range(4)]
    people = [make_user(organisation=organisation) for organisation in organisations]
    return organisations, people


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_a_condition_built_once_gives_each_set_of_ids_and_moment_its_own_rows(
    organisations_and_people,
):
    (first, second, third, fourth), people = organisations_and_people
    condition = PrecompiledExpression(Organisation, _named_or_with_members)
    before_third = third.created_at - timedelta(microseconds=1)
    Organisation.objects.filter(pk=fourth.pk).update(created_at=timezone.now() + timedelta(days=1))
    for moment, named, members in [
        (None, {first.pk}, {people[1].pk}),
        (None, {second.pk}, {people[2].pk}),  # the same shape: the SQL built for the one before
        (timezone.now(), {third.pk}, {people[3].pk}),  # the fourth is created tomorrow
        (before_third, {first.pk, third.pk}, {people[1].pk}),
        (timezone.now(), {fourth.pk, second.pk}, {people[0].pk}),
    ]:
        expected = _ids(
            Organisation.objects.filter(
                _named_or_with_members("default", moment, list(named), list(members))
            )
        )
        assert _ids(Organisation.objects.filter(condition.expression(moment, named, members))) == (
            expected
        )
    assert expected == {first.pk, second.pk}
    assert len(condition._compiled) == 3  # (1, 1) without a moment, (1, 1) and (2, 1) with one


def test_a_condition_in_a_subquery_tests_the_subquery_rows(organisations_and_people):
    """A subquery gives its tables other aliases (U0...), and the condition's own subquery
    must then have another, or it would test its own rows in place of the organisation's."""
    (first, second, third, _), people = organisations_and_people
    condition = PrecompiledExpression(Organisation, _named_or_with_members)
    for named, members in [({first.pk}, {people[1].pk}), ({third.pk}, {people[0].pk})]:
        precompiled = Organisation.objects.filter(condition.expression(None, named, members))
        built = Organisation.objects.filter(
            _named_or_with_members("default", None, list(named), list(members))
        )
        expected = _ids(built)
        assert len(expected) == 2
        # In another model's query, in its own model's, and inside a subquery of a subquery.
        assert (
            set(
                Membership.objects.filter(organisation__in=precompiled).values_list(
                    "organisation_id", flat=True
                )
            )
            == expected
        )
        assert _ids(Organisation.objects.filter(pk__in=precompiled)) == expected
        assert _ids(Organisation.objects.filter(pk__in=built).filter(pk__in=precompiled)) == (
            expected
        )
        nested = Membership.objects.filter(organisation__in=precompiled).values("organisation")
        assert (
            _ids(
                Organisation.objects.filter(
                    condition.expression(None, named, members), pk__in=nested
                )
            )
            == expected
        )
        assert _ids(Organisation.objects.exclude(pk__in=precompiled)) == (
            {organisation.pk for organisation in Organisation.objects.all()} - expected
        )
        # Copied deeply (as a form's choices are), it still answers, with the SQL shared.
        assert _ids(copy.deepcopy(precompiled)) == expected


def test_a_value_built_once_is_each_rows_own_and_of_its_type(organisations_and_people):
    """An annotation: each organisation's latest membership of these people, a date and time
    (on SQLite the database's text, turned into one by the output field's converters)."""
    (first, second, _, _), people = organisations_and_people
    joined = PrecompiledExpression(
        Organisation,
        lambda database, moment, people_ids: Subquery(
            Membership.objects.filter(organisation=OuterRef("pk"), user_id__in=people_ids)
            .order_by("-created_at")
            .values("created_at")[:1]
        ),
        output_field=DateTimeField(),
    )
    for person, organisation in [(people[0], first), (people[1], second)]:
        rows = dict(
            Organisation.objects.annotate(joined=joined.expression(None, [person.pk]))
            .filter(joined__isnull=False)
            .values_list("pk", "joined")
        )
        membership = Membership.objects.get(user=person)
        assert rows == {organisation.pk: membership.created_at}
        # Grouped by, as any value of the rows may be.
        grouped = (
            Organisation.objects.annotate(joined=joined.expression(None, [person.pk]))
            .values("joined")
            .annotate(organisations=Count("pk"))
        )
        assert {row["joined"]: row["organisations"] for row in grouped} == {
            membership.created_at: 1,
            None: Organisation.objects.count() - 1,
        }


def test_a_condition_is_on_its_own_model_and_columns():
    condition = PrecompiledExpression(
        Organisation, lambda database, moment, ids: Q(pk__in=ids, region__name="South West")
    )
    with pytest.raises(ValueError, match="must not join"):
        list(Organisation.objects.filter(condition.expression(None, [1])))
    with pytest.raises(ValueError, match="about Organisation.s rows"):
        Membership.objects.filter(condition.expression(None, [1]))


def test_a_condition_uses_the_moment_it_is_given_and_every_id():
    ignores = PrecompiledExpression(Organisation, lambda database, moment, ids: Q(pk__in=ids))
    with pytest.raises(ValueError, match="moment"):
        list(Organisation.objects.filter(ignores.expression(timezone.now(), [1])))
    partly = PrecompiledExpression(
        Organisation, lambda database, moment, ids, others: Q(pk__in=ids)
    )
    with pytest.raises(ValueError, match="every id"):
        list(Organisation.objects.filter(partly.expression(None, [1], [2])))


def test_a_query_must_use_its_sentinel_exactly_once():
    query = PrecompiledQuery(
        lambda database, value: Organisation.objects.filter(name=value, slug=value).values_list(
            "pk"
        ),
        sentinel="\x00twice",
    )
    with pytest.raises(ValueError, match="exactly once, not 2 times"):
        query.rows("default", "a")
