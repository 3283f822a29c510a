"""The emulator's artifact repository server (reference, section 6): a version's files from
the content-addressed store, outside ``/rest/``, under the emulator's own base URL.

- ``GET /artifacts/<groupId>/<artifactKey>/<version>``: the version as one archive
  (``Format: tgz``); with ``?manifest``, its file list (one ``name<TAB>size<TAB>sha256``
  line per file).
- ``GET /artifacts/<groupId>/<artifactKey>/<version>/<file name>``: one file [ours].

Callers authenticate as real clients do, with ``Authorization: Basic
base64("commanderSession:<sessionId>")``, or like any REST call.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from emulator.auth import authenticate
from emulator.errors import ApiError
from emulator.http import error_response
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.schema import Row

PREFIX = "artifacts"
ARCHIVE_ROUTE = "GET /artifacts/{groupId}/{artifactKey}/{version}"
FILE_ROUTE = "GET /artifacts/{groupId}/{artifactKey}/{version}/{fileName}"
SESSION_USER = "commanderSession"


def route_of(segments: list[str]) -> str | None:
    """The route name of a repository request's path (after the prefix), else ``None``."""
    if len(segments) == 3:
        return ARCHIVE_ROUTE
    if len(segments) == 4:
        return FILE_ROUTE
    return None


def caller(store: Store, settings: EmulatorSettings, request: Request) -> str:
    """Who asks: ``commanderSession:<id>`` in HTTP Basic, else any REST credentials."""
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username == SESSION_USER:
        return authenticate(store, request, settings.session_lifetime, auth.password or "")
    return authenticate(store, request, settings.session_lifetime)


def stored_path(settings: EmulatorSettings, sha: str) -> Path:
    return settings.files_dir / sha[:2] / sha


def archive(settings: EmulatorSettings, files: list[Row]) -> bytes:
    """The files as one gzipped tar, each under its own name."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for f in files:
            tar.add(str(stored_path(settings, f["sha256"])), arcname=f["name"])
    return buffer.getvalue()


def handle(store: Store, settings: EmulatorSettings, request: Request, segs: list[str]) -> Response:
    """Answer one repository request (``segs``: the path after ``/artifacts``)."""
    try:
        if request.method != "GET" or route_of(segs) is None:
            raise ApiError(501, "NotImplemented", f"Unknown request {request.method}")
        caller(store, settings, request)
        with store.read() as c:
            row = store.artifact_version(c, segs[0], segs[1], segs[2])
            files = store.files_of(c, [row["id"]]).get(row["id"], [])
    except ApiError as err:
        return error_response(err)
    if len(segs) == 4:
        found = next((f for f in files if f["name"] == segs[3]), None)
        if found is None:
            return error_response(ApiError(404, "NoSuchFile", f"No file '{segs[3]}'"))
        body = wrap_file(request.environ, stored_path(settings, found["sha256"]).open("rb"))
        return Response(body, content_type="application/octet-stream", direct_passthrough=True)
    if "manifest" in request.args:
        lines = "".join(f"{f['name']}\t{f['size']}\t{f['sha256']}\n" for f in files)
        return Response(lines, content_type="text/plain; charset=utf-8")
    response = Response(archive(settings, files), content_type="application/octet-stream")
    response.headers["Format"] = "tgz"
    return response
