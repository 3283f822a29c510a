"""``GET /api/v1/changes``: the journal's entries, newest first, as a collection (the same
parameters as sheets, plus ``path__startswith``). A key with path prefixes sees only the
entries under them."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api.access import current_key
from app.api.blueprint import bp
from app.api.collections import Kind, apply, parse_query
from app.api.representation import stamp
from app.journal import ActivityFilter, Entry, Snapshot
from app.services import services

PREFIX = "path__startswith"

FIELDS: dict[str, Kind] = {
    "id": Kind.INT,
    "at": Kind.TEXT,
    "path": Kind.TEXT,
    "kind": Kind.TEXT,
    "action": Kind.TEXT,
    "source": Kind.TEXT,
    "outcome": Kind.TEXT,
    "user": Kind.TEXT,
    "ssoUser": Kind.TEXT,
    "changeSet": Kind.TEXT,
    "modifyTime": Kind.TEXT,
    "before": Kind.OBJECT,
    "after": Kind.OBJECT,
}
"""An entry's fields as collections filter them (``before`` and ``after`` are states)."""


def snapshot_json(state: Snapshot | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "value": state.value,
        "valueSha256": state.value_sha256,
        "description": state.description,
        "expandable": state.expandable,
    }


def entry_json(entry: Entry) -> dict[str, Any]:
    """One journal entry, flat like a property (times as the upstream writes them)."""
    return {
        "id": entry.id,
        "at": stamp(entry.at),
        "path": str(entry.path),
        "kind": entry.kind.value,
        "action": entry.action.value,
        "source": entry.source.value,
        "outcome": entry.outcome.value,
        "user": entry.actor.cd_user,
        "ssoUser": entry.actor.sso_user,
        "changeSet": entry.change_set,
        "modifyTime": stamp(entry.modify_time),
        "before": snapshot_json(entry.before),
        "after": snapshot_json(entry.after),
    }


@bp.get("/changes")
def changes() -> ResponseReturnValue:
    """Every journal entry the key may see, filtered, sorted and paged (newest first
    unless ``order`` says otherwise)."""
    key = current_key()
    query = parse_query(request.args, FIELDS, extra=(PREFIX,))
    prefixes = request.args.getlist(PREFIX)
    narrowed = ActivityFilter(path_prefix=prefixes[0] if len(prefixes) == 1 else "")
    rows = [
        entry_json(entry)
        for entry in services().journal.iter_activity(narrowed)
        if key.covers(entry.path)
        and (not prefixes or any(str(entry.path).startswith(p) for p in prefixes))
    ]
    page, total = apply(rows, query)
    return jsonify({"changes": page, "meta": {"total": total}})
