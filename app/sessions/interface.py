"""Flask-Session's server-side session interface over a ``Store``, and its outages.

- Session ids are signed with the secret key (``SessionIds``); a cookie without a valid
  signature is a new visitor, whatever the store holds.
- Every stored session records the CloudBees CD URL it was made for; a session made for
  another server is not loaded (two instances sharing a folder or a Redis stay apart).
- Nothing is stored until a session holds more than its CSRF token: the login page's
  token is derived from the (signed) session id, so a flood of login pages writes nothing.
- The cookie path follows the path prefix the proxy announces (``X-Forwarded-Prefix``), and
  a store that does not answer becomes ``SessionStoreUnavailable`` (a clear 503, never a 500).
- Probes, static files and the metrics scrape (``QUIET_PATHS``) never read or write the
  store: they get an unstored session under the id sent, and nothing of it is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_session.cachelib import CacheLibSession, CacheLibSessionInterface

from app.sessions.signing import SessionIds
from app.sessions.stores import STORE_ERRORS, Store

DOWN = "propdesk.session_store_down"
ANONYMOUS_LIFETIME = timedelta(hours=2)
KEY_PREFIX = "propdesk:session:"
BOUND_TO = "_cd_url"  # stored beside the session data: the CloudBees CD it was made for
CSRF_FIELD = "csrf_token"  # Flask-WTF's key in the session
NOT_WORTH_STORING = frozenset({"_permanent", CSRF_FIELD})
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Paths (besides static files) that need no session: the store is not asked for them."""


class SessionStoreUnavailable(Exception):
    """The session store did not answer."""


class Session(CacheLibSession):  # type: ignore[misc]
    """A server-side session that knows whether it is in the store (``stored``) and which
    id the browser sent (``sent_sid``; the cookie is set only when the id changed)."""

    stored: bool = False
    sent_sid: str | None = None
    quiet: bool = False  # a probe's, static file's or scrape's: never saved


def _worth_storing(data: Session) -> bool:
    """Whether a session holds more than what its id gives (the CSRF token)."""
    return bool(set(data.keys()) - NOT_WORTH_STORING)


class Sessions(CacheLibSessionInterface):  # type: ignore[misc]
    """Flask-Session's cachelib interface with signed ids, sessions bound to one CloudBees
    CD, lazy storing, and explicit outages."""

    session_class = Session

    def __init__(self, app: Flask, store: Store, ids: SessionIds, cd_url: str) -> None:
        super().__init__(app, client=store.cache, key_prefix=KEY_PREFIX, permanent=True)
        self.store = store
        self.ids = ids
        self.cd_url = cd_url

    def _generate_sid(self, session_id_length: int) -> str:
        """A new signed session id."""
        return self.ids.new(session_id_length)

    def get_cookie_path(self, app: Flask) -> str:
        """The path prefix the (trusted) proxy announced, else ``/``."""
        return request.script_root or "/"

    def _unstored(self, sid: str, sent: str | None) -> Session:
        """A session that is not in the store: only its derived CSRF token."""
        fresh: Session = self.session_class({CSRF_FIELD: self.ids.csrf_token(sid)}, sid=sid)
        fresh.permanent = self.permanent
        fresh.sent_sid, fresh.modified = sent, False
        return fresh

    def open_session(self, app: Flask, req: Any) -> Session:
        """The stored session the signed cookie names, or an unstored one (without asking
        the store for a quiet path)."""
        sent = req.cookies.get(self.get_cookie_name(app))
        if not self.ids.valid(sent):
            return self._unstored(self._generate_sid(self.sid_length), None)
        if quiet_path(app, req.path):
            quiet = self._unstored(sent, sent)
            quiet.quiet = True
            return quiet
        try:
            data = self._retrieve_session_data(self._get_store_id(sent))
        except STORE_ERRORS as err:
            # An exception here would bypass Flask's error handlers (the request context is
            # not pushed yet): mark the request; ``check_store`` raises once it can be handled.
            req.environ[DOWN] = type(err).__name__
            return self._unstored(sent, sent)
        if data is None:
            return self._unstored(sent, sent)
        if not isinstance(data, dict) or data.pop(BOUND_TO, None) != self.cd_url:
            # Made for another CloudBees CD: not a login here, and never overwritten.
            return self._unstored(self._generate_sid(self.sid_length), None)
        loaded: Session = self.session_class(data, sid=sent)
        loaded.stored, loaded.sent_sid = True, sent
        return loaded

    def _upsert_session(self, session_lifetime: timedelta, session: Any, store_id: str) -> None:
        # A session without a login (a kept draft) lives briefly: anonymous visits must not
        # fill the store for the whole login lifetime.
        if not session.get("user"):
            session_lifetime = min(session_lifetime, ANONYMOUS_LIFETIME)
        data = {**dict(session), BOUND_TO: self.cd_url}
        self.cache.set(key=store_id, value=data, timeout=int(session_lifetime.total_seconds()))

    def save_now(self, data: Session) -> None:
        """Write ``data`` to the store inside the view, so an outage is handled as a 503."""
        try:
            self._upsert_session(
                current_app.permanent_session_lifetime, data, self._get_store_id(data.sid)
            )
        except STORE_ERRORS as err:
            raise SessionStoreUnavailable(type(err).__name__) from None
        data.stored, data.modified = True, False

    def regenerate(self, session: Any) -> None:
        """Give ``session`` a new id (after a login), dropping the stored old one."""
        if session.stored:
            try:
                self._delete_session(self._get_store_id(session.sid))
            except STORE_ERRORS as err:
                raise SessionStoreUnavailable(type(err).__name__) from None
        session.sid = self._generate_sid(self.sid_length)
        session.stored, session.modified = False, True

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        """Store the session when it holds something, and set the cookie when its id is new
        to the browser (and worth having: stored, or its CSRF token was handed out)."""
        if request.environ.get(DOWN) or session.quiet:  # store failed, or never asked
            return
        if session.accessed:
            response.vary.add("Cookie")
        if not session:  # cleared: a logout, or a login that ended
            if session.modified:
                self._forget(app, session, response)
            return
        if session.modified and (session.stored or _worth_storing(session)):
            self.save_now(session)
        if session.sid != session.sent_sid and (session.stored or CSRF_FIELD in g):
            self._set_cookie(app, session, response)

    def _forget(self, app: Flask, session: Session, response: Response) -> None:
        if session.stored:
            try:
                self._delete_session(self._get_store_id(session.sid))
            except STORE_ERRORS as err:
                raise SessionStoreUnavailable(type(err).__name__) from None
        name, path = self.get_cookie_name(app), self.get_cookie_path(app)
        response.delete_cookie(name, domain=self.get_cookie_domain(app), path=path)
        response.vary.add("Cookie")

    def _set_cookie(self, app: Flask, session: Session, response: Response) -> None:
        expires = self.get_expiration_time(app, session)
        if not session.get("user"):
            expires = datetime.now(UTC) + ANONYMOUS_LIFETIME
        response.set_cookie(
            self.get_cookie_name(app),
            session.sid,
            expires=expires,
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")


def quiet_path(app: Flask, path: str) -> bool:
    """Whether ``path`` (inside the app) needs no session: a probe, the metrics scrape or a
    static file."""
    return path in QUIET_PATHS or path.startswith(f"{app.static_url_path}/")


def check_store() -> None:
    """Before every request: a store that failed when the request began is an error page
    (health probes and static files are served all the same)."""
    down = request.environ.get(DOWN)
    if down and not (request.endpoint or "").startswith(("health.", "static")):
        raise SessionStoreUnavailable(down)


def require_store() -> None:
    """For a visitor whose session is not in the store (a new one): raise
    ``SessionStoreUnavailable`` unless the store answers, so the login page says so at once
    instead of after the password was typed."""
    if getattr(session, "stored", False):
        return
    interface = current_app.session_interface
    if isinstance(interface, Sessions):
        try:
            interface.store.ping()
        except STORE_ERRORS as err:
            raise SessionStoreUnavailable(type(err).__name__) from None


def install(app: Flask, store: Store, cd_url: str) -> None:
    """Serve ``app``'s sessions from ``store``, signed with the app's secret key and bound
    to the CloudBees CD at ``cd_url``."""
    ids = SessionIds(str(app.secret_key))
    app.session_interface = Sessions(app, store, ids, cd_url)
    app.before_request(check_store)
