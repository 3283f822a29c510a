"""``GET /api/v1/export/<path>`` and ``POST /api/v1/import/<path>``: a sheet and all under
it as propdesk's export format (YAML or JSON, ``app.changes``), and an import planned
against what is there now (``mode=merge`` creates and changes, ``mirror`` also deletes)
and either returned (``dry_run=1``) or applied with the pages' locks and checks.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from app.api import upstream
from app.api.access import allow
from app.api.blueprint import bp
from app.api.collections import bad
from app.api.inputs import flag, only, property_path
from app.changes import (
    ApplyReport,
    Operation,
    Plan,
    State,
    apply,
    load,
    plan,
    read_tree,
    to_json,
    to_yaml,
)
from app.changes.tree import Sheet
from app.cloudbees import PropertyPath
from app.journal import Source
from app.services import cd
from app.web.plan_view import counts, report_counts, target

MEDIA = {"yaml": "application/yaml", "json": "application/json"}
MODES = ("merge", "mirror")


@bp.get("/export/<path:raw>")
def export(raw: str) -> ResponseReturnValue:
    """The sheet at the path and everything under it, as YAML (default) or JSON."""
    path = property_path(raw)
    key = allow(path, write=False)
    only(("format",))
    kind = request.args.get("format", "yaml")
    if kind not in MEDIA:
        raise bad(f"'format' is yaml or json, not {kind!r}")
    tree = upstream.run(key, lambda: read_tree(cd().properties, path))
    text = to_yaml(tree) if kind == "yaml" else to_json(tree)
    return Response(text, mimetype=MEDIA[kind])


def state_json(state: State | None) -> dict[str, Any] | None:
    if state is None:
        return None
    if state.sheet:
        return {"kind": "sheet", "description": state.description}
    return {
        "kind": "property",
        "value": state.value,
        "description": state.description,
        "expandable": state.expandable,
    }


def operation_json(root: PropertyPath, op: Operation) -> dict[str, Any]:
    path = root
    for name in op.names:
        path = path.child(name)
    return {
        "action": op.action.value,
        "path": str(path),
        "expected": state_json(op.expected),
        "desired": state_json(op.desired),
    }


def plan_json(root: PropertyPath, changes: Plan) -> dict[str, Any]:
    ops = [operation_json(root, op) for op in changes.operations]
    return {"plan": {"operations": ops, "counts": counts(changes)}}


def report_json(root: PropertyPath, report: ApplyReport) -> dict[str, Any]:
    results = [
        {
            **operation_json(root, result.operation),
            "status": result.status.value,
            "reason": result.reason,
            "found": state_json(result.found),
        }
        for result in report.results
    ]
    return {
        "report": {
            "changeSet": report.change_set,
            "notRecorded": report.not_recorded,
            "counts": report_counts(report),
            "results": results,
        }
    }


def uploaded() -> Sheet:
    """The request body as an export file (``FormatError`` names line and column)."""
    try:
        text = request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise bad("The body is not UTF-8 text") from None
    return load(text)


def run_import(path: PropertyPath, desired: Sheet, mirror: bool, dry: bool) -> Any:
    current = read_tree(cd().properties, path)
    changes = plan(current, desired, mirror=mirror)
    if dry:
        return plan_json(path, changes)
    return report_json(path, apply(changes, target(path, Source.API)))


@bp.post("/import/<path:raw>")
def import_(raw: str) -> ResponseReturnValue:
    """Plan an import into the sheet at the path; return the plan (``dry_run=1``) or
    apply it and return the report (conflicts are skipped and reported, never forced)."""
    path = property_path(raw)
    only(("mode", "dry_run"))
    dry = flag("dry_run")
    key = allow(path, write=not dry)
    mode = request.args.get("mode", "merge")
    if mode not in MODES:
        raise bad(f"'mode' is merge or mirror, not {mode!r}")
    desired = uploaded()
    answer = upstream.run(key, lambda: run_import(path, desired, mode == "mirror", dry))
    return jsonify(answer)
