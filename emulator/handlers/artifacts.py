"""``/artifacts``, ``/artifactVersions`` (metadata only) and ``/repositories``."""

from __future__ import annotations

import sqlite3

from werkzeug.wrappers import Response

from emulator.errors import ApiError
from emulator.http import Call, json_response
from emulator.rules import (
    check_artifact_part,
    check_version,
    parse_dependents,
    split_artifact_name,
)
from emulator.store import Row, Store
from emulator.views import Json, artifact_json, repository_json, version_json


def list_artifacts(call: Call) -> Response:
    with call.store.read() as c:
        return json_response({"artifact": [artifact_json(r) for r in call.store.artifacts(c)]})


def get_artifact(call: Call) -> Response:
    group_id, key = split_artifact_name("artifactName", call.segments[1], 2)
    with call.store.read() as c:
        return json_response({"artifact": artifact_json(call.store.artifact(c, group_id, key))})


def create_artifact(call: Call) -> Response:
    call.require_write()
    group_id = check_artifact_part("groupId", call.text("groupId"))
    key = check_artifact_part("artifactKey", call.text("artifactKey"))
    with call.store.write() as c:
        row = call.store.create_artifact(c, group_id, key, call.text("description"), call.user)
    return json_response({"artifact": artifact_json(row)})


def delete_artifact(call: Call) -> Response:
    call.require_write()
    group_id, key = split_artifact_name("artifactName", call.segments[1], 2)
    with call.store.write() as c:
        call.store.delete_artifact(c, call.store.artifact(c, group_id, key))
    return json_response({})


def _versions_json(store: Store, c: sqlite3.Connection, rows: list[Row]) -> Json:
    files = store.files_of(c, [r["id"] for r in rows])
    return {"artifactVersion": [version_json(r, files.get(r["id"], [])) for r in rows]}


def list_versions(call: Call) -> Response:
    """Every version, or those of ``artifactName``."""
    store = call.store
    with store.read() as c:
        artifact_id = None
        name = call.text("artifactName")
        if name:
            group_id, key = split_artifact_name("artifactName", name, 2)
            artifact_id = store.artifact(c, group_id, key)["id"]
        return json_response(_versions_json(store, c, store.artifact_versions(c, artifact_id)))


def get_version(call: Call) -> Response:
    group_id, key, version = split_artifact_name("artifactVersionName", call.segments[1], 3)
    with call.store.read() as c:
        row = call.store.artifact_version(c, group_id, key, version)
        files = call.store.files_of(c, [row["id"]]).get(row["id"], [])
        return json_response({"artifactVersion": version_json(row, files)})


def create_version(call: Call) -> Response:
    """A version without files (state ``available``); creates the artifact when missing."""
    call.require_write()
    name = call.text("artifactName")
    if name:
        group_id, key = split_artifact_name("artifactName", name, 2)
    else:
        group_id, key = call.text("groupId"), call.text("artifactKey")
    check_artifact_part("groupId", group_id)
    check_artifact_part("artifactKey", key)
    version = check_version(call.text("version"))
    raw = call.args.get("dependentArtifactVersions")
    dependents = parse_dependents(raw if isinstance(raw, list) else [] if raw is None else [raw])
    with call.store.write() as c:
        artifact = call.store.ensure_artifact(c, group_id, key, call.user)
        row = call.store.create_artifact_version(
            c,
            artifact,
            version,
            call.text("repositoryName", "default") or "default",
            call.text("description"),
            dependents,
            "available",
            call.user,
        )
    return json_response({"artifactVersion": version_json(row, [])})


def delete_version(call: Call) -> Response:
    call.require_write()
    group_id, key, version = split_artifact_name("artifactVersionName", call.segments[1], 3)
    with call.store.write() as c:
        row = call.store.artifact_version(c, group_id, key, version)
        call.store.delete_artifact_version(c, row)
    return json_response({})


def list_repositories(call: Call) -> Response:
    with call.store.read() as c:
        rows = call.store.repositories(c)
    return json_response({"repository": [repository_json(r) for r in rows]})


def get_repository(call: Call) -> Response:
    name = call.segments[1]
    with call.store.read() as c:
        for row in call.store.repositories(c):
            if row["name"] == name:
                return json_response({"repository": repository_json(row)})
    raise ApiError(404, "NoSuchRepository", f"Repository '{name}' does not exist")
