"""The dashboard's login state in the server-side session, and its timeouts.

The session holds the user name, the upstream session id and the login time, and is
written only at login and logout (htmx fires requests in parallel). Activity for the idle
timeout is kept in a separate store, so a request racing a logout can never write the old
session back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

from app import drafts
from app.sessions.interface import Sessions
from app.sessions.stores import Store

USER = "user"
UPSTREAM = "upstream_session"
AUTH_TIME = "auth_time"
SSO_USER = "sso_user"
TOUCH_EVERY = 15.0  # seconds: activity is rewritten at most this often


@dataclass(frozen=True)
class LoggedIn:
    """Who is logged in, and the upstream session to call CloudBees CD with."""

    user: str
    upstream_session: str
    auth_time: float
    sso_user: str | None = None


def _sid() -> str:
    """The id of this request's server-side session."""
    return str(getattr(session, "sid", "") or "")


class LoginState:
    """Starts, checks and ends logins against the activity store and the clock."""

    def __init__(
        self,
        activity: Store,
        idle_timeout: float,
        lifetime: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.activity = activity
        self.idle_timeout = idle_timeout
        self.lifetime = lifetime
        self.clock = clock

    def start(self, user: str, upstream_session: str, sso_user: str | None = None) -> None:
        """Log in: clear the session, write the login, then give it a new id."""
        saved = drafts.carried()
        session.clear()
        session[USER] = user
        session[UPSTREAM] = upstream_session
        session[AUTH_TIME] = self.clock()
        if sso_user:
            session[SSO_USER] = sso_user
        drafts.restore(saved, user)  # typed text kept across an expired login
        session.pop("csrf_token", None)
        g.pop("csrf_token", None)  # Flask-WTF caches the token of this request in g
        generate_csrf()  # the token is written now, not by a later parallel request
        cast(Sessions, current_app.session_interface).regenerate(session)
        self._touch(_sid())

    def stored(self) -> LoggedIn | None:
        """The login written in this session, whether or not it is still valid."""
        user = session.get(USER)
        upstream = session.get(UPSTREAM)
        auth_time = session.get(AUTH_TIME)
        if not (user and upstream and isinstance(auth_time, (int, float))):
            return None
        return LoggedIn(str(user), str(upstream), float(auth_time), session.get(SSO_USER))

    def current(self) -> LoggedIn | None:
        """The login of this request, or ``None`` when absent, idle or too old."""
        login = self.stored()
        if login is None:
            return None
        now = self.clock()
        if now - login.auth_time > self.lifetime:
            return None
        last = self.activity.get(_sid())
        if not isinstance(last, (int, float)) or now - last > self.idle_timeout:
            return None
        if now - last > TOUCH_EVERY:
            self._touch(_sid(), now)
        return login

    def end(self, *, keep: dict[str, Any] | None = None) -> None:
        """Log out of our side: forget everything but ``keep`` (drafts, for instance)."""
        sid = _sid()
        if sid:
            self.activity.delete(sid)
        session.clear()
        if keep:
            session.update(keep)

    def _touch(self, sid: str, now: float | None = None) -> None:
        stamp = self.clock() if now is None else now
        self.activity.set(sid, stamp, timeout=int(self.idle_timeout) + 60)
