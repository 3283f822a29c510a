"""The dashboard's login state in the server-side session, and its timeouts.

The session holds the user name, the upstream session id and the login time, and is
written only at login and logout (htmx fires requests in parallel). Activity for the idle
timeout is kept under a separate key of the same store, so a request racing a logout can
never write the old session back.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

USER = "user"
UPSTREAM = "upstream_session"
AUTH_TIME = "auth_time"
SSO_USER = "sso_user"
DRAFT_USER = "draft_user"  # whose drafts survive a logged-out session
DRAFTS = "drafts"
TOUCH_EVERY = 15.0  # seconds: activity is rewritten at most this often


class KeyValueStore(Protocol):
    """The part of a cachelib cache (file or Redis) the activity tracker needs."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any: ...

    def delete(self, key: str) -> Any: ...


@dataclass(frozen=True)
class LoggedIn:
    """Who is logged in, and the upstream session to call CloudBees CD with."""

    user: str
    upstream_session: str
    auth_time: float
    sso_user: str | None = None


class LoginState:
    """Starts, checks and ends logins against the configured store and clock."""

    def __init__(
        self,
        store: KeyValueStore,
        idle_timeout: float,
        lifetime: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.idle_timeout = idle_timeout
        self.lifetime = lifetime
        self.clock = clock

    def start(self, user: str, upstream_session: str, sso_user: str | None = None) -> None:
        """Log in: clear the session, write the login, then give it a new id."""
        drafts = session.get(DRAFTS)
        previous_user = session.get(DRAFT_USER)
        session.clear()
        session[USER] = user
        session[UPSTREAM] = upstream_session
        session[AUTH_TIME] = self.clock()
        if sso_user:
            session[SSO_USER] = sso_user
        if drafts and previous_user == user:
            session[DRAFTS] = drafts  # typed text kept across an expired login
        session.pop("csrf_token", None)
        g.pop("csrf_token", None)  # Flask-WTF caches the token of this request in g
        generate_csrf()  # the token is written now, not by a later parallel request
        current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
        self._touch(session.sid)  # type: ignore[attr-defined]

    def current(self) -> LoggedIn | None:
        """The login of this request, or ``None`` when absent, idle or too old."""
        user = session.get(USER)
        upstream = session.get(UPSTREAM)
        auth_time = session.get(AUTH_TIME)
        if not (user and upstream and isinstance(auth_time, (int, float))):
            return None
        now = self.clock()
        if now - auth_time > self.lifetime:
            return None
        last = self.store.get(session.sid)  # type: ignore[attr-defined]
        if not isinstance(last, (int, float)) or now - last > self.idle_timeout:
            return None
        if now - last > TOUCH_EVERY:
            self._touch(session.sid, now)  # type: ignore[attr-defined]
        return LoggedIn(user, upstream, auth_time, session.get(SSO_USER))

    def end(self, *, keep: dict[str, Any] | None = None) -> None:
        """Log out of our side: forget everything but ``keep`` (a draft, for instance)."""
        sid = getattr(session, "sid", None)
        if sid:
            self.store.delete(sid)
        session.clear()
        if keep:
            session.update(keep)

    def _touch(self, sid: str, now: float | None = None) -> None:
        stamp = self.clock() if now is None else now
        self.store.set(sid, stamp, timeout=int(self.idle_timeout) + 60)


class FileStoreSweeper:
    """Deletes expired session files now and then (the store never prunes with
    ``threshold=0``). Runs inside a request at most once per ``interval`` seconds."""

    def __init__(self, caches: list[Any], interval: float = 300.0) -> None:
        self.caches = caches
        self.interval = interval
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def maybe_sweep(self) -> None:
        now = time.monotonic()
        if now - self._last < self.interval or not self._lock.acquire(blocking=False):
            return
        try:
            self._last = now
            self.sweep()
        finally:
            self._lock.release()

    def sweep(self) -> int:
        """Remove expired files; returns how many remain."""
        for cache in self.caches:
            cache._remove_expired(time.time())  # cachelib's own expiry check
        return sum(1 for cache in self.caches for _ in cache._list_dir())


def private_folder(path: os.PathLike[str] | str) -> None:
    """Create the session folder readable by this user only (the store pickles)."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
