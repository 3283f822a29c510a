"""The Buildbot login, asked once per propdesk login when the master has one: the user's
Buildbot user and password go to the master's ``/auth/login`` (HTTP Basic) and only the
session cookie it sets is kept, server-side; the password is not stored."""

from __future__ import annotations

from flask import g, request, url_for
from flask.typing import ResponseReturnValue

from app.buildbot import LoginRefused, Unreachable
from app.htmx import header_url, redirect_to, render
from app.redirects import safe_next
from app.web.buildbot import bp
from app.web.buildbot_access import access, keep_session, require_oauth_free
from app.web.forms import LoginForm


def _page(form: LoginForm, error: str = "", status: int = 200) -> ResponseReturnValue:
    return render(
        "buildbot/login.html",
        form=form,
        host=access().host,
        error=error,
        expired=request.args.get("expired") == "1",
        status=status,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The form; POST logs in at the master and keeps its session cookie."""
    auth = access().auth()
    require_oauth_free(auth)
    if not auth.needs_login:
        return redirect_to(url_for("buildbot.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if not form.username.data:
            form.username.data = g.get("sso_user") or g.get("user") or ""
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, status=422)
    target = header_url(request.script_root + (safe_next(form.next.data) or "/buildbot/"))
    try:
        buildbot_session = access().transport.login(
            form.username.data or "", form.password.data or ""
        )
    except LoginRefused as err:
        return _page(form, error=err.message, status=401)
    except Unreachable as err:
        return _page(form, error=err.message, status=503)
    keep_session(buildbot_session)
    return redirect_to(target)
