"""The Buildbot pages: builders, a builder's builds (paged, filtered), a build's
properties (filtered, or compared with another build), and a build request.

Registered only when ``PROPDESK_BUILDBOT_URL`` is set (``register_buildbot``). Every view
calls the request's ``BuildbotClient`` (``app.web.buildbot_access``) and renders; errors
become pages in ``buildbot_access.handle_buildbot``. The login and the rebuild form live in
``buildbot_login`` and ``buildbot_rebuild``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request, url_for
from flask.typing import ResponseReturnValue

from app.buildbot import Build, BuildbotError, Builder
from app.buildbot.compare import compare, counts, shown
from app.config import Settings
from app.htmx import redirect_to, render
from app.web import buildbot_access
from app.web.buildbot_access import client
from app.web.buildbot_filters import COMPLETIONS, PAGE_SIZE, BuildsFilter

PENDING_SHOWN = 20
"""Waiting or running build requests a builder page lists (the newest; it says when more
wait)."""

bp = Blueprint("buildbot", __name__, url_prefix="/buildbot")
bp.before_request(buildbot_access.gate)
bp.teardown_request(buildbot_access.end_deadline)
bp.register_error_handler(BuildbotError, buildbot_access.handle_buildbot)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Builders with their description, tags and last build."""
    buildbot = client()
    builders = buildbot.builders()
    last = {b.builderid: buildbot.last_build(b) for b in builders}
    return render("buildbot/index.html", builders=builders, last=last)


@bp.get("/builders/<name>/")
def builder(name: str) -> ResponseReturnValue:
    """A builder's builds, newest first, one page, filtered by result and completion."""
    buildbot = client()
    found = buildbot.builder(name)
    filters = BuildsFilter.from_args(request.args.to_dict())
    builds = buildbot.builds(found, filters.query())
    pending = buildbot.pending_requests(found, PENDING_SHOWN + 1)
    return render(
        "buildbot/builder.html",
        builder=found,
        builds=builds[:PAGE_SIZE],
        has_next=len(builds) > PAGE_SIZE,
        filters=filters,
        completions=tuple(COMPLETIONS),
        pending=pending[:PENDING_SHOWN],
        more_pending=len(pending) > PENDING_SHOWN,
        forced=request.args.get("request", ""),
    )


def _other_build(found: Builder, number: int) -> Build | None:
    """The build named by ``?compare=N`` (``None`` when absent or not a number)."""
    raw = request.args.get("compare", "").strip()
    if not raw.isascii() or not raw.isdigit() or int(raw) == number:
        return None
    return client().build(found, int(raw))


@bp.get("/builders/<name>/builds/<int:number>")
def build(name: str, number: int) -> ResponseReturnValue:
    """A build's properties (name, value by type, source), filtered by ``q``; with
    ``?compare=N`` side by side with build N's."""
    buildbot = client()
    found = buildbot.builder(name)
    this = buildbot.build(found, number)
    other = _other_build(found, number)
    needle = request.args.get("q", "").strip().casefold()
    rows = [
        p
        for p in this.properties
        if not needle or needle in p.name.casefold() or needle in shown(p.value).casefold()
    ]
    paired = compare(this.properties, other.properties) if other is not None else ()
    diff_only = request.args.get("diff") == "1"
    pairs = tuple(p for p in paired if p.state != "same") if diff_only else paired
    return render(
        "buildbot/build.html",
        builder=found,
        build=this,
        other=other,
        rows=rows,
        q=request.args.get("q", ""),
        pairs=pairs,
        counts=counts(paired) if other else {},
        diff_only=diff_only,
        shown=shown,
    )


@bp.get("/requests/<int:buildrequestid>")
def build_request(buildrequestid: int) -> ResponseReturnValue:
    """A build request: its newest build once it started, else where it stands."""
    buildbot = client()
    found = buildbot.build_request(buildrequestid)
    builders = {b.builderid: b for b in buildbot.builders()}
    owner = builders.get(found.builderid)
    if owner is not None and found.build_numbers:
        number = found.build_numbers[-1]
        return redirect_to(url_for("buildbot.build", name=owner.name, number=number))
    return render("buildbot/request.html", request_=found, builder=owner)


def register_buildbot(app: Flask, settings: Settings) -> None:
    """Turn the Buildbot pages on (only when ``PROPDESK_BUILDBOT_URL`` is set)."""
    from app.web import buildbot_login, buildbot_rebuild  # noqa: F401 (their routes)

    buildbot_access.install(app, settings)
    app.register_blueprint(bp)
    app.jinja_env.globals["buildbot_enabled"] = True
