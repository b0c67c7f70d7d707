"""Sessions kept in the database (SESSION_ENGINE "portal.sessions"), or in the shared cache with
the database behind them when a shared cache is configured ("portal.cached_sessions").

Django's database session store reports any database error while saving as "the session was
interrupted" (a 400 page that blames the browser). A lost connection is the server's fault: it
is raised as it is, so the person sees the error page and the next request reconnects.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError


class DatabaseOutageIsNotInterruption:
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as interrupted:
            cause = interrupted.__context__
            if isinstance(cause, (OperationalError, InterfaceError)):
                raise cause from None
            raise


class SessionStore(DatabaseOutageIsNotInterruption, DatabaseSessionStore):
    pass
