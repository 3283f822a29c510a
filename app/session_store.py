"""The server-side session store: a cachelib file store or Redis, behind Flask-Session.

The cookie path follows the path prefix the proxy announces (``X-Forwarded-Prefix``), and a
store that does not answer becomes ``SessionStoreUnavailable`` (a clear 503, never a 500).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cachelib import FileSystemCache, RedisCache
from flask import Flask, Response, request
from flask_session.cachelib import CacheLibSessionInterface

from app.config import Settings

STORE_ERRORS: tuple[type[BaseException], ...] = (OSError,)
try:  # redis is a dependency; its errors are not OSErrors
    import redis

    STORE_ERRORS = (OSError, redis.exceptions.RedisError)
except ImportError:  # pragma: no cover
    redis = None  # type: ignore[assignment]


DOWN = "propdesk.session_store_down"
ANONYMOUS_LIFETIME = timedelta(hours=2)


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


Store = FileSystemCache | RedisCache


def make_stores(settings: Settings) -> tuple[Store, Store]:
    """The cache that holds sessions, and the one that holds login activity (kept apart
    so activity can be counted and never mixes with session data)."""
    if settings.session_backend == "redis":
        assert redis is not None
        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2
        )
        timeout = int(settings.session_lifetime)
        return (
            RedisCache(host=client, key_prefix="propdesk:", default_timeout=timeout),
            RedisCache(host=client, key_prefix="propdesk:activity:", default_timeout=timeout),
        )
    from app.login_state import private_folder

    private_folder(settings.session_dir)
    private_folder(settings.session_dir / "activity")
    return tuple(  # type: ignore[return-value]
        FileSystemCache(
            str(folder), threshold=0, mode=0o600, default_timeout=int(settings.session_lifetime)
        )
        for folder in (settings.session_dir, settings.session_dir / "activity")
    )


def count_active(activity: Store) -> int:
    """How many logins have an activity entry (expired ones go with the next sweep)."""
    if isinstance(activity, FileSystemCache):
        return sum(1 for _ in activity._list_dir())
    client = activity._write_client
    return sum(1 for _ in client.scan_iter("propdesk:activity:*", count=500))


def install(app: Flask, store: Store) -> None:
    app.session_interface = Sessions(
        app, client=store, key_prefix="propdesk:session:", permanent=True
    )

    @app.before_request
    def check_store() -> None:
        down = request.environ.get(DOWN)
        if down and not (request.endpoint or "").startswith(("health.", "static")):
            raise SessionStoreUnavailable(down)
