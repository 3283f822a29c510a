"""Login and logout through CloudBees CD, and the hooks in front of every request: the
file-store sweep, the SSO identity a trusted proxy announces, and the login gate.

A login that ends without a logout (timeout, another SSO user, a second login over it) ends
its CloudBees CD session too, in the background (``app.sessions.upstream``).
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, Flask, Response, current_app, g, request, session, url_for
from flask.typing import ResponseReturnValue
from limits.errors import StorageError

from app.cloudbees import (
    AuthenticationError,
    CloudBeesClient,
    CloudBeesError,
    UpstreamUnavailable,
)
from app.cloudbees.models import CdSession
from app.cloudbees.sessions import SessionService
from app.errors import handle_store_down, login_again
from app.htmx import current_page, header_url, redirect_to, render
from app.proxy import sso_user
from app.redirects import safe_next
from app.services import services, settings, use_client
from app.sessions import devices
from app.sessions.interface import SessionStoreUnavailable, require_store
from app.sessions.login import EXPIRED_USER, LoggedIn
from app.sessions.throttle import add_retry_after, login_limits
from app.sessions.upstream import upstream_logouts
from app.web.forms import LoginForm
from app.web.runs import keeps_session

bp = Blueprint("auth", __name__)
QUIET_ENDPOINTS = frozenset({"health.healthz", "health.readyz", "static", "metrics"})
"""Probes, static files and the scrape: no session (``app.sessions.interface``), no hooks."""
PUBLIC_ENDPOINTS = QUIET_ENDPOINTS | {"auth.login", "auth.logout"}


def unreachable_message(err: UpstreamUnavailable) -> str:
    """Why the login could not reach CloudBees CD, decided by the transport's error code."""
    if err.code == "Timeout":
        host, timeout = settings().cd_host, settings().read_timeout
        return f"CloudBees CD at {host} is not reachable (no answer within {timeout:g} s)"
    return err.message


def end_upstream(login: LoggedIn | None, reason: str) -> None:
    """Start ending the CloudBees CD session of a login we give up (best effort); a
    background apply that still writes with it ends it when it ends instead."""
    if login is not None and not keeps_session(login.upstream_session):
        upstream_logouts().end(login.user, login.upstream_session, reason)


def login_page(form: LoginForm) -> Response:
    """The login form, prefilled with the page to go back to and the SSO user."""
    require_store()  # a new visitor learns of a store outage before typing a password
    form.next.data = safe_next(request.args.get("next")) or ""
    if g.get("sso_user") and not form.username.data:
        form.username.data = g.sso_user
    if not form.username.data and isinstance(session.get(EXPIRED_USER), str):
        form.username.data = session[EXPIRED_USER]  # the user whose login just ended
    return render(
        "auth/login.html",
        form=form,
        expired=request.args.get("expired") == "1",
        logged_out=request.args.get("logged_out") == "1",
    )


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login() -> ResponseReturnValue:
    """The login form; POST proxies the credentials to CloudBees CD."""
    form = LoginForm()
    if request.method == "GET":
        if services().login_state.current() is not None:  # logged in already: go home
            return redirect_to(request.script_root + (safe_next(request.args.get("next")) or "/"))
        return login_page(form)
    if not form.validate_on_submit():
        return render("auth/login.html", form=form, status=422)
    # Where to go after it, decided (and made safe for a header) before any upstream call.
    target = header_url(request.script_root + (safe_next(form.next.data) or "/"))
    try:
        cd_session = SessionService(services().transport).login(
            form.username.data or "", form.password.data or ""
        )
    except AuthenticationError as err:
        return render("auth/login.html", form=form, error=err.message, status=401)
    except UpstreamUnavailable as err:
        return render("auth/login.html", form=form, error=unreachable_message(err), status=503)
    except CloudBeesError as err:
        message = f"CloudBees CD at {settings().cd_host} refused the login: {err.message}"
        return render("auth/login.html", form=form, status=502, error=message)
    return logged_in(cd_session, form.username.data or "", target)


def logged_in(cd_session: CdSession, typed_user: str, target: str) -> Response:
    """After CloudBees CD accepted a login: start ours (a login it replaces ends upstream
    too), remember this browser for the user, and go to ``target``."""
    state = services().login_state
    previous = state.stored()
    try:
        state.start(cd_session.user_name or typed_user, cd_session.session_id, g.get("sso_user"))
    except SessionStoreUnavailable:
        end_upstream(LoggedIn(typed_user, cd_session.session_id, 0.0), "a store outage")
        raise
    end_upstream(previous, "a new login")
    current_app.logger.info("login", extra={"event": "login", "cd_user": cd_session.user_name})
    response = redirect_to(target)
    devices.remember(response, typed_user)
    return response


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the upstream session (failures there are ignored; a background apply that still
    writes with it ends it when it ends) and ours."""
    state = services().login_state
    stored = state.stored()
    if stored is not None and not keeps_session(stored.upstream_session):
        # A failure there is ignored: the upstream session dies by itself; ours ends below.
        with contextlib.suppress(CloudBeesError):
            SessionService(services().transport).logout(
                CdSession(stored.user, stored.upstream_session)
            )
    state.end()
    return redirect_to(url_for("auth.login", logged_out=1))


def sweep_sessions() -> None:
    """Before every request but quiet ones: now and then, delete expired session files."""
    sweeper = services().sweeper
    if sweeper is not None and request.endpoint not in QUIET_ENDPOINTS:
        sweeper.maybe_sweep()


def read_sso_identity() -> None:
    """Before every request: who the trusted proxy says is at the keyboard, if anyone
    (nobody, for a quiet request)."""
    g.sso_user = None if request.endpoint in QUIET_ENDPOINTS else sso_user()


def require_login() -> ResponseReturnValue | None:
    """Before every request: pages need a live login (else: to the login page, with the
    form being sent kept as a draft); a login of another SSO user ends."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if request.blueprint == "api":  # API keys authenticate it (app.api.access), not logins
        return None
    state = services().login_state
    logged_in = state.current()
    if logged_in is not None and g.sso_user and logged_in.sso_user != g.sso_user:
        # A different person is at the keyboard (the SSO user changed): end this login.
        current_app.logger.warning(
            "sso user changed; login ended", extra={"event": "sso_user_changed"}
        )
        end_upstream(logged_in, "an SSO user change")
        state.end()
        logged_in = None
    if logged_in is None:
        stored = state.stored()
        if stored is not None:
            end_upstream(stored, "its timeout")
            return login_again()  # idle or too old: the login is over, the form is kept
        return redirect_to(url_for("auth.login", next=current_page()))
    g.user = logged_in.user
    use_client(CloudBeesClient.for_session(services().transport, logged_in.upstream_session))
    return None


@bp.after_request
def retry_after(response: Response) -> Response:
    """A refused login says when to try again."""
    return add_retry_after(response)


def protect(app: Flask) -> None:
    """Run the three hooks, in order, before every request of ``app``; a login-limit store
    that does not answer is the session-store page (503), like the session store itself."""
    app.before_request(sweep_sessions)
    app.before_request(read_sso_identity)
    app.before_request(require_login)
    app.register_error_handler(StorageError, handle_store_down)


__all__ = ["bp", "protect"]
