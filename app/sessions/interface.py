"""Flask-Session's server-side session interface over a ``Store``, and its outages.

The cookie path follows the path prefix the proxy announces (``X-Forwarded-Prefix``), and a
store that does not answer becomes ``SessionStoreUnavailable`` (a clear 503, never a 500).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Response, request
from flask_session.cachelib import CacheLibSessionInterface

from app.sessions.stores import STORE_ERRORS, Store

DOWN = "propdesk.session_store_down"
ANONYMOUS_LIFETIME = timedelta(hours=2)
KEY_PREFIX = "propdesk:session:"


class SessionStoreUnavailable(Exception):
    """The session store did not answer."""


class Sessions(CacheLibSessionInterface):  # type: ignore[misc]
    """Flask-Session's cachelib interface, prefix-aware and explicit about outages."""

    def _upsert_session(self, session_lifetime: timedelta, session: Any, store_id: str) -> None:
        # A session without a login (the login page's CSRF token, a kept draft) lives
        # briefly: anonymous visits must not fill the store for the whole login lifetime.
        if not session.get("user"):
            session_lifetime = min(session_lifetime, ANONYMOUS_LIFETIME)
        super()._upsert_session(session_lifetime, session, store_id)

    def get_cookie_path(self, app: Flask) -> str:
        return request.script_root or "/"

    def open_session(self, app: Flask, req: Any) -> Any:
        # An exception here would bypass Flask's error handlers (the request context is not
        # pushed yet): mark the request instead; ``check_store`` raises once it can be handled.
        try:
            return super().open_session(app, req)
        except STORE_ERRORS as err:
            req.environ[DOWN] = type(err).__name__
            return self.session_class(sid=self._generate_sid(self.sid_length))

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if request.environ.get(DOWN):  # the store failed when the request began
            return
        try:
            super().save_session(app, session, response)
        except STORE_ERRORS as err:
            raise SessionStoreUnavailable(type(err).__name__) from None


def check_store() -> None:
    """Before every request: a store that failed when the request began is an error page
    (health probes and static files are served all the same)."""
    down = request.environ.get(DOWN)
    if down and not (request.endpoint or "").startswith(("health.", "static")):
        raise SessionStoreUnavailable(down)


def install(app: Flask, store: Store) -> None:
    """Serve ``app``'s sessions from ``store``."""
    app.session_interface = Sessions(app, client=store.cache, key_prefix=KEY_PREFIX, permanent=True)
    app.before_request(check_store)
