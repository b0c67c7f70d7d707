"""Sessions kept in the database (SESSION_ENGINE "portal.sessions"), or in the shared cache with
the database behind them when a shared cache is configured ("portal.cached_sessions").

Django's database session store reports any database error while saving as "the session was
interrupted" (a 400 page that blames the browser). A lost connection is the server's fault: it
is raised as it is, so the person sees the error page and the next request reconnects.

Every signed-in request reads its session, so the lookup's SQL is built once per process
(lib.precompiled) rather than by the ORM on each request.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import InterfaceError, OperationalError, router
from django.utils import timezone

from lib.precompiled import PrecompiledQuery


def _session_query(database: str, session_key: object):
    return (
        Session._default_manager.using(database)
        .filter(session_key=session_key)
        .values_list("session_data", "expire_date")
    )


_SESSION = PrecompiledQuery(_session_query, sentinel="\x00a session key no browser can send")


class DatabaseOutageIsNotInterruption:
    def _get_session_from_db(self):
        """The stored session, unexpired, as Django's store finds it, by the precompiled
        query; None (and no session key) when there is none."""
        rows = _SESSION.rows(router.db_for_read(Session), self.session_key)
        if rows and rows[0][1] > timezone.now():
            session_data, expire_date = rows[0]
            return Session(
                session_key=self.session_key, session_data=session_data, expire_date=expire_date
            )
        self._session_key = None
        return None

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
