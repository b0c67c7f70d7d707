"""Counting attempts in the cache, for the steps django-axes does not cover: password resets,
invitation links, and the second step of sign-in.

A fixed window per key: simple, and enough to stop guessing at speed. With several server
processes the cache must be shared (REDIS_URL) for the counts to be too.
"""

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lib import security_log


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once more than `limit` were made in the current window."""
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The entry expired between add() and incr(): this is the first attempt of a new window.
        cache.set(cache_key, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit


def too_many(request: HttpRequest, scope: str, minutes: int) -> HttpResponse:
    security_log.event("rate_limited", scope=scope)
    return render(request, "429.html", {"minutes": minutes}, status=429)
