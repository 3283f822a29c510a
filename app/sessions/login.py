"""The dashboard's login state in the server-side session, and its timeouts.

The session holds the user name, the upstream session id and the login time, and is
written only at login and logout (htmx fires requests in parallel). Activity for the idle
timeout is kept in a separate store, so a request racing a logout can never write the old
session back.

Idle time counts from the last request: activity is rewritten at most every
``touch_every`` seconds (15 s, or 5 % of the idle timeout when that is shorter), so the
stored time may lag the last request by up to that much; the check allows exactly that lag.
A login therefore never ends early, and ends at most ``touch_every`` (at most 5 % of the
timeout) late.

Each process remembers the activity time it last read or wrote for a session: while that
is less than ``touch_every`` old, the stored one (never older) needs neither a read nor a
write, so a busy login costs the activity store one read and one write per ``touch_every``
and worker, not one read per request. An idle login is always checked against the store.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

from app import drafts
from app.sessions.interface import Session, Sessions
from app.sessions.stores import Store

USER = "user"
UPSTREAM = "upstream_session"
AUTH_TIME = "auth_time"
SSO_USER = "sso_user"
EXPIRED_USER = "expired_user"  # kept after a login ended by itself: the form prefills it
TOUCH_EVERY = 15.0  # seconds: activity is rewritten at most this often...
IDLE_TOLERANCE = 0.05  # ...and at most this share of the idle timeout
SEEN_MAX = 10_000  # sessions whose activity a process remembers (then it forgets the old)


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
        self.touch_every = min(TOUCH_EVERY, IDLE_TOLERANCE * idle_timeout)
        self._seen: dict[str, float] = {}  # session id -> activity time known to be stored
        self._seen_lock = threading.Lock()

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
        interface = cast(Sessions, current_app.session_interface)
        interface.regenerate(session)
        interface.save_now(cast(Session, session))  # an outage here is a 503, not a 500
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
        sid = _sid()
        if 0 <= now - self._seen.get(sid, -math.inf) < self.touch_every:
            return login  # fresh here, so fresh in the store: nothing to read or write
        last = self.activity.get(sid)
        # ``last`` lags the last request by less than ``touch_every``: allow that lag.
        if not isinstance(last, (int, float)) or now - last > self.idle_timeout + self.touch_every:
            return None
        if now - last >= self.touch_every:
            self._touch(sid, now)
        else:
            self._remember(sid, last)
        return login

    def end(self, *, keep: dict[str, Any] | None = None) -> None:
        """Log out of our side: forget everything but ``keep`` (drafts, for instance)."""
        sid = _sid()
        if sid:
            self.activity.delete(sid)
            with self._seen_lock:
                self._seen.pop(sid, None)
        session.clear()
        if keep:
            session.update(keep)

    def _touch(self, sid: str, now: float | None = None) -> None:
        stamp = self.clock() if now is None else now
        self.activity.set(sid, stamp, timeout=int(self.idle_timeout) + 60)
        self._remember(sid, stamp)

    def _remember(self, sid: str, stamp: float) -> None:
        """Note that the store holds ``stamp`` (or later) for ``sid``; past ``SEEN_MAX``
        sessions, forget the oldest half (they are read from the store again)."""
        with self._seen_lock:
            self._seen[sid] = max(stamp, self._seen.get(sid, stamp))
            if len(self._seen) > SEEN_MAX:
                for old in sorted(self._seen, key=self._seen.__getitem__)[: SEEN_MAX // 2]:
                    del self._seen[old]
