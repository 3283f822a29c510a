"""The multipart publish endpoint (``/commander/publishArtifact.php``) and its file store.

Files are streamed into a content-addressed store beside the database (one file per
SHA-256, written through a temporary file and renamed). The version passes through
``publishing`` to ``available``; answers are plain text, as on a real server.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request, Response

from app.emulator.errors import ApiError
from app.emulator.rules import check_artifact_part, check_version

if TYPE_CHECKING:
    from app.emulator.api import EmulatorApp

OK_TEXT = "Artifact-Published-OK"
CHUNK = 64 * 1024


def store_file(files_dir: Path, upload: FileStorage) -> tuple[str, int]:
    """Stream one upload into the store; returns its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=files_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        target = files_dir / sha[:2] / sha
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            os.unlink(tmp_name)
        else:
            shutil.move(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return sha, size


def _dependents(raw: list[str]) -> list[str]:
    """Dependent versions as repeated fields or one comma-separated field [ours]."""
    out = []
    for item in ",".join(raw).split(","):
        text = item.strip()
        if not text:
            continue
        parts = text.split(":")
        if len(parts) != 3:
            raise ApiError(400, "InvalidArtifactName", f"Invalid dependent version '{text}'")
        check_artifact_part("groupId", parts[0])
        check_artifact_part("artifactKey", parts[1])
        check_version(parts[2])
        out.append(text)
    return out


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def handle(emulator: EmulatorApp, request: Request) -> Response:
    """Publish an artifact version with its files; plain-text answer."""
    store = emulator.store
    try:
        form = request.form
        user = emulator.authenticate(request, form.get("commanderSessionId") or None)
        if not store.can_write(user):
            raise ApiError(403, "AccessDenied", f"User '{user}' may not publish")
        name = form.get("artifactName", "")
        if name.count(":") != 1:
            raise ApiError(400, "InvalidArtifactName", f"Invalid artifactName '{name}'")
        group_id, key = name.split(":")
        check_artifact_part("groupId", group_id)
        check_artifact_part("artifactKey", key)
        version = check_version(form.get("artifactVersionVersion", ""))
        repository = form.get("repositoryName") or "default"
        uploads = [f for f in request.files.getlist("files[]") if f.filename]
        with store.write() as c:
            try:
                artifact = store.artifact(c, group_id, key)
            except ApiError:
                artifact = store.create_artifact(c, group_id, key, "", user)
            row = store.create_artifact_version(
                c,
                artifact,
                version,
                repository,
                form.get("description", ""),
                _dependents(form.getlist("dependentArtifactVersions")),
                "publishing",
                user,
            )
        stored = []
        try:
            for upload in uploads:
                sha, size = store_file(emulator.settings.files_dir, upload)
                stored.append((os.path.basename(upload.filename or "file"), size, sha))
        except OSError:
            with store.write() as c:
                c.execute(
                    "UPDATE artifact_versions SET state='unavailable' WHERE id=?", (row["id"],)
                )
            raise ApiError(500, "InternalError", "Storing the files failed") from None
        with store.write() as c:
            c.executemany(
                "INSERT OR REPLACE INTO artifact_files(version_id, name, size, sha256) "
                "VALUES (?,?,?,?)",
                [(row["id"], n, s, h) for n, s, h in stored],
            )
            c.execute("UPDATE artifact_versions SET state='available' WHERE id=?", (row["id"],))
    except ApiError as err:
        return _text(f"publishArtifactAPI error [{err.code}]: {err.message}", err.status)
    return _text(OK_TEXT, 200)
