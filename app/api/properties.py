"""``/api/v1/properties/<path>`` and ``/api/v1/sheets/<path>``: read, compare-and-set
write, delete, make a sheet, list a sheet as a collection.

Every write holds the save lock the pages hold (one per property, shared by every worker
and replica), reads the current state, checks ``If-Match`` / ``If-None-Match`` against it,
writes, reads back and journals with source ``api``: two callers of ``If-Match`` can never
both win.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from app.api import upstream
from app.api.access import allow
from app.api.blueprint import bp
from app.api.collections import apply, parse_query
from app.api.errors import ApiFailure
from app.api.inputs import (
    PropertyWrite,
    check_conditions,
    flag,
    only,
    property_path,
    sheet_description,
)
from app.api.representation import FIELDS, etag, property_json
from app.cloudbees import Property, PropertyPath
from app.keys.models import ApiKey
from app.services import cd
from app.web import journaling
from app.web.editing import complete, save_lock


def answer(path: PropertyPath, prop: Property, status: int = 200, weak: bool = False) -> Response:
    """``{"property": ...}`` with the property's ETag."""
    response = jsonify({"property": property_json(path, prop)})
    response.status_code = status
    response.set_etag(etag(prop), weak=weak)
    return response


def value_path(raw: str) -> PropertyPath:
    path = property_path(raw)
    if path.is_owner:
        raise ApiFailure(400, f"{path} is an owner's root sheet, not a property", "InvalidArgument")
    return path


def read_expanded(path: PropertyPath, key: ApiKey) -> Property:
    """The property with its ``$[...]`` references resolved. The server resolves them as
    the key's owner, anywhere, so a key with path prefixes may expand only a value without
    references (read raw before, and unchanged in between: else refused, 403)."""
    if not key.prefixes:
        return cd().properties.get(path, expand=True)
    raw = journaling.read(path)
    if "$[" in (raw.value or ""):
        raise ApiFailure(403, EXPAND_REFUSED.format(name=key.name), "AccessDenied")
    expanded = cd().properties.get(path, expand=True)
    if expanded.value != raw.value or expanded.modify_time != raw.modify_time:
        raise ApiFailure(403, EXPAND_REFUSED.format(name=key.name), "AccessDenied")
    return expanded


EXPAND_REFUSED = (
    "The API key {name!r} has path prefixes, so it may not expand a value holding $[...] "
    "references (they could read outside the prefixes); read it without expand"
)


@bp.get("/properties/<path:raw>")
def get_property(raw: str) -> ResponseReturnValue:
    """One property; ``?expand=1`` resolves ``$[...]`` references (its ETag is weak)."""
    path = value_path(raw)
    key = allow(path, write=False)
    only(("expand",))
    expand = flag("expand")

    def read() -> Property:
        return read_expanded(path, key) if expand else journaling.read(path)

    prop = upstream.run(key, read)
    if not expand and request.if_none_match.contains(etag(prop)):
        return answer(path, prop, 304)
    return answer(path, prop, weak=expand)


def write_property(path: PropertyPath, wanted: PropertyWrite) -> tuple[int, Property]:
    """Under the save lock: check the conditions, create or change, read back (when the
    answer lacks fields), journal."""
    with save_lock(path):
        before = journaling.read_or_none(path)
        check_conditions(before)
        if before is not None and before.is_sheet:
            raise ApiFailure(409, f"{path} is a property sheet, not a value", "Conflict")
        if before is None:
            written = cd().properties.create(
                path,
                wanted.value,
                description=wanted.description or "",
                expandable=True if wanted.expandable is None else wanted.expandable,
            )
        elif _differs(before, wanted):
            written = cd().properties.update(
                path,
                value=None if wanted.value == before.value else wanted.value,
                description=wanted.description,
                expandable=wanted.expandable,
            )
        else:
            return 200, before
        after = complete(path, written)
        journaling.record(path, before, after)
    return (201 if before is None else 200), after


def _differs(before: Property, wanted: PropertyWrite) -> bool:
    return (
        wanted.value != (before.value or "")
        or (wanted.description is not None and wanted.description != before.description)
        or (wanted.expandable is not None and wanted.expandable != before.expandable)
    )


@bp.put("/properties/<path:raw>")
def put_property(raw: str) -> ResponseReturnValue:
    """Create or change a value property (``If-Match`` / ``If-None-Match: *`` honoured)."""
    path = value_path(raw)
    key = allow(path, write=True)
    only()
    wanted = PropertyWrite.from_request()
    status, prop = upstream.run(key, lambda: write_property(path, wanted))
    return answer(path, prop, status)


def delete_locked(path: PropertyPath) -> None:
    with save_lock(path):
        before = journaling.read_or_none(path)
        check_conditions(before)
        if before is None:
            raise ApiFailure(404, f"No property at {path}", "NotFound")
        cd().properties.delete(path)
        journaling.record(path, before, None)


@bp.delete("/properties/<path:raw>")
def delete_property(raw: str) -> ResponseReturnValue:
    """Delete a property or a sheet with everything in it (``If-Match`` honoured)."""
    path = value_path(raw)
    key = allow(path, write=True)
    only()
    upstream.run(key, lambda: delete_locked(path))
    return Response(status=204)


def create_sheet(path: PropertyPath, description: str) -> tuple[int, Property]:
    with save_lock(path):
        before = journaling.read_or_none(path)
        check_conditions(before)
        if before is not None:
            if not before.is_sheet:
                raise ApiFailure(409, f"{path} is a value, not a property sheet", "Conflict")
            return 200, before
        cd().properties.create_sheet(path, description=description)
        after = cd().properties.get(path)
        journaling.record(path, None, after)
    return 201, after


@bp.put("/sheets/<path:raw>")
def put_sheet(raw: str) -> ResponseReturnValue:
    """Make a property sheet (201), or find it there already (200)."""
    path = value_path(raw)
    key = allow(path, write=True)
    only()
    description = sheet_description()
    status, prop = upstream.run(key, lambda: create_sheet(path, description))
    return answer(path, prop, status)


@bp.get("/sheets/<path:raw>")
def get_sheet(raw: str) -> ResponseReturnValue:
    """The entries of a sheet as a collection: ``{"properties": [...], "meta": {...}}``."""
    path = property_path(raw)
    key = allow(path, write=False)
    query = parse_query(request.args, FIELDS)
    sheet = upstream.run(key, lambda: cd().properties.sheet(path))
    rows = [property_json(path.child(p.name), p) for p in sheet.properties]
    page, total = apply(rows, query)
    return jsonify({"properties": page, "meta": {"total": total}})
