"""The shared cache (Redis) the portal's server processes use, with one client per server.

Django's Redis cache makes a new redis-py client for every call: each makes two dictionaries of
the client's 160-odd reply handlers before it sends anything, and a signed-in request reads its
session from the cache. Measured in-process on the demo (cProfile, 2,000 signed-in requests of an
empty page), making those clients was half of each session read. A client is safe to share
between threads and calls: the connections are its pool's, which Django already keeps.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ClientPerServer(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        # Keyed by the pool itself: a read may go to any of several servers.
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ClientPerServer
