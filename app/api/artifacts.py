"""``GET /api/v1/artifacts`` and ``GET /api/v1/artifacts/<group:key>/versions``: the
artifacts and an artifact's versions as collections (reads; publishing through the API is
not built yet)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api import upstream
from app.api.access import current_key
from app.api.blueprint import bp
from app.api.collections import Kind, apply, bad, parse_query
from app.api.representation import stamp
from app.cloudbees import Artifact, ArtifactVersion
from app.services import cd

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


@bp.get("/artifacts/<name>/versions")
def versions(name: str) -> ResponseReturnValue:
    """The versions of ``groupId:artifactKey``, as a collection."""
    if name.count(":") != 1 or not all(name.split(":")):
        raise bad(f"An artifact is named groupId:artifactKey, not {name!r}")
    query = parse_query(request.args, VERSION_FIELDS)
    key = current_key()
    artifact = upstream.run(key, lambda: cd().artifacts.get(name))  # 404 when missing
    found = upstream.run(key, lambda: cd().artifacts.versions(artifact.name))
    page, total = apply([version_json(v) for v in found], query)
    return jsonify({"artifactVersions": page, "meta": {"total": total}})
