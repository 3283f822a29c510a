"""The multipart publish endpoint (``/commander/publishArtifact.php``).

The version is created in state ``publishing``, its files are streamed into the file store,
then it becomes ``available`` (``unavailable`` when storing fails). Answers are plain text,
as on a real server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request, Response

from emulator.auth import authenticate
from emulator.errors import ApiError
from emulator.filestore import store_file
from emulator.rules import check_artifact_part, check_version, parse_dependents
from emulator.settings import EmulatorSettings
from emulator.store import Store

OK_TEXT = "Artifact-Published-OK"


@dataclass(frozen=True)
class Publication:
    """What one publish form asks for, checked."""

    group_id: str
    key: str
    version: str
    repository: str
    description: str
    dependents: list[str]
    uploads: list[FileStorage]


def _read_form(request: Request) -> Publication:
    form = request.form
    name = form.get("artifactName", "")
    if name.count(":") != 1:
        raise ApiError(400, "InvalidArtifactName", f"Invalid artifactName '{name}'")
    group_id, key = name.split(":")
    check_artifact_part("groupId", group_id)
    check_artifact_part("artifactKey", key)
    return Publication(
        group_id=group_id,
        key=key,
        version=check_version(form.get("artifactVersionVersion", "")),
        repository=form.get("repositoryName") or "default",
        description=form.get("description", ""),
        dependents=parse_dependents(form.getlist("dependentArtifactVersions")),
        uploads=[f for f in request.files.getlist("files[]") if f.filename],
    )


def _publish(store: Store, settings: EmulatorSettings, user: str, wanted: Publication) -> None:
    with store.write() as c:
        artifact = store.ensure_artifact(c, wanted.group_id, wanted.key, user)
        row = store.create_artifact_version(
            c,
            artifact,
            wanted.version,
            wanted.repository,
            wanted.description,
            wanted.dependents,
            "publishing",
            user,
        )
    stored = []
    try:
        for upload in wanted.uploads:
            sha, size = store_file(settings.files_dir, upload)
            stored.append((os.path.basename(upload.filename or "file"), size, sha))
    except OSError:
        with store.write() as c:
            store.set_version_state(c, row["id"], "unavailable")
        raise ApiError(500, "InternalError", "Storing the files failed") from None
    with store.write() as c:
        store.add_version_files(c, row["id"], stored)
        store.set_version_state(c, row["id"], "available")


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def handle(store: Store, settings: EmulatorSettings, request: Request) -> Response:
    """Publish an artifact version with its files; plain-text answer."""
    try:
        session_id = request.form.get("commanderSessionId") or None
        user = authenticate(store, request, settings.session_lifetime, session_id)
        if not store.can_write(user):
            raise ApiError(403, "AccessDenied", f"User '{user}' may not publish")
        _publish(store, settings, user, _read_form(request))
    except ApiError as err:
        return _text(f"publishArtifactAPI error [{err.code}]: {err.message}", err.status)
    return _text(OK_TEXT, 200)
