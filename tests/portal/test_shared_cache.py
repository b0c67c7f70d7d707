"""The shared cache on a real Redis (database 9 of the local server): what is stored is read back
by every process's client, and a signed-in person's session survives the client being reused."""

import secrets

import pytest
from django.core.cache import caches
from django.urls import reverse

from tests.servers import redis_database

REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture
def shared_cache(settings):
    redis_database(REDIS_URL, needed_for="the shared cache")
    # A prefix of the test's own: parallel test processes share this Redis database.
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.SharedCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": secrets.token_hex(8),
        }
    }
    cache = caches["default"]
    yield cache
    cache.delete_many(["figure", "count"])
    caches["default"].close()


def test_one_client_serves_every_call_and_each_sees_what_the_others_stored(shared_cache):
    first = shared_cache._cache.get_client()
    assert shared_cache._cache.get_client(write=True) is first
    shared_cache.set("figure", {"helpline": 1005}, 60)
    assert shared_cache.get("figure") == {"helpline": 1005}
    assert shared_cache.add("count", 0, 60)
    assert shared_cache.incr("count") == 1
    assert shared_cache.get("count") == 1
    # Another process's cache, a client of its own, reads the same values.
    other = caches.create_connection("default")
    assert other.get("figure") == {"helpline": 1005}
    other.delete("figure")
    assert shared_cache.get("figure") is None


def test_sessions_in_the_shared_cache_sign_in_and_out(
    client_for, police_officer, settings, shared_cache
):
    settings.SESSION_ENGINE = "portal.cached_sessions"
    client = client_for(police_officer)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("home")).status_code == 200
    key = client.session.session_key
    assert shared_cache.get(f"django.contrib.sessions.cached_db{key}") is not None
    client.post(reverse("agencies:sign-out"))
    assert shared_cache.get(f"django.contrib.sessions.cached_db{key}") is None
    client.cookies["sessionid"] = key
    assert client.get(reverse("home")).status_code == 302
