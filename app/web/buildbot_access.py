"""How the Buildbot pages reach the master: one transport per app, the master's login kind
(learnt on first use, so propdesk starts while Buildbot is down), each user's Buildbot
session kept server-side in their propdesk session, the gate in front of every Buildbot
page, and the page each Buildbot error becomes.

A master with a login (``UserPasswordAuth``, htpasswd...) is asked once per propdesk login
for the user's Buildbot user and password (HTTP Basic at ``/auth/login``); the session
cookie it sets is stored with the propdesk session and never reaches the browser. A master
without a login is used anonymously; one that only offers OAuth2 is explained.
"""

from __future__ import annotations

import threading
from typing import cast

from flask import Flask, Response, current_app, g, request, session, url_for

from app.buildbot import (
    BuildbotClient,
    BuildbotError,
    BuildbotSession,
    BuildbotSettings,
    BuildbotTransport,
    LoginRequired,
    MasterAuth,
    NotFound,
    OAuth2Only,
    PermissionDenied,
    Unreachable,
)
from app.config import Settings
from app.errors import error_page
from app.htmx import current_page, redirect_to
from app.sessions.interface import Session, Sessions

KEY = "propdesk.buildbot"
SESSION_KEY = "buildbot_session"
OAUTH2_MESSAGE = (
    "This Buildbot master logs people in only through an OAuth2 provider ({name}). "
    "Buildbot's REST API cannot be used with an OAuth2 login, so propdesk cannot read or "
    "force builds there. Ask its administrators for a user/password login "
    "(UserPasswordAuth or HTPasswdAuth) beside it, or use Buildbot's own web UI."
)


class BuildbotAccess:
    """The app's way to one master: its transport and, once learnt, its login kind."""

    def __init__(self, settings: Settings) -> None:
        self.transport = BuildbotTransport(
            BuildbotSettings(
                url=settings.buildbot_url,
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                retries=settings.retries,
                ca_bundle=settings.buildbot_ca_bundle or settings.ca_bundle,
                verify_tls=settings.verify_tls,
                max_response_bytes=settings.max_response_bytes,
                deadline=settings.upstream_deadline,
            )
        )
        self._auth: MasterAuth | None = None
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        return self.transport.settings.host

    def auth(self) -> MasterAuth:
        """The master's login kind, asked on first use and kept (``Unreachable`` while the
        master is down: asked again next time)."""
        with self._lock:
            if self._auth is None:
                self._auth = BuildbotClient(self.transport, None).auth()
            return self._auth


def install(app: Flask, settings: Settings) -> None:
    app.extensions[KEY] = BuildbotAccess(settings)


def access() -> BuildbotAccess:
    found = current_app.extensions[KEY]
    assert isinstance(found, BuildbotAccess)
    return found


def stored_session() -> BuildbotSession | None:
    """This propdesk login's Buildbot session, if it has one."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("cookies"), list):
        return None
    cookies = tuple((str(n), str(v)) for n, v in data["cookies"])
    return BuildbotSession(str(data.get("user") or ""), cookies)


def keep_session(login: BuildbotSession) -> None:
    """Store the Buildbot session with the propdesk session, now (a login is one of the
    moments the session is written)."""
    session[SESSION_KEY] = {"user": login.user, "cookies": [list(c) for c in login.cookies]}
    interface = current_app.session_interface
    if isinstance(interface, Sessions):
        interface.save_now(cast(Session, session))


def forget_session() -> BuildbotSession | None:
    """Drop the stored Buildbot session (expired, or a logout); the one dropped."""
    login = stored_session()
    if login is not None:
        session.pop(SESSION_KEY, None)
        interface = current_app.session_interface
        if isinstance(interface, Sessions):
            interface.save_now(cast(Session, session))
    return login


def client() -> BuildbotClient:
    """The Buildbot client of this request (set by ``gate``)."""
    found = g.get("buildbot")
    if not isinstance(found, BuildbotClient):
        raise RuntimeError("client() needs a Buildbot page (the gate sets it)")
    return found


def require_oauth_free(auth: MasterAuth) -> None:
    if auth.oauth2:
        raise OAuth2Only(OAUTH2_MESSAGE.format(name=auth.name))


def gate() -> Response | None:
    """Before every Buildbot page: learn the master's login kind, send a user without a
    Buildbot session to its login when the master has one, and bind the client."""
    access().transport.start_deadline()  # ended by ``end_deadline`` at teardown
    if request.endpoint == "buildbot.login":
        return None
    auth = access().auth()
    require_oauth_free(auth)
    login = stored_session()
    if auth.needs_login and login is None:
        return redirect_to(url_for("buildbot.login", next=current_page()))
    g.buildbot = BuildbotClient(access().transport, login)
    return None


def end_deadline(error: BaseException | None) -> None:
    """After every Buildbot page: this thread's calls are no longer bound by its deadline."""
    access().transport.end_deadline()


def session_ended() -> bool:
    """Whether this user has a Buildbot session the master no longer accepts (it treats
    the request as anonymous: a refusal then means "log in again", not "not allowed")."""
    login = stored_session()
    if login is None:
        return False
    try:
        return not BuildbotClient(access().transport, login).logged_in()
    except BuildbotError:
        return False


def handle_buildbot(err: BuildbotError) -> Response:
    """The page (or htmx notice) a Buildbot error becomes; never a 500."""
    name = f"Buildbot at {access().host}"
    if isinstance(err, LoginRequired):
        forget_session()
        return redirect_to(url_for("buildbot.login", next=current_page(), expired=1))
    if isinstance(err, OAuth2Only):
        return error_page(501, "Buildbot login not supported", err.message)
    if isinstance(err, Unreachable):
        message = err.message
        if request.method == "POST":
            message += ". Nothing was started; try again when it answers."
        return error_page(503, f"{name} is not reachable", message)
    if isinstance(err, PermissionDenied):
        if session_ended():
            forget_session()
            return redirect_to(url_for("buildbot.login", next=current_page(), expired=1))
        return error_page(403, "Not allowed by Buildbot", err.message)
    if isinstance(err, NotFound):
        return error_page(404, "Not found", err.message)
    current_app.logger.warning("buildbot error %s %s: %s", err.method, err.path, err.message)
    status = 502 if err.status is None or err.status >= 500 else 400
    return error_page(status, f"{name} refused or failed", err.message)
