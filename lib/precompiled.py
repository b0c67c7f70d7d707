"""Queries that every signed-in request runs, with their SQL built by the ORM once per process.

Building a query (filters, joins, the compiler's SQL) costs the ORM more Python than the database
takes to answer a lookup by primary key: for the two queries of every signed-in request (the
session, and the person with their memberships) it was most of the request's time. A
PrecompiledQuery builds its queryset once per database with a sentinel in place of the one value
that varies, keeps the SQL, the parameters and the columns' converters, and afterwards runs the
SQL with the real value in the sentinel's place. The rows are what `values_list` would give.

In a request on PostgreSQL the SQL is a prepared statement of the connection, as every SELECT
of a request is (lib/prepared.py): planning the person's query of six joins took the server
0.6 ms of its 0.7 ms (EXPLAIN ANALYZE on the demo).

The first of these queries in a request is also its connection's health check. A connection kept
from an earlier request (CONN_MAX_AGE) may have died meanwhile (a database restart), so Django
sends SELECT 1 before a request's first query when CONN_HEALTH_CHECKS is on: a round trip of its
own, a third of a signed-in request's on PostgreSQL with the session in the shared cache. The
lookup is sent instead, as it is only a read: if it fails and the connection then proves dead,
the connection is replaced and the lookup sent again, as the health check would have done.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from django.db import InterfaceError, OperationalError, connections
from django.db.models import BooleanField, Model, Q, QuerySet
from django.db.models.expressions import Expression, RawSQL
from django.db.models.sql import Query


class PrecompiledQuery:
    """`build(database, sentinel)` returns a values_list queryset that uses `sentinel` exactly
    once as a parameter; `rows(database, value)` runs it for `value`."""

    def __init__(self, build: Callable[[str, object], QuerySet], sentinel: object) -> None:
        self._build = build
        self._sentinel = sentinel
        self._compiled: dict[tuple[str, str], tuple[str, list, int, list]] = {}

    def _compile(self, database: str) -> tuple[str, list, int, list]:
        # The vendor is part of the key: the test suite switches a database alias's engine.
        key = (database, connections[database].vendor)
        if key not in self._compiled:
            compiler = self._build(database, self._sentinel).query.get_compiler(database)
            sql, params = compiler.as_sql()
            params = list(params)
            positions = [index for index, value in enumerate(params) if value == self._sentinel]
            if len(positions) != 1:
                raise ValueError(
                    f"the query must use its sentinel exactly once, not {len(positions)} times"
                )
            selected = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = list(compiler.get_converters(selected).items())
            self._compiled[key] = (sql, params, positions[0], converters)
        return self._compiled[key]

    def rows(self, database: str, value: object) -> list[list]:
        connection = connections[database]
        if not (
            connection.connection is not None
            and connection.health_check_enabled
            and not connection.health_check_done
            and not connection.in_atomic_block
        ):
            return self._rows(connection, database, value)
        # The request's first query on a kept connection: it stands in for the health check.
        connection.health_check_done = True
        try:
            return self._rows(connection, database, value)
        except (OperationalError, InterfaceError):
            if connection.is_usable():
                raise
            connection.close()
            return self._rows(connection, database, value)

    def _rows(self, connection, database: str, value: object) -> list[list]:
        sql, params, position, converters = self._compile(database)
        bound = list(params)
        bound[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for column, (functions, expression) in converters:
                converted = row[column]
                for function in functions:
                    converted = function(converted, expression, connection)
                row[column] = converted
        return rows


class PrecompiledSubquery:
    """A subquery whose SQL the ORM builds once per database and shape, for the `__in` of other
    queries: `build(*groups)` returns a values queryset made from groups of ids, and
    `expression(database, *groups)` is its SQL (RawSQL) for these ids.

    It is built with stand-ins (distinct negative numbers) for the ids, once for each database and
    each number of ids in each group, then used with the real ids in the stand-ins' places. For
    where a person's material can be (campaigns.models.material), building and compiling the
    subquery cost the ORM 1.5 ms of every page that lists material; the database answers it in
    a tenth of a millisecond.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._compiled: dict[tuple, tuple[str, list, list[tuple[int, tuple[int, int]]]]] = {}

    def expression(self, database: str, *groups) -> RawSQL:
        groups = [sorted(group) for group in groups]
        key = (database, connections[database].vendor, tuple(len(group) for group in groups))
        if key not in self._compiled:
            self._compiled[key] = self._compile(database, [len(group) for group in groups])
        sql, params, slots = self._compiled[key]
        # The SQL is the ORM's own and every value is a parameter: nothing is written into it.
        return RawSQL(sql, _bind(params, slots, groups))  # noqa: S611

    def _compile(self, database: str, sizes: list[int]):
        stand_ins, where = _stand_ins(sizes)
        sql, params = self._build(*stand_ins).query.get_compiler(database).as_sql()
        return sql, list(params), _slots(params, where)


class PrecompiledExpression:
    """A condition on a model's own rows, or a value of each (a subquery to annotate them
    with), whose SQL the ORM builds once per database, shape and place in a query:
    `build(database, moment, *groups)` returns a Q, or an expression with this output field,
    made from groups of ids and a moment (a datetime, or None when it has no use for one), and
    `expression(moment, *groups)` is that condition or value, for the model's querysets'
    `filter` or `annotate`.

    Built with stand-ins as PrecompiledSubquery is, once for each database, number of ids in
    each group and whether there is a moment, and also for each alias the model's table has in
    the query (its name, or U0 and the like in a subquery) and that query's prefix for its own
    subqueries' aliases: the expression's subqueries may refer to the row being tested, and the
    ORM chooses their aliases so as not to hide the query's own, which the SQL built elsewhere
    would not. For who may see which material (campaigns.models.material), building and
    compiling the condition cost the ORM 3 ms of every page that lists material, 6 times what
    the database takes to answer it.

    The expression may use only the model's own columns and subqueries: a join would need a
    table in the query's FROM, which an expression cannot add. A group may be empty only where
    the expression leaves out what it would be used in: the ORM drops a condition on no ids,
    and with it any other group's ids in that condition, which the check that every id is used
    then refuses.
    """

    def __init__(
        self, model: type[Model], build: Callable[..., Q | Expression], output_field=None
    ) -> None:
        self.model = model
        self.output_field = output_field or BooleanField()
        self._build = build
        self._compiled: dict[tuple, tuple[str, list, list, list[int]]] = {}

    def __deepcopy__(self, memo) -> "PrecompiledExpression":
        # Querysets are copied deeply at times (forms' choices); the SQL built is shared.
        return self

    def expression(self, moment, *groups) -> "_Precompiled":
        return _Precompiled(self, moment, tuple(tuple(sorted(group)) for group in groups))

    def sql(self, compiler, connection, alias: str, moment, groups) -> tuple[str, list]:
        key = (
            connection.alias,
            connection.vendor,
            tuple(len(group) for group in groups),
            moment is None,
            alias,
            compiler.query.alias_prefix,
        )
        if key not in self._compiled:
            self._compiled[key] = self._compile(connection, key)
        sql, params, slots, moments = self._compiled[key]
        bound = _bind(params, slots, groups)
        if moments:
            adapted = connection.ops.adapt_datetimefield_value(moment)
            for position in moments:
                bound[position] = adapted
        return sql, bound

    def _compile(self, connection, key: tuple):
        _, _, sizes, timeless, alias, prefix = key
        stand_ins, where = _stand_ins(sizes)
        query = Query(self.model)
        query.alias_prefix = prefix
        table = query.get_initial_alias()
        if alias != table:
            query.change_aliases({table: alias})
        built = self._build(connection.alias, None if timeless else _MOMENT, *stand_ins)
        if isinstance(built, Q):
            query.add_q(built)
            node = query.where
        else:
            node = built.resolve_expression(query, allow_joins=False)
        # The ORM sets up a join for each relation a condition names and trims those it needs
        # no column of (campaign_id is the material's own): only those left would be joined.
        if any(count for joined, count in query.alias_refcount.items() if joined != alias):
            raise ValueError("the expression must not join other tables")
        sql, params = query.get_compiler(connection=connection).compile(node)
        moment = connection.ops.adapt_datetimefield_value(_MOMENT)
        moments = [position for position, value in enumerate(params) if value == moment]
        if timeless == bool(moments):
            raise ValueError("the expression must use the moment it is given, and only then")
        return f"({sql})", list(params), _slots(params, where), moments


class _Precompiled(Expression):
    """A PrecompiledExpression in a query: it knows the alias of the table whose rows it is
    about, and follows the query's relabelling when the query becomes a subquery."""

    def __init__(self, precompiled: PrecompiledExpression, moment, groups, alias=None) -> None:
        super().__init__(output_field=precompiled.output_field)
        self.precompiled = precompiled
        self.moment = moment
        self.groups = groups
        self.alias = alias

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        if self.alias is not None:
            # Already in its query: a query that becomes another's subquery resolves its
            # expressions again against the other, whose table this one is not about.
            return self
        if query.model._meta.concrete_model is not self.precompiled.model:
            raise ValueError(f"the expression is about {self.precompiled.model.__name__}'s rows")
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map):
        relabeled = self.copy()
        relabeled.alias = change_map.get(self.alias, self.alias)
        return relabeled

    def as_sql(self, compiler, connection):
        return self.precompiled.sql(compiler, connection, self.alias, self.moment, self.groups)


def _stand_ins(sizes) -> tuple[list[list[int]], dict[int, tuple[int, int]]]:
    stand_ins = [
        [_STAND_IN - group * 1_000_000 - index for index in range(size)]
        for group, size in enumerate(sizes)
    ]
    where = {
        value: (group, index)
        for group, values in enumerate(stand_ins)
        for index, value in enumerate(values)
    }
    return stand_ins, where


def _slots(params, where: dict[int, tuple[int, int]]) -> list[tuple[int, tuple[int, int]]]:
    slots = [
        (position, where[value])
        for position, value in enumerate(params)
        if isinstance(value, int) and value in where
    ]
    if {slot for _, slot in slots} != set(where.values()):
        raise ValueError("the subquery must use every id it is built from")
    return slots


def _bind(params: list, slots: list[tuple[int, tuple[int, int]]], groups) -> list:
    bound = list(params)
    for position, (group, index) in slots:
        bound[position] = groups[group][index]
    return bound


# Far below any id a table gives.
_STAND_IN = -7_301_985_466_000
# A moment no condition compares with on its own.
_MOMENT = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
