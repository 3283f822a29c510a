"""Login and logout through CloudBees CD, and the hooks in front of every request: the
file-store sweep, the SSO identity a trusted proxy announces, and the login gate."""

from __future__ import annotations

import contextlib

from flask import Blueprint, Flask, current_app, g, request, url_for
from flask.typing import ResponseReturnValue

from app.cloudbees import (
    AuthenticationError,
    CloudBeesClient,
    CloudBeesError,
    UpstreamUnavailable,
)
from app.cloudbees.models import CdSession
from app.cloudbees.sessions import SessionService
from app.errors import login_again
from app.extensions import limiter
from app.htmx import current_page, redirect_to, render
from app.proxy import sso_user
from app.redirects import safe_next
from app.services import services, settings, use_client
from app.web.forms import LoginForm

bp = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.logout",
    "health.healthz",
    "health.readyz",
    "static",
    "metrics",
}


def _login_user_key() -> str:
    return "user:" + (request.form.get("username") or "").strip().lower()


def _login_limit() -> str:
    return settings().login_rate_limit


def unreachable_message(err: UpstreamUnavailable) -> str:
    """Why the login could not reach CloudBees CD, decided by the transport's error code."""
    if err.code == "Timeout":
        host, timeout = settings().cd_host, settings().read_timeout
        return f"CloudBees CD at {host} is not reachable (no answer within {timeout:g} s)"
    return err.message


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_user_key)
def login() -> ResponseReturnValue:
    """The login form; POST proxies the credentials to CloudBees CD."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if g.get("sso_user") and not form.username.data:
            form.username.data = g.sso_user
        return render(
            "auth/login.html",
            form=form,
            expired=request.args.get("expired") == "1",
            logged_out=request.args.get("logged_out") == "1",
        )
    if not form.validate_on_submit():
        return render("auth/login.html", form=form, status=422)
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
    services().login_state.start(
        cd_session.user_name or form.username.data or "",
        cd_session.session_id,
        sso_user=g.get("sso_user"),
    )
    current_app.logger.info("login", extra={"event": "login", "cd_user": cd_session.user_name})
    target = safe_next(form.next.data) or "/"
    return redirect_to(request.script_root + target)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the upstream session (failures there are ignored) and ours."""
    state = services().login_state
    stored = state.stored()
    if stored is not None:
        # A failure there is ignored: the upstream session dies by itself; ours ends below.
        with contextlib.suppress(CloudBeesError):
            SessionService(services().transport).logout(
                CdSession(stored.user, stored.upstream_session)
            )
    state.end()
    return redirect_to(url_for("auth.login", logged_out=1))


def sweep_sessions() -> None:
    """Before every request: now and then, delete expired session files."""
    sweeper = services().sweeper
    if sweeper is not None:
        sweeper.maybe_sweep()


def read_sso_identity() -> None:
    """Before every request: who the trusted proxy says is at the keyboard, if anyone."""
    g.sso_user = sso_user()


def require_login() -> ResponseReturnValue | None:
    """Before every request: pages need a live login (else: to the login page, with the
    form being sent kept as a draft); a login of another SSO user ends."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    state = services().login_state
    logged_in = state.current()
    if logged_in is not None and g.sso_user and logged_in.sso_user != g.sso_user:
        # A different person is at the keyboard (the SSO user changed): end this login.
        current_app.logger.warning(
            "sso user changed; login ended", extra={"event": "sso_user_changed"}
        )
        state.end()
        logged_in = None
    if logged_in is None:
        if state.stored() is not None:
            return login_again()  # idle or too old: the login is over, the form is kept
        return redirect_to(url_for("auth.login", next=current_page()))
    g.user = logged_in.user
    use_client(CloudBeesClient.for_session(services().transport, logged_in.upstream_session))
    return None


def protect(app: Flask) -> None:
    """Run the three hooks, in order, before every request of ``app``."""
    app.before_request(sweep_sessions)
    app.before_request(read_sso_identity)
    app.before_request(require_login)


__all__ = ["bp", "protect"]
