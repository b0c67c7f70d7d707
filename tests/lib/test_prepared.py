"""A request's SELECTs as prepared statements on PostgreSQL (lib.prepared): the rows and their
types are those of the SQL sent as it is; a statement is prepared once per connection, never in
a transaction, not while queries are logged, and not behind PgBouncer's transaction pooling; a
migration changing a returned column does not break it."""

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import NotSupportedError, connection, transaction
from django.db.models import BooleanField, DecimalField, IntegerField, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Organisation
from lib import prepared
from tests.factories import make_organisation
from tests.portal.test_settings import run_django
from tests.servers import pgbouncer

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _prepared() -> dict[str, int]:
    """This connection's prepared statements, each with how many times it has run."""
    with connection.cursor() as cursor:
        cursor.cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE name LIKE 'portal\\_%'"
        )
        return dict(cursor.cursor.fetchall())


def _named(name: str, *, since=None):
    """A query with a value of each kind the portal sends: text, a number, a moment, a day, a
    flag, a decimal, and values selected as well as compared."""
    since = since or timezone.now() - timedelta(days=1)
    return (
        Organisation.objects.filter(
            name=name, is_active=True, created_at__gte=since, created_at__date__gte=date(2020, 1, 1)
        )
        .exclude(pk=-1)
        .annotate(
            flag=Value(True, output_field=BooleanField()),
            number=Value(5, output_field=IntegerField()),
            share=Value(Decimal("0.72"), output_field=DecimalField()),
            label=Value("a 100% uplift"),
        )
        .values_list("pk", "name", "created_at", "flag", "number", "share", "label")
    )


def test_a_select_is_prepared_once_and_answers_as_the_sql_sent_as_it_is():
    kent = make_organisation("Kent Police")
    essex = make_organisation("Essex Police")
    expected = list(_named("Kent Police"))
    with connection.execute_wrapper(prepared.statements):
        assert list(_named("Kent Police")) == expected
        assert _prepared() and set(_prepared().values()) == {1}
        rows = list(_named("Essex Police"))
        again = list(_named("Kent Police"))
    assert [row[:2] for row in rows] == [(essex.pk, "Essex Police")]
    assert (
        again
        == expected
        == [(kent.pk, "Kent Police", kent.created_at, True, 5, Decimal("0.72"), "a 100% uplift")]
    )
    # The values keep the types the SQL as sent gives them: a flag is not the text "true".
    assert [type(value) for value in again[0][3:]] == [bool, int, Decimal, str]
    assert list(_prepared().values()) == [3]
    # What a database restart or CONN_MAX_AGE does: the new connection prepares it again.
    connection.close()
    with connection.execute_wrapper(prepared.statements):
        assert list(_named("Kent Police")) == expected
    assert list(_prepared().values()) == [1]


def test_in_a_transaction_a_statement_is_not_prepared_but_one_prepared_already_runs():
    make_organisation("Kent Police")
    with connection.execute_wrapper(prepared.statements):
        with transaction.atomic():
            expected = list(_named("Kent Police"))
            assert _prepared() == {}
        assert list(_named("Kent Police")) == expected
        with transaction.atomic():
            assert list(_named("Kent Police")) == expected
    assert list(_prepared().values()) == [2]


def test_with_autocommit_turned_off_a_statement_is_not_prepared():
    make_organisation("Kent Police")
    expected = list(_named("Kent Police"))
    transaction.set_autocommit(False)
    try:
        with connection.execute_wrapper(prepared.statements):
            assert list(_named("Kent Police")) == expected
        assert _prepared() == {}
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)


def test_a_statement_postgresql_cannot_prepare_is_sent_as_it_is():
    with connection.execute_wrapper(prepared.statements), connection.cursor() as cursor:
        # The type of a NULL tested for being NULL cannot be inferred in a PREPARE.
        for _ in range(2):
            cursor.execute("SELECT %s IS NULL", [None])
            assert cursor.fetchone() == (True,)
    assert _prepared() == {}


def test_values_psycopg2_writes_otherwise_are_sent_as_they_are():
    with connection.execute_wrapper(prepared.statements), connection.cursor() as cursor:
        cursor.execute("SELECT %s * 2", [1.5])
        assert cursor.fetchone() == (3.0,)
        cursor.execute("SELECT %s = ANY(%s)", [3, [1, 2, 3]])
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT %s::text, %s", [uuid.UUID(int=7), b"\x00\x01"])
        assert cursor.fetchone()[0] == str(uuid.UUID(int=7))
    # The float and the list are not prepared; the uuid and the bytes are.
    assert len(_prepared()) == 1


def test_queries_logged_are_the_sql_itself_and_not_prepared():
    make_organisation("Kent Police")
    with connection.execute_wrapper(prepared.statements), CaptureQueriesContext(connection) as log:
        list(_named("Kent Police"))
    assert log.captured_queries[0]["sql"].startswith("SELECT ")
    assert _prepared() == {}


def test_a_server_side_cursor_declares_its_own_query():
    make_organisation("Kent Police")
    with connection.execute_wrapper(prepared.statements):
        names = [organisation.name for organisation in Organisation.objects.iterator()]
    assert "Kent Police" in names


def test_a_connection_keeps_at_most_the_newest_statements(monkeypatch):
    monkeypatch.setattr(prepared, "MOST_STATEMENTS", 3)
    with connection.execute_wrapper(prepared.statements), connection.cursor() as cursor:
        for number in range(5):
            cursor.execute(f"SELECT %s + {number}", [1])
            assert cursor.fetchone() == (1 + number,)
        # The oldest were deallocated; the second-oldest is prepared again when it runs again.
        assert len(_prepared()) == 3
        cursor.execute("SELECT %s + 1", [1])
        assert cursor.fetchone() == (2,)
    assert len(_prepared()) == 3


def _alter_name_column(length: int) -> None:
    """What a migration run from another machine does to a column the query returns."""
    import psycopg2

    database = connection.settings_dict
    other = psycopg2.connect(
        host=database["HOST"], port=database["PORT"], dbname=database["NAME"], user=database["USER"]
    )
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE agencies_organisation ALTER COLUMN name TYPE varchar({length})"
            )
    finally:
        other.close()


def test_a_migration_changing_a_returned_column_does_not_break_the_statement():
    """PostgreSQL refuses a prepared statement whose columns changed type ("cached plan must not
    change result type"): the web processes still running while a release migrates would fail
    every request that used it until their connections were replaced."""
    make_organisation("Kent Police")
    expected = list(_named("Kent Police"))
    length = Organisation._meta.get_field("name").max_length
    with connection.execute_wrapper(prepared.statements):
        assert list(_named("Kent Police")) == expected
        _alter_name_column(length + 50)
        try:
            assert list(_named("Kent Police")) == expected
            assert list(_named("Kent Police")) == expected
            # In a transaction the refusal has aborted it, and is raised; the next use of the
            # connection, in a transaction or not, has the statement prepared again.
            _alter_name_column(length + 60)
            with pytest.raises(NotSupportedError), transaction.atomic():
                list(_named("Kent Police"))
            with transaction.atomic():
                assert list(_named("Kent Police")) == expected
            assert list(_named("Kent Police")) == expected
            with transaction.atomic():
                assert list(_named("Kent Police")) == expected
        finally:
            _alter_name_column(length)
    # Prepared again outside the transaction, then run in one.
    assert list(_prepared().values()) == [2]


def test_a_signed_in_page_prepares_its_queries_and_the_next_request_runs_them(
    client_for, police_officer
):
    client = client_for(police_officer)
    first = client.get("/")
    assert first.status_code == 200
    assert "Avon and Somerset Police" in first.text
    after_first = _prepared()
    second = client.get("/")
    assert second.status_code == 200
    assert second.text.count("Avon and Somerset Police") == first.text.count(
        "Avon and Somerset Police"
    )
    after_second = _prepared()
    # The session, the person and the page's own queries: each prepared by the first request and
    # run again by the second, none prepared anew.
    assert len(after_first) >= 3
    assert after_second.keys() == after_first.keys()
    assert all(after_second[name] > runs for name, runs in after_first.items())


# Run by the portal as configured for PgBouncer, with its SELECTs going through lib.prepared as in
# a request: the session and the person are read, then again while another client holds the one
# server connection used so far, so that PgBouncer hands the second reads another server
# connection, as it does to requests under load.
READ_TWICE_BEHIND_A_POOLER = """
import json, os
import psycopg2
from django.conf import settings
from django.db import connection
from agencies.backends import load_person
from lib.prepared import statements
from portal.sessions import SessionStore

def read():
    with connection.execute_wrapper(statements):
        session = SessionStore(os.environ["SESSION_KEY_TO_READ"]).load()
        person = load_person(session["_auth_user_id"])
        return [session, person.email, [m.organisation.name for m in person.active_memberships]]

first = read()
database = settings.DATABASES["default"]
holder = psycopg2.connect(
    host=database["HOST"], port=database["PORT"], dbname=database["NAME"], user=database["USER"]
)
holder.cursor().execute("SELECT 1")
print(json.dumps([first, read()]))
"""


def test_behind_pgbouncers_transaction_pooling_the_session_and_the_person_are_read(
    tmp_path, police_officer, settings
):
    from portal.sessions import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(police_officer.pk)
    session.create()
    database = connection.settings_dict
    with pgbouncer(
        tmp_path / "pgbouncer",
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
    ) as bouncer:
        result = run_django(
            ["shell", "-c", READ_TWICE_BEHIND_A_POOLER],
            DEBUG="false",
            SECRET_KEY=settings.SECRET_KEY,
            ALLOWED_HOSTS="testserver",
            PORTAL_BASE_URL="http://testserver",
            DATABASE_URL=(
                f"postgres://{database['USER']}@127.0.0.1:{bouncer.port}/{database['NAME']}"
            ),
            DATABASE_TRANSACTION_POOLING="true",
            SESSION_KEY_TO_READ=session.session_key,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = json.loads(result.stdout.strip().splitlines()[-1])
    expected = [police_officer.email, ["Avon and Somerset Police"]]
    assert first[1:] == second[1:] == expected
    assert first[0] == second[0] == {"_auth_user_id": str(police_officer.pk)}
