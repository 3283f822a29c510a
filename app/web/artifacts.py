"""Artifacts: browse artifacts and versions, publish versions (with or without files)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, g, request, session, url_for
from flask.typing import ResponseReturnValue

from app.cloudbees import (
    ArtifactVersion,
    Conflict,
    NotFound,
    PermissionDenied,
    PropertyPath,
    ValidationError,
)
from app.cloudbees.artifacts import version_key
from app.htmx import is_htmx, redirect_to, render
from app.login_state import DRAFTS
from app.logs import change
from app.web.nodes import node_url
from app.web.publish_form import FIELDS, PublishForm

bp = Blueprint("artifacts", __name__, url_prefix="/artifacts")
DRAFT_KEY = "publish"


@bp.get("")
def index() -> ResponseReturnValue:
    """Every artifact with its latest version (two upstream calls), filterable."""
    q = request.args.get("q", "").strip()
    artifacts = g.cd.artifacts.all()
    latest: dict[str, ArtifactVersion] = {}
    for v in g.cd.artifacts.versions():
        best = latest.get(v.artifact_name)
        if best is None or version_key(v.version) > version_key(best.version):
            latest[v.artifact_name] = v
    if q:
        artifacts = [a for a in artifacts if q.casefold() in a.name.casefold()]
    return render(
        "artifacts/index.html", "artifacts/_list.html", artifacts=artifacts, latest=latest, q=q
    )


@bp.route("/publish", methods=["GET", "POST"])
def publish() -> ResponseReturnValue:
    """The publish form; POST checks, then creates the version or streams the files."""
    if request.method == "GET":
        values: dict[str, Any] = {"repository": "default", "dependents": []}
        prefill = request.args.get("artifact", "")
        if prefill.count(":") == 1:
            values["group_id"], values["artifact_key"] = prefill.split(":")
        draft = _take_draft()
        if draft:
            values.update(draft)
        return _publish_page(values, {}, restored=bool(draft))
    form = PublishForm.parse(request.form, request.files)
    if not form.errors:
        try:
            g.cd.artifacts.version(form.version_name)
            form.errors["version"] = f"{form.version_name} already exists."
        except NotFound:
            pass
    if form.errors:
        return _refused(form)
    try:
        if form.files:
            version = g.cd.artifacts.publish(
                form.group_id,
                form.artifact_key,
                form.version,
                [(f.filename or "file", f.stream) for f in form.files],
                repository=form.repository,
                description=form.description,
                dependents=form.dependents,
            )
        else:
            try:
                g.cd.artifacts.get(form.artifact_name)
            except NotFound:
                g.cd.artifacts.create_artifact(form.group_id, form.artifact_key)
            version = g.cd.artifacts.create_version(
                form.group_id,
                form.artifact_key,
                form.version,
                repository=form.repository,
                description=form.description,
                dependents=form.dependents,
            )
    except (ValidationError, Conflict, NotFound, PermissionDenied) as err:
        message = err.message
        if isinstance(err, PermissionDenied):
            message = f"Not published: {g.user} may not publish artifacts ({err.message})."
        elif isinstance(err, Conflict):
            message = f"{form.version_name} already exists."
        form.errors[PublishForm.field_for(err.code)] = message
        return _refused(form)
    change(
        current_app.logger,
        "artifact_version.published",
        version=version.name,
        files=len(form.files),
    )
    return redirect_to(
        url_for("artifacts.artifact", name=version.artifact_name, published=version.version)
    )


def _take_draft() -> dict[str, Any] | None:
    drafts = session.get(DRAFTS)
    if not drafts or DRAFT_KEY not in drafts:
        return None
    remaining = dict(drafts)
    draft = dict(remaining.pop(DRAFT_KEY))
    session[DRAFTS] = remaining
    dependents = draft.get("dependents") or []
    draft["dependents"] = [dependents] if isinstance(dependents, str) else list(dependents)
    return draft


def _publish_page(
    values: dict[str, Any], errors: dict[str, str], *, status: int = 200, restored: bool = False
) -> Response:
    settings = current_app.config["PROPDESK"]
    return render(
        "artifacts/publish.html",
        values=values,
        errors=errors,
        status=status,
        artifacts=g.cd.artifacts.all(),
        repositories=g.cd.artifacts.repositories(),
        max_upload=settings.max_upload_bytes,
        restored=restored,
        fields=FIELDS,
    )


def _refused(form: PublishForm) -> Response:
    """422: the field messages, swapped out-of-band next to each field, so the form in the
    browser (files included) stays exactly as the person left it."""
    if not is_htmx():
        return _publish_page(form.values(), form.errors, status=422)
    return render("artifacts/_publish_errors.html", errors=form.errors, fields=FIELDS, status=422)


@bp.get("/<name>")
def artifact(name: str) -> ResponseReturnValue:
    """An artifact (``group:key``) with its versions, or a version (``group:key:version``)."""
    if name.count(":") == 2:
        return version_page(name)
    if name.count(":") != 1:
        abort(404)
    found = g.cd.artifacts.get(name)
    versions = g.cd.artifacts.versions(name)
    return render(
        "artifacts/artifact.html",
        artifact=found,
        versions=versions,
        published=request.args.get("published", ""),
    )


def version_page(name: str) -> ResponseReturnValue:
    version = g.cd.artifacts.version(name)
    sheet = node_url(PropertyPath.artifact_version(version.name), True)
    return render("artifacts/version.html", version=version, sheet_url=sheet)


__all__ = ["bp"]
