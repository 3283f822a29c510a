"""Liveness and readiness probes; they need no login, CSRF token or rate limit."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ProbeTimeout
from dataclasses import asdict
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from app.extensions import csrf, limiter
from app.journal import DatabaseState, migrate
from app.services import services

bp = Blueprint("health", __name__)
csrf.exempt(bp)
limiter.exempt(bp)
PROBE_SECONDS = 1.0
"""How long ``/readyz`` waits for the journal's database (a probe has seconds, a database
that does not answer may take its connect timeout)."""
PROBES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz-database")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process answers (never depends on the upstream)."""
    return jsonify(status="ok")


def database_state() -> dict[str, Any]:
    """The journal's database as ``/readyz`` reports it, within ``PROBE_SECONDS`` (it does
    not decide readiness: editing works without the journal)."""
    journal = services().journal
    try:
        state = PROBES.submit(journal.probe).result(timeout=PROBE_SECONDS)
    except ProbeTimeout:
        detail = f"no answer within {PROBE_SECONDS:g} s"
        backend = journal.database.backend
        state = DatabaseState("unavailable", backend, None, migrate.head(), detail)
    return asdict(state)


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """The session store answers a write and a read; the body also says how the journal's
    database is (``database``), which never makes propdesk unready."""
    store = services().activity
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        ok = bool(store.set(key, 1, timeout=10)) and store.get(key) == 1
        store.delete(key)
    except Exception as err:
        sessions = type(err).__name__
        return jsonify(status="unavailable", sessions=sessions, database=database_state()), 503
    if not ok:
        return jsonify(status="unavailable", sessions="no answer", database=database_state()), 503
    return jsonify(status="ok", sessions="ok", database=database_state())
