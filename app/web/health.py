"""Liveness and readiness probes; they need no login."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process answers (never depends on the upstream)."""
    return jsonify(status="ok")
