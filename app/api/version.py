"""``GET /api/v1/version`` (no key needed) and ``GET /api/v1/openapi.json``."""

from __future__ import annotations

import getpass
import json
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.blueprint import bp
from app.api.inputs import only
from app.api.openapi import document

BUILD_FILE = "propdesk-build.json"
"""Written into the image's virtualenv at build time (the Dockerfile's ``BUILD_ID`` and
``BUILD_USER`` arguments, and the package version)."""


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@cache
def build_info() -> dict[str, str]:
    """``{"id", "builduser", "version"}``: baked in by the image build, else ``dev``, the
    local user and the installed package's version."""
    baked = Path(sys.prefix) / BUILD_FILE
    if baked.is_file():
        found = json.loads(baked.read_text())
        return {k: str(found.get(k, "")) for k in ("id", "builduser", "version")}
    try:
        version = metadata.version("propdesk")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"id": "dev", "builduser": _local_user(), "version": version}


@bp.get("/version")
def version() -> ResponseReturnValue:
    """Which build answers (public; with a valid key, the same)."""
    only()
    return jsonify(build_info())


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 document of this API."""
    only()
    return jsonify(document())
