"""Assertions shared by the tests."""

import re
from urllib.parse import quote_plus

from django.utils.html import escape

_CSRF_TOKEN = re.compile(rb'name="(?:csrfmiddlewaretoken|csrf-token)" (?:value|content)="[^"]+"')


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
