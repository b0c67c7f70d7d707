"""One page of a filtered list, and the filters to carry to its other pages and its exports.

A page is found by where it starts, not by its number (keyset paging): the next page is the rows
after the last one shown in the list's order, read from an index like the first page, so that
the last page of a million rows costs what the first does. A page's links are the first page,
the previous (`before=` the first row shown), the next (`after=` the last row shown) and the
last page (`page=last`, the list read from its other end). Any other or damaged address shows
the first page, as a page number out of range used to, and so does a position past either end
(its rows deleted meanwhile).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict

# What a page's address may carry besides the filters.
PAGE_PARAMETERS = ("after", "before", "page")
# Between the values of a row's position: dates, times and numbers never contain it, and in a
# text it is written as %5F (and % as %25).
SEPARATOR = "_"


@dataclass
class KeysetPage:
    """The rows of one page, how many rows the whole list has, and the query strings (filters
    included) of the other pages; None where there is no such page."""

    rows: list
    count: int
    first_query: str | None = None
    previous_query: str | None = None
    next_query: str | None = None
    last_query: str | None = None
    # The rows' positions in the whole list, where known (the first and last pages).
    start_index: int | None = None
    end_index: int | None = None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, row) -> bool:
        return row in self.rows

    @property
    def has_other_pages(self) -> bool:
        return self.previous_query is not None or self.next_query is not None


def without_position(asked: QueryDict) -> QueryDict:
    """An address's filters: what it asks for without the page's position."""
    query = asked.copy()
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    return query


def filtered_page(
    request: HttpRequest,
    rows: QuerySet | None,
    per_page: int,
    order: tuple[str, ...],
    count: int | None = None,
) -> tuple[KeysetPage | None, str]:
    """The page the request asks for of rows in the given order (None when the filters are
    invalid and there are no rows), and the request's filters without the page, as a query
    string. The order's fields must be dates, times, numbers or texts that are never empty, the
    last one unique (the primary key); any may be an annotation of the rows. `count` is how many
    rows there are, where the caller knows it without counting them; else they are counted,
    except when the first page holds them all."""
    query = without_position(request.GET)
    filters = query.urlencode()
    if rows is None:
        return None, filters
    return _page(rows, per_page, order, request.GET, query, count), filters


def _page(
    rows: QuerySet,
    per_page: int,
    order: tuple[str, ...],
    asked: QueryDict,
    filters: QueryDict,
    count: int | None,
) -> KeysetPage:
    fields = [(name.lstrip("-"), name.startswith("-")) for name in order]
    reverse = tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)
    page = _positioned(rows, per_page, order, reverse, fields, asked, count)
    if page is None and asked.get("page") == "last":
        count = rows.count() if count is None else count
        shown = list(rows.order_by(*reverse)[:per_page])[::-1]
        page = KeysetPage(shown, count, previous_query="" if count > len(shown) else None)
        page.start_index, page.end_index = count - len(shown) + 1, count
    elif page is None:
        found = list(rows.order_by(*order)[: per_page + 1])
        shown = found[:per_page]
        more = len(found) > per_page
        # A list that fits on its first page is counted by reading it.
        count = len(shown) if count is None and not more else count
        page = KeysetPage(shown, rows.count() if count is None else count)
        page.next_query = "" if more else None
        page.start_index, page.end_index = (1 if shown else 0), len(shown)
    if page.previous_query is not None:
        page.first_query = _query(filters)
        page.previous_query = _query(filters, before=_cursor(page.rows[0], fields))
    if page.next_query is not None:
        page.next_query = _query(filters, after=_cursor(page.rows[-1], fields))
        page.last_query = _query(filters, page="last")
    return page


def _positioned(rows, per_page, order, reverse, fields, asked, count) -> KeysetPage | None:
    """The page after or before a row's position, if the address gives one and rows are there
    (a position past either end, its rows deleted meanwhile, gives none)."""
    after = _position(rows, fields, asked.get("after", ""))
    before = _position(rows, fields, asked.get("before", "")) if after is None else None
    if after is None and before is None:
        return None
    if after is not None:
        beyond, in_order = _beyond(fields, after, later=True), order
    else:
        beyond, in_order = _beyond(fields, before, later=False), reverse
    found = list(rows.filter(beyond).order_by(*in_order)[: per_page + 1])
    shown, more = found[:per_page], len(found) > per_page
    if not shown:
        return None
    page = KeysetPage(shown, rows.count() if count is None else count)
    if after is not None:
        page.previous_query, page.next_query = "", "" if more else None
    else:
        page.rows = shown[::-1]
        page.previous_query, page.next_query = "" if more else None, ""
    return page


def _query(filters: QueryDict, **position: str) -> str:
    query = filters.copy()
    for name, value in position.items():
        query[name] = value
    return query.urlencode()


def _cursor(row, fields: list[tuple[str, bool]]) -> str:
    values = []
    for name, _ in fields:
        value = getattr(row, name)
        value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        values.append(value.replace("%", "%25").replace(SEPARATOR, "%5F"))
    return SEPARATOR.join(values)


def _position(rows: QuerySet, fields: list[tuple[str, bool]], cursor: str) -> list | None:
    """The values of a row's position, read back from an address (None when it is not one)."""
    parts = [unquote(part) for part in cursor.split(SEPARATOR)] if cursor else []
    # No database stores a NUL in a text: PostgreSQL refuses to be asked for one.
    if len(parts) != len(fields) or not all(parts) or any("\x00" in part for part in parts):
        return None
    try:
        values = [
            _field(rows, name).to_python(part)
            for (name, _), part in zip(fields, parts, strict=True)
        ]
        moments = [value for value in values if isinstance(value, datetime)]
        # Positions are written with each moment's offset: one without is not a position.
        if any(moment.tzinfo is None for moment in moments):
            return None
        # The database is asked for a moment in UTC: one at the calendar's edge, in a zone far
        # from it (0001-01-01T00:00+14:00), has no UTC time.
        return [value.astimezone(UTC) if isinstance(value, datetime) else value for value in values]
    except (ValidationError, ValueError, OverflowError):
        return None


def _field(rows: QuerySet, name: str):
    if name == "pk":
        return rows.model._meta.pk
    if name in rows.query.annotations:
        return rows.query.annotations[name].output_field
    return rows.model._meta.get_field(name)


def _beyond(fields: list[tuple[str, bool]], values: list, *, later: bool) -> Q:
    """Rows after the position in the list's order (later) or before it. The first field's
    bound is repeated on its own, so that the database reads the index from the position
    rather than filtering its way there."""
    condition = Q()
    equal = Q()
    for (name, descending), value in zip(fields, values, strict=True):
        smaller = descending == later
        condition |= equal & Q(**{f"{name}__{'lt' if smaller else 'gt'}": value})
        equal &= Q(**{name: value})
    name, descending = fields[0]
    bound = Q(**{f"{name}__{'lte' if descending == later else 'gte'}": values[0]})
    return bound & condition
