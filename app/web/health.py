"""Liveness and readiness probes; they need no login, CSRF token or rate limit."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from app.extensions import csrf, limiter
from app.services import services

bp = Blueprint("health", __name__)
csrf.exempt(bp)
limiter.exempt(bp)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process answers (never depends on the upstream)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """The session store answers a write and a read."""
    store = services().activity
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        ok = bool(store.set(key, 1, timeout=10)) and store.get(key) == 1
        store.delete(key)
    except Exception as err:
        return jsonify(status="unavailable", sessions=type(err).__name__), 503
    if not ok:
        return jsonify(status="unavailable", sessions="no answer"), 503
    return jsonify(status="ok", sessions="ok")
