"""One page of a filtered list, and the filters to carry to its other pages and its exports."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def filtered_page(
    request: HttpRequest, rows: QuerySet | None, per_page: int
) -> tuple[Page | None, str]:
    """The page the request asks for (None when the filters are invalid and there are no rows),
    and the request's filters without the page number, as a query string."""
    page = None if rows is None else Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
