"""A request's SELECTs sent to PostgreSQL as prepared statements of their connection.

PostgreSQL parses, analyses and plans every statement it is sent. For the portal's pages that is
most of the database's work: the home page's four queries after the person took 9.1 ms as sent
and 3.4 ms as prepared statements (the demo, median of 100, alternating). psycopg2 (which the
portal uses) has no prepared statements of its own, so `PreparedStatementsMiddleware` puts
`statements` around every request: a SELECT is prepared once per connection (`PREPARE`, with
the SQL's placeholders numbered) and then run as `EXECUTE name(values)`. Connections are kept
between requests (CONN_MAX_AGE), and so are their statements.

Each value's type is named in the PREPARE as psycopg2 would write its literal (a number as a
bigint, a moment as timestamptz, text and NULL left for PostgreSQL to infer from where it is
used, as it does for a quoted literal), so a statement answers what the same SQL sent as it is
answers. A SELECT with any other value (a list, a float, JSON) is sent as it is.

Sent as it is, too:
- behind a pooler that gives each transaction whichever server connection is free (PgBouncer's
  transaction pooling, set by DATABASE_TRANSACTION_POOLING): a statement prepared on one server
  connection is missing from the next, or already there for another client;
- while Django logs the queries (DEBUG, or a test counting them): the log then shows the SQL,
  not `EXECUTE`;
- through a server-side cursor (`QuerySet.iterator()`), which `DECLARE`s its own;
- preparing in a transaction (an atomic block, or autocommit turned off): a PREPARE PostgreSQL
  refused would abort it and lose what the request had written. A statement already prepared
  is executed there.

If PostgreSQL refuses to prepare a statement, it is remembered and sent as it is from then on.
A migration that changes a column a statement returns (its type or length) makes PostgreSQL
refuse to execute it ("cached plan must not change result type") on every connection that has
it, in the web processes still running while a release migrates: outside a transaction the
statement is prepared again and run; in one, the refusal has aborted the transaction and is
raised, and the connection's next use prepares it again.

A connection keeps at most MOST_STATEMENTS (the least recently used are deallocated): a list's
pages differ in their OFFSET, and each number of ids in an `IN (...)` is its own statement.
"""

import hashlib
import re
import uuid
import weakref
from collections import OrderedDict
from contextlib import ExitStack
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import psycopg2
import psycopg2.errors
from django.db import DatabaseError, connections

MOST_STATEMENTS = 200

# psycopg2's placeholders (%s, and %% for a literal %), as PREPARE's numbered parameters.
_PLACEHOLDER = re.compile(r"%([s%])")
# PostgreSQL's codes for "cached plan must not change result type" (feature_not_supported) and
# for a statement the connection no longer has (invalid_sql_statement_name: DEALLOCATE ALL).
_PREPARE_AGAIN = {"0A000", "26000"}
_INT8 = range(-(2**63), 2**63)


class _Connection:
    """What one PostgreSQL connection has prepared: name -> True, or False if refused."""

    def __init__(self) -> None:
        self.statements: OrderedDict[str, bool] = OrderedDict()
        # Refused once run (after a migration, or deallocated): deallocated before preparing.
        self.outdated: set[str] = set()


# psycopg2's own connections: a new one (CONN_MAX_AGE, a restart) starts with none prepared.
_prepared: "weakref.WeakKeyDictionary[object, _Connection]" = weakref.WeakKeyDictionary()


def _type_of(value) -> str | None:
    """The type psycopg2 gives the literal it writes for value, or None if not one of these."""
    if value is None or isinstance(value, str):
        return "unknown"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint" if value in _INT8 else "numeric"
    if isinstance(value, Decimal):
        return "numeric"
    if isinstance(value, datetime):
        return "timestamptz" if value.tzinfo is not None else "timestamp"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return None if value.tzinfo is not None else "time"
    if isinstance(value, timedelta):
        return "interval"
    if isinstance(value, uuid.UUID):
        return "uuid"
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytea"
    return None


def _wanted(connection, cursor, sql: str, params, many: bool) -> bool:
    return (
        not many
        and connection.vendor == "postgresql"
        and not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
        and not connection.queries_logged
        and cursor.cursor.name is None
        and sql.startswith("SELECT")
        and (params is None or isinstance(params, list | tuple))
    )


def statements(execute, sql, params, many, context):
    """A Django execute wrapper (connection.execute_wrapper) sending SELECTs as prepared
    statements where it can, as the module says."""
    connection, cursor = context["connection"], context["cursor"]
    if not _wanted(connection, cursor, sql, params, many):
        return execute(sql, params, many, context)
    types = [_type_of(value) for value in params or ()]
    if None in types:
        return execute(sql, params, many, context)
    signature = ",".join(types)
    name = "portal_" + hashlib.blake2b(f"{signature}|{sql}".encode(), digest_size=10).hexdigest()
    prepared = _prepared.setdefault(connection.connection, _Connection())
    known = prepared.statements.get(name)
    if known is None:
        known = connection.get_autocommit() and _prepare(
            prepared, cursor, name, signature, sql, params
        )
    else:
        prepared.statements.move_to_end(name)
    if not known:
        return execute(sql, params, many, context)
    running = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    try:
        return execute(running, params or None, many, context)
    except DatabaseError as refused:
        if getattr(refused.__cause__, "pgcode", None) not in _PREPARE_AGAIN:
            raise
        # Its plan is outdated, or gone: deallocated as the statement is prepared again.
        prepared.statements.pop(name, None)
        prepared.outdated.add(name)
        if not connection.get_autocommit():
            raise
        if not _prepare(prepared, cursor, name, signature, sql, params):
            return execute(sql, params, many, context)
        return execute(running, params or None, many, context)


def _prepare(prepared: _Connection, cursor, name: str, signature: str, sql: str, params) -> bool:
    """Prepare the statement on the cursor's connection (outside a transaction); False if
    PostgreSQL refused it. On psycopg2's own cursor, so that Django's query log and counts
    see only the statement the request ran."""
    if params is None:
        numbered = sql
    else:
        numbers = iter(range(1, len(params) + 1))
        numbered = _PLACEHOLDER.sub(
            lambda match: "%" if match[1] == "%" else f"${next(numbers)}", sql
        )
    declared = f" ({signature})" if signature else ""
    if name in prepared.outdated:
        _deallocate(cursor, name)
        prepared.outdated.discard(name)
    try:
        cursor.cursor.execute(f"PREPARE {name}{declared} AS {numbered}")
    except psycopg2.errors.DuplicatePreparedStatement:
        pass  # prepared on this connection already: the name is the statement's own hash
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        # The connection failed, not the statement: sent as it is, Django sees the failure.
        return False
    except psycopg2.Error:
        prepared.statements[name] = False
        return False
    prepared.statements[name] = True
    while len(prepared.statements) > MOST_STATEMENTS:
        oldest, was_prepared = prepared.statements.popitem(last=False)
        if was_prepared:
            _deallocate(cursor, oldest)
    return True


def _deallocate(cursor, name: str) -> None:
    try:
        cursor.cursor.execute(f"DEALLOCATE {name}")
    except psycopg2.errors.InvalidSqlStatementName:
        pass  # the connection no longer had it


class PreparedStatementsMiddleware:
    """Every database connection's SELECTs in the request go through `statements`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with ExitStack() as stack:
            for connection in connections.all():
                if connection.vendor == "postgresql":
                    stack.enter_context(connection.execute_wrapper(statements))
            return self.get_response(request)
