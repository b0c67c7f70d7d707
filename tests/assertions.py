"""Assertions shared by the tests."""

import html
import re
from urllib.parse import quote_plus

from django.utils.html import escape

_CSRF_TOKEN = re.compile(rb'name="(?:csrfmiddlewaretoken|csrf-token)" (?:value|content)="[^"]+"')


_PAGE_LINK = re.compile(r'href="\?([^"]*)" rel="(first|prev|next|last)"')


def page_links(response) -> dict[str, str]:
    """The query strings of a list's links to its first, previous, next and last pages."""
    found = _PAGE_LINK.findall(response.content.decode())
    return {rel: html.unescape(query) for query, rel in found}


def walk_pages(client, path: str, query: str, rel: str) -> tuple[list[list], list[dict]]:
    """Every page of a list from the one asked for, following its `rel` links: the rows of each
    (the view's `page`) and its links."""
    pages, links = [], []
    while query is not None:
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        pages.append(list(response.context["page"]))
        links.append(page_links(response))
        query = links[-1].get(rel)
    return pages, links


def body(response) -> bytes:
    """Everything the response sends, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_same_page(first, second) -> None:
    """Two responses are the same answer: same status and the same body.

    The only part allowed to differ is the CSRF token, which Django masks afresh for every page.
    """
    assert_same_results(first, second)


def assert_same_results(first, second, *terms: str) -> None:
    """Two answers to searches for different terms are the same answer once each search term,
    which the page repeats back, is set aside (and the CSRF token, as for assert_same_page)."""
    pages = []
    for response, term in zip((first, second), terms or ("", ""), strict=True):
        content = body(response)
        if term:
            for form in (term, quote_plus(term), escape(term)):
                content = content.replace(form.encode(), b"[the search]")
        pages.append(_CSRF_TOKEN.sub(b"", content))
    assert first.status_code == second.status_code
    assert pages[0] == pages[1]


def body_rows(response, opening: str = "<tr><td") -> list[str]:
    """The rows of the page's first table body, each from `opening` to its </tr>, as written."""
    page = response.content.decode()
    return re.findall(
        re.escape(opening) + r".*?</tr>", page[page.index("<tbody>") :], flags=re.DOTALL
    )
