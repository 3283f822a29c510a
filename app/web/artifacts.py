"""Artifacts: browse artifacts and versions, publish versions (with or without files)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, g, request, url_for
from flask.typing import ResponseReturnValue

from app import drafts, read_only
from app.cloudbees import (
    ArtifactVersion,
    CloudBeesError,
    Conflict,
    NotFound,
    PermissionDenied,
    PropertyPath,
    ValidationError,
)
from app.cloudbees.artifacts import version_key
from app.htmx import is_htmx, redirect_to, render, trigger
from app.logs import change
from app.services import cd, settings
from app.web.nodes import node_url
from app.web.publish_form import FIELDS, PublishForm, UploadLimits

bp = Blueprint("artifacts", __name__, url_prefix="/artifacts")


@bp.get("")
def index() -> ResponseReturnValue:
    """Every artifact with its latest version (two upstream calls), filterable."""
    q = request.args.get("q", "").strip()
    artifacts = cd().artifacts.all()
    latest: dict[str, ArtifactVersion] = {}
    for v in cd().artifacts.versions():
        best = latest.get(v.artifact_name)
        if best is None or version_key(v.version) > version_key(best.version):
            latest[v.artifact_name] = v
    if q:
        artifacts = [a for a in artifacts if q.casefold() in a.name.casefold()]
    return render(
        "artifacts/index.html",
        "artifacts/_list.html",
        artifacts=artifacts,
        latest=latest,
        q=q,
        read_only=publish_hidden(),
    )


@bp.get("/publish")
def publish() -> ResponseReturnValue:
    """The publish form, prefilled from ``?artifact=group:key`` or from a kept draft."""
    values: dict[str, Any] = {"repository": "default", "dependents": []}
    prefill = request.args.get("artifact", "")
    if prefill.count(":") == 1:
        values["group_id"], values["artifact_key"] = prefill.split(":")
    draft = drafts.take(drafts.key("publish"))
    if draft:
        values.update({name: draft.get(name) for name in draft.fields})
        values["dependents"] = draft.getlist("dependents")
    return publish_page(values, {}, restored=bool(draft))


@bp.post("/publish")
def publish_version() -> ResponseReturnValue:
    """Check the form, then publish the version in one upstream call; the server's
    refusals are shown next to the field they concern."""
    limits = UploadLimits(settings().max_upload_bytes, settings().max_upload_files)
    form = PublishForm.parse(request.form, request.files, limits)
    if not form.errors and (missing := missing_dependents(form.dependents)):
        form.errors["dependents"] = (
            f"“{missing}” does not exist on CloudBees CD; publish it first or remove it."
        )
    if form.errors:
        return refused(form)
    try:
        version = form.publish(cd().artifacts)
    except (ValidationError, Conflict, NotFound, PermissionDenied) as err:
        form.errors[PublishForm.field_for(err.code)] = refusal(form, err)
        return refused(form)
    change(
        current_app.logger,
        "artifact_version.published",
        version=version.name,
        files=len(form.files),
    )
    return redirect_to(
        url_for("artifacts.artifact", name=version.artifact_name, published=version.version)
    )


MAX_DEPENDENTS_CHECKED = 20


def missing_dependents(names: tuple[str, ...]) -> str | None:
    """The first dependent version that does not exist (one read each, at most
    ``MAX_DEPENDENTS_CHECKED``); the server itself accepts a dependency on nothing."""
    for name in names[:MAX_DEPENDENTS_CHECKED]:
        try:
            cd().artifacts.version(name)
        except NotFound:
            return name
    return None


@bp.get("/publish/version-check")
def version_check() -> ResponseReturnValue:
    """Advice while typing: the message for the version field ("already exists", or
    nothing). The publish itself still relies on the server's own refusal."""
    group = request.args.get("group_id", "").strip()
    key = request.args.get("artifact_key", "").strip()
    version = request.args.get("version", "").strip()
    message = ""
    if group and key and version:
        try:
            cd().artifacts.version(f"{group}:{key}:{version}")
            message = f"{group}:{key}:{version} already exists."
        except (NotFound, ValidationError):
            message = ""
    return render("artifacts/_field_error.html", name="version", message=message)


def refusal(form: PublishForm, err: CloudBeesError) -> str:
    """The message next to a field for a refusal of the server (by its type)."""
    if isinstance(err, PermissionDenied):
        read_only.remember_publish()
        g.refused_publish = True
        return f"Not published: {g.user} may not publish artifacts ({err.message})."
    if isinstance(err, Conflict):
        return f"{form.version_name} already exists."
    return err.message


def publish_page(
    values: dict[str, Any], errors: dict[str, str], *, status: int = 200, restored: bool = False
) -> Response:
    """The publish form page, filled with ``values``, with ``errors`` by field."""
    return render(
        "artifacts/publish.html",
        values=values,
        errors=errors,
        status=status,
        artifacts=cd().artifacts.all(),
        repositories=cd().artifacts.repositories(),
        max_upload=settings().max_upload_bytes,
        max_files=settings().max_upload_files,
        restored=restored,
        fields=FIELDS,
        read_only=publish_hidden(),
    )


def refused(form: PublishForm) -> Response:
    """422: the field messages, swapped out-of-band next to each field, so the form in the
    browser (files included) stays exactly as the person left it."""
    if not is_htmx():
        return publish_page(form.values(), form.errors, status=422)
    response = render(
        "artifacts/_publish_errors.html", errors=form.errors, fields=FIELDS, status=422
    )
    if g.get("refused_publish"):  # hide the Publish button at once, as later pages will
        trigger(response, "readOnly", {"reason": read_only.PUBLISH_REASON})
    return response


def publish_hidden() -> bool:
    """Whether this page hides its Publish controls: CloudBees CD refused this login a
    publish, and the user did not ask to try anyway (``write=1``)."""
    return request.args.get("write") != "1" and read_only.publish_refused()


@bp.get("/<name>")
def artifact(name: str) -> ResponseReturnValue:
    """An artifact (``group:key``) with its versions, or a version (``group:key:version``)."""
    if name.count(":") == 2:
        return version_page(name)
    if name.count(":") != 1:
        abort(404)
    found = cd().artifacts.get(name)
    versions = cd().artifacts.versions(name)
    return render(
        "artifacts/artifact.html",
        artifact=found,
        versions=versions,
        published=request.args.get("published", ""),
        read_only=publish_hidden(),
    )


def version_page(name: str) -> ResponseReturnValue:
    """A version's fields and files, and its download when its repository may receive the
    user's session (one more read: the repositories, for the repository's URL)."""
    version = cd().artifacts.version(name)
    sheet = node_url(PropertyPath.artifact_version(version.name), True)
    policy = cd().repository(settings().repository_hosts).policy
    base = policy.base_for(repository_url(version.repository_name))
    return render(
        "artifacts/version.html",
        version=version,
        sheet_url=sheet,
        repository_host=urlsplit(base).netloc,
        downloadable=policy.may_receive_session(base),
    )


def repository_url(name: str) -> str:
    """The URL of the repository ``name`` ("" when it has none, or is not listed)."""
    return next((r.url for r in cd().artifacts.repositories() if r.name == name), "")


@bp.get("/<name>/download")
def download(name: str) -> ResponseReturnValue:
    """A version's archive (``?manifest=1``: its file list), streamed from its artifact
    repository through propdesk as it arrives: never held in memory, not bound by
    ``PROPDESK_MAX_RESPONSE_BYTES``. The session goes only to a trusted repository host."""
    if name.count(":") != 2:
        abort(404)
    version = cd().artifacts.version(name)
    repository = cd().repository(settings().repository_hosts)
    opened = repository.download(
        version,
        repository_url(version.repository_name),
        manifest=request.args.get("manifest") == "1",
    )
    response = Response(opened.stream.chunks(), content_type=opened.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{opened.filename}"'
    if opened.length and opened.length.isdigit():
        response.headers["Content-Length"] = opened.length
    return response


__all__ = ["bp"]
