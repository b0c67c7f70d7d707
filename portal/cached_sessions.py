"""Sessions read from the shared cache (Redis), written to it and to the database: a signed-in
request reads its session without a query. Only with a cache every server process shares
(REDIS_URL): with a cache per process, signing out in one process would leave the session alive
in the others' caches. See portal/sessions.py for the database side."""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseSessionStore

from portal.sessions import DatabaseOutageIsNotInterruption


class SessionStore(DatabaseOutageIsNotInterruption, CachedDatabaseSessionStore):
    pass
