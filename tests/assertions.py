"""Assertions shared by the tests."""

import re

_CSRF_TOKEN = re.compile(rb'name="(?:csrfmiddlewaretoken|csrf-token)" (?:value|content)="[^"]+"')


def assert_same_page(first, second) -> None:
    """Two responses are the same answer: same status and the same body.

    The only part allowed to differ is the CSRF token, which Django masks afresh for every page.
    """
    assert first.status_code == second.status_code
    assert _CSRF_TOKEN.sub(b"", first.content) == _CSRF_TOKEN.sub(b"", second.content)
