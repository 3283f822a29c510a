"""``GET /api/v1/artifacts`` and ``GET /api/v1/artifacts/<group:key>/versions``: the
artifacts and an artifact's versions as collections; ``POST`` to the versions publishes
one (multipart: ``version``, ``description``, ``repository``, ``dependencies`` repeated,
``files`` repeated), checked as the publish page checks it, through the same service."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.api import upstream
from app.api.access import allow, current_key
from app.api.blueprint import bp
from app.api.collections import Kind, apply, bad, parse_query
from app.api.representation import stamp
from app.cloudbees import Artifact, ArtifactVersion, PropertyPath
from app.services import cd, settings
from app.web.artifacts import missing_dependents
from app.web.publish_form import PublishForm, UploadLimits

ARTIFACT_FIELDS: dict[str, Kind] = {
    "name": Kind.TEXT,
    "groupId": Kind.TEXT,
    "artifactKey": Kind.TEXT,
    "description": Kind.TEXT,
    "id": Kind.INT,
    "owner": Kind.TEXT,
    "createTime": Kind.TEXT,
    "modifyTime": Kind.TEXT,
    "lastModifiedBy": Kind.TEXT,
}
VERSION_FIELDS: dict[str, Kind] = {
    **ARTIFACT_FIELDS,
    "version": Kind.TEXT,
    "state": Kind.TEXT,
    "repositoryName": Kind.TEXT,
    "dependentVersions": Kind.OBJECT,
}


def artifact_json(artifact: Artifact | ArtifactVersion) -> dict[str, Any]:
    return {
        "name": artifact.name,
        "groupId": artifact.group_id,
        "artifactKey": artifact.artifact_key,
        "description": artifact.description,
        "id": artifact.id,
        "owner": artifact.owner,
        "createTime": stamp(artifact.create_time),
        "modifyTime": stamp(artifact.modify_time),
        "lastModifiedBy": artifact.last_modified_by,
    }


def version_json(version: ArtifactVersion) -> dict[str, Any]:
    return {
        **artifact_json(version),
        "version": version.version,
        "state": version.state,
        "repositoryName": version.repository_name,
        "dependentVersions": list(version.dependent_versions),
    }


@bp.get("/artifacts")
def artifacts() -> ResponseReturnValue:
    """Every artifact, as a collection."""
    query = parse_query(request.args, ARTIFACT_FIELDS)
    found = upstream.run(current_key(), lambda: cd().artifacts.all())
    page, total = apply([artifact_json(a) for a in found], query)
    return jsonify({"artifacts": page, "meta": {"total": total}})


PUBLISH_FIELDS = ("version", "description", "repository", "dependencies", "files")
"""The multipart fields of a publish (``api_key`` aside)."""

FIELD_NAMES = {"group_id": "groupId", "artifact_key": "artifactKey", "dependents": "dependencies"}
"""The API's name of each publish form field that is named otherwise on the page."""


def check_name(name: str) -> tuple[str, str]:
    """``groupId`` and ``artifactKey`` of ``name`` (else 400)."""
    if name.count(":") != 1 or not all(name.split(":")):
        raise bad(f"An artifact is named groupId:artifactKey, not {name!r}")
    group_id, artifact_key = name.split(":")
    return group_id, artifact_key


def publish_form(name: str) -> PublishForm:
    """The request's publish, checked as the publish page checks it (names, version,
    dependencies, file count, total size, one name per file); the first problem is a 400
    naming its field."""
    group_id, artifact_key = check_name(name)
    unknown = sorted(set(request.form) - {*PUBLISH_FIELDS, "api_key"})
    unknown += sorted(set(request.files) - {"files"})
    if unknown:
        raise bad(f"unrecognized form field '{unknown[0]}'")
    fields = MultiDict([("group_id", group_id), ("artifact_key", artifact_key)])
    for field in ("version", "description", "repository"):
        fields.add(field, request.form.get(field, ""))
    for dependency in request.form.getlist("dependencies"):
        fields.add("dependents", dependency)
    limits = UploadLimits(settings().max_upload_bytes, settings().max_upload_files)
    form = PublishForm.parse(fields, request.files, limits)
    for field, message in form.errors.items():
        raise bad(f"{FIELD_NAMES.get(field, field)}: {message}")
    return form


def publish(form: PublishForm) -> ArtifactVersion:
    """Publish ``form`` with the bound client, after checking that its dependencies exist
    (the files rewound first: a retried call sends them whole again)."""
    if missing := missing_dependents(form.dependents):
        raise bad(f"dependencies: {missing!r} does not exist on CloudBees CD; publish it first")
    for upload in form.files:
        upload.stream.seek(0)
    return form.publish(cd().artifacts)


@bp.post("/artifacts/<name>/versions")
def publish_version(name: str) -> ResponseReturnValue:
    """Publish a version of ``groupId:artifactKey``: 201 with the new version; a
    read-only key (or one whose prefixes leave out ``/artifactVersions/<version>``) 403;
    an existing version 409."""
    form = publish_form(name)
    key = allow(PropertyPath.artifact_version(form.version_name), write=True)
    version = upstream.run(key, lambda: publish(form))
    return jsonify({"artifactVersion": version_json(version)}), 201


@bp.get("/artifacts/<name>/versions")
def versions(name: str) -> ResponseReturnValue:
    """The versions of ``groupId:artifactKey``, as a collection."""
    check_name(name)
    query = parse_query(request.args, VERSION_FIELDS)
    key = current_key()
    artifact = upstream.run(key, lambda: cd().artifacts.get(name))  # 404 when missing
    found = upstream.run(key, lambda: cd().artifacts.versions(artifact.name))
    page, total = apply([version_json(v) for v in found], query)
    return jsonify({"artifactVersions": page, "meta": {"total": total}})
