"""The portal's session stores (portal.sessions, portal.cached_sessions) read a session by a query
built once per process: they find what Django's own database store finds, for any cookie."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.cached_sessions import SessionStore as CachedStore
from portal.sessions import SessionStore

pytestmark = pytest.mark.django_db

STORED_KEY = "k" * 32


def read(store_class, key: str):
    """What a request with this session cookie gets: the session's contents and its key, or the
    error the store raised."""
    try:
        store = store_class(session_key=key)
        return dict(store.items()), store.session_key
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return type(error).__name__


@pytest.fixture
def stored_session():
    store = DjangoStore()
    store["_auth_user_id"] = "1"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(session_key=STORED_KEY)


@pytest.mark.parametrize(
    "key",
    [
        STORED_KEY,
        STORED_KEY.upper(),
        STORED_KEY + " ",
        STORED_KEY + "k" * 20,  # longer than the column: never cut down to the stored key
        STORED_KEY[:-1],
        "k%sk%%k'k\"k;--k",
        "\x00" + STORED_KEY,  # a quoted cookie may carry an escaped NUL
        "ünïcødé-" + STORED_KEY,
        "short",
    ],
)
@pytest.mark.parametrize("store_class", [SessionStore, CachedStore])
def test_a_cookie_finds_what_djangos_own_store_finds(stored_session, store_class, key):
    assert read(store_class, key) == read(DjangoStore, key)


@pytest.mark.parametrize("store_class", [SessionStore, CachedStore])
@pytest.mark.parametrize("expires_in", [timedelta(seconds=-1), timedelta(minutes=5)])
def test_an_expired_session_is_ended_as_djangos_own_store_ends_it(
    stored_session, store_class, expires_in
):
    Session.objects.filter(session_key=STORED_KEY).update(expire_date=timezone.now() + expires_in)
    assert read(store_class, STORED_KEY) == read(DjangoStore, STORED_KEY)
    if expires_in < timedelta(0):
        assert read(store_class, STORED_KEY) == ({}, None)
