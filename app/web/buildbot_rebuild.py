"""Rebuild with properties: a past build's properties in the form of a force scheduler of
its builder, editable, sent as Buildbot's JSON-RPC ``force``. Buildbot's per-field errors
show next to their fields and the typed form is kept (also when the master is down)."""

from __future__ import annotations

from flask import g, request, url_for
from flask.typing import ResponseReturnValue

from app.buildbot import Build, Builder, FieldErrors, ForceScheduler, NotFound, Unreachable
from app.buildbot.rebuild import RebuildField, identity_error, prefilled, submitted
from app.htmx import notice, redirect_to, render
from app.web.buildbot import bp
from app.web.buildbot_access import client


def identity() -> str:
    """Who asks, as Buildbot's ``username``: the SSO user, else the CloudBees CD user."""
    return str(g.get("sso_user") or g.get("user") or "")


def _field_errors(fields: tuple[RebuildField, ...], errors: dict[str, str]) -> dict[str, str]:
    """Buildbot's per-field messages, the identity's explained (it cannot be edited)."""
    fixed = {f.name for f in fields if f.readonly}
    return {
        name: identity_error(message, identity()) if name in fixed else message
        for name, message in errors.items()
    }


def _scheduler(schedulers: tuple[ForceScheduler, ...], name: str) -> ForceScheduler | None:
    if not schedulers:
        return None
    return next((s for s in schedulers if s.name == name), None) if name else schedulers[0]


def _page(
    found: Builder,
    build: Build,
    schedulers: tuple[ForceScheduler, ...],
    scheduler: ForceScheduler | None,
    fields: tuple[RebuildField, ...],
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    errors = errors or {}
    shown_names = {f.name for f in fields}
    return render(
        "buildbot/rebuild.html",
        builder=found,
        build=build,
        schedulers=schedulers,
        scheduler=scheduler,
        fields=fields,
        errors=errors,
        other_errors={k: v for k, v in errors.items() if k not in shown_names},
        error=error,
        status=status,
    )


@bp.route("/builders/<name>/builds/<int:number>/rebuild", methods=["GET", "POST"])
def rebuild(name: str, number: int) -> ResponseReturnValue:
    """GET: the form prefilled from build ``number``; POST: force a build with it."""
    buildbot = client()
    found = buildbot.builder(name)
    build = buildbot.build(found, number)
    schedulers = buildbot.force_schedulers(found)
    scheduler = _scheduler(schedulers, request.values.get("scheduler", ""))
    if scheduler is None and schedulers:
        raise NotFound(f"{found.name} has no force scheduler {request.values['scheduler']!r}")
    if scheduler is None or request.method == "GET":
        reason = f"Rebuild of {found.name} #{build.number} (propdesk)"
        fields = prefilled(scheduler, build, identity(), reason) if scheduler else ()
        return _page(found, build, schedulers, scheduler, fields)
    fields, params = submitted(scheduler, request.form.to_dict(flat=False), identity())
    try:
        forced = buildbot.force(scheduler.name, found, params)
    except FieldErrors as err:
        errors = _field_errors(fields, err.fields)
        return _page(found, build, schedulers, scheduler, fields, errors=errors, status=422)
    except Unreachable as err:
        error = f"{err.message}. Nothing was started; your form is unchanged."
        return _page(found, build, schedulers, scheduler, fields, error=error, status=503)
    requested = dict(forced.build_requests).get(found.builderid)
    target = url_for("buildbot.builder", name=found.name, request=requested or "")
    text = f"Build request {requested} sent to {found.name}" if requested else "Build forced"
    return notice(redirect_to(target), text)
