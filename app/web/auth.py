"""Login and logout through CloudBees CD, and the login gate in front of every page."""

from __future__ import annotations

import contextlib

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from app.cloudbees import (
    AuthenticationError,
    CloudBeesClient,
    CloudBeesError,
    UpstreamUnavailable,
)
from app.cloudbees.models import CdSession
from app.cloudbees.sessions import SessionService
from app.extensions import limiter
from app.htmx import current_page, redirect_to, render
from app.login_state import LoginState
from app.proxy import sso_user
from app.redirects import safe_next
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


def _state() -> LoginState:
    state: LoginState = current_app.extensions["propdesk.login_state"]
    return state


def _login_user_key() -> str:
    return "user:" + (request.form.get("username") or "").strip().lower()


def _login_limit() -> str:
    return str(current_app.config["PROPDESK"].login_rate_limit)


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
    settings = current_app.config["PROPDESK"]
    transport = current_app.extensions["propdesk.transport"]
    try:
        cd_session = SessionService(transport).login(
            form.username.data or "", form.password.data or ""
        )
    except AuthenticationError as err:
        return render("auth/login.html", form=form, error=err.message, status=401)
    except UpstreamUnavailable as err:
        detail = err.message.split(" is not reachable", 1)[-1].strip() or ""
        message = f"CloudBees CD at {settings.cd_host} is not reachable"
        if "did not answer" in err.message:
            message += f" (no answer within {settings.read_timeout:g} s)"
        elif detail:
            message += f" {detail}"
        return render("auth/login.html", form=form, error=message, status=503)
    except CloudBeesError as err:
        return render(
            "auth/login.html",
            form=form,
            status=502,
            error=f"CloudBees CD at {settings.cd_host} refused the login: {err.message}",
        )
    _state().start(
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
    upstream = session.get("upstream_session")
    if upstream:
        transport = current_app.extensions["propdesk.transport"]
        # A failure there is ignored: the upstream session dies by itself; ours ends below.
        with contextlib.suppress(CloudBeesError):
            SessionService(transport).logout(CdSession(session.get("user", ""), upstream))
    _state().end()
    return redirect_to(url_for("auth.login", logged_out=1))


def require_login() -> ResponseReturnValue | None:
    """Before every request: pages need a live login; otherwise go to login."""
    sweeper = current_app.extensions.get("propdesk.sweeper")
    if sweeper is not None:
        sweeper.maybe_sweep()
    g.sso_user = sso_user()
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    logged_in = _state().current()
    if logged_in is not None and g.sso_user and logged_in.sso_user != g.sso_user:
        # A different person is at the keyboard (the SSO user changed): end this login.
        current_app.logger.warning(
            "sso user changed; login ended", extra={"event": "sso_user_changed"}
        )
        _state().end()
        logged_in = None
    if logged_in is None:
        if session.get("user"):
            _state().end()  # idle or too old: the login is over
        return redirect_to(url_for("auth.login", next=current_page()))
    g.user = logged_in.user
    g.cd = CloudBeesClient.for_session(
        current_app.extensions["propdesk.transport"], logged_in.upstream_session
    )
    return None


def protect(app: Flask) -> None:
    app.before_request(require_login)

    @app.context_processor
    def identity() -> dict[str, object]:
        settings = app.config["PROPDESK"]
        return {
            "current_user": g.get("user"),
            "cd_host": settings.cd_host,
            "sso_user": g.get("sso_user"),
        }


__all__ = ["bp", "protect"]
