"""Writing properties: create (``POST``), ``setProperty`` / ``modifyProperty`` /
``incrementProperty`` (``PUT``, by ``request``) and delete."""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from emulator import paths
from emulator.errors import ApiError, invalid_argument
from emulator.http import Call, Handler, json_response
from emulator.paths import Target
from emulator.rules import check_property_name
from emulator.store import Row
from emulator.views import property_json

# PUT answers of modifyProperty carry the changed fields, not the whole object.
_ALWAYS_IN_MODIFY_ANSWER = frozenset({"propertyId", "propertyName", "modifyTime", "lastModifiedBy"})


def create_property(call: Call) -> Response:
    """``POST /properties``: a new property or (``propertyType=sheet``) sub-sheet."""
    call.require_write()
    kind = call.text("propertyType", "string")
    if kind not in ("string", "sheet"):
        raise invalid_argument("propertyType", "expected string or sheet")
    with call.store.write() as c:
        where = paths.path_target(c, call.text("propertyName"), call.args)
        check_property_name(where.name)
        row = call.store.insert_property(
            c,
            where.parent_sheet,
            where.name,
            call.user,
            value=call.text("value"),
            sheet=kind == "sheet",
            description=call.text("description"),
            expandable=call.flag("expandable", True),
            counter=call.flag("counter", False),
        )
    return json_response({"property": property_json(row)})


def put_property(call: Call) -> Response:
    """One of the ``PUT`` requests, named by the ``request`` argument (``setProperty``)."""
    call.require_write()
    request_name = call.text("request", "setProperty")
    handler = _PUT_REQUESTS.get(request_name)
    if handler is None:
        raise ApiError(501, "NotImplemented", f"Unknown request '{request_name}'")
    return handler(call)


def _optional_fields(call: Call) -> dict[str, Any]:
    """``description`` and ``expandable`` when the call carries them."""
    fields: dict[str, Any] = {}
    if call.has("description"):
        fields["description"] = call.text("description")
    if call.has("expandable"):
        fields["expandable"] = int(call.flag("expandable", True))
    return fields


def _value_target(call: Call, c: sqlite3.Connection, arg: str) -> tuple[Target, Row | None]:
    """The property whose value a ``PUT`` sets: ``None`` when missing (its name then checked
    for creation); a sheet is refused as an invalid ``arg``."""
    where, row = paths.request_property(c, call.segments, call.args)
    if row is None:
        check_property_name(where.name)
    elif row["child_sheet_id"] is not None:
        raise invalid_argument(arg, f"'{where.shown}' is a property sheet")
    return where, row


def set_property(call: Call) -> Response:
    """Create the property or replace its value (never on a sheet)."""
    if not call.has("value"):
        raise invalid_argument("value", "setProperty needs a value")
    value = call.text("value")
    store = call.store
    with store.write() as c:
        where, row = _value_target(call, c, "value")
        if row is None:
            row = store.insert_property(
                c,
                where.parent_sheet,
                where.name,
                call.user,
                value=value,
                description=call.text("description"),
                expandable=call.flag("expandable", True),
            )
        else:
            fields = {"value": value, **_optional_fields(call)}
            row = store.update_property(c, row["id"], call.user, **fields)
            store.touch_sheet(c, row["sheet_id"], call.user)
    return json_response({"property": property_json(row)})


def modify_property(call: Call) -> Response:
    """Change name, description, expandable or value of an existing property."""
    store = call.store
    with store.write() as c:
        row = paths.existing_property(c, call.segments, call.args)
        fields: dict[str, Any] = {}
        new_name = call.text("newName")
        if new_name and new_name != row["name"]:
            check_property_name(new_name)
            if store.property_in(c, row["sheet_id"], new_name) is not None:
                raise ApiError(
                    409, "DuplicatePropertyName", f"Property '{new_name}' already exists"
                )
            fields["name"] = new_name
        fields.update(_optional_fields(call))
        if call.has("value") and row["child_sheet_id"] is None:
            fields["value"] = call.text("value")
        if not fields:
            return json_response({"property": property_json(row)})
        updated = store.update_property(c, row["id"], call.user, **fields)
        store.touch_sheet(c, row["sheet_id"], call.user)
    full = property_json(updated)
    changed = _ALWAYS_IN_MODIFY_ANSWER | {"propertyName" if k == "name" else k for k in fields}
    return json_response({"property": {k: v for k, v in full.items() if k in changed}})


def increment_property(call: Call) -> Response:
    """Add ``incrementBy`` (default 1) to an integer value; a missing property starts at 0."""
    try:
        step = int(call.text("incrementBy", "1"))
    except ValueError:
        raise invalid_argument("incrementBy", "expected an integer") from None
    store = call.store
    with store.write() as c:
        where, row = _value_target(call, c, "incrementBy")
        if row is None:
            row = store.insert_property(
                c, where.parent_sheet, where.name, call.user, value=str(step), counter=True
            )
        else:
            try:
                current = int((row["value"] or "0").strip() or "0")
            except ValueError:
                raise invalid_argument(
                    "incrementBy", f"the value of '{where.shown}' is not an integer"
                ) from None
            row = store.update_property(c, row["id"], call.user, value=str(current + step))
    return json_response({"property": property_json(row)})


def delete_property(call: Call) -> Response:
    """``DELETE /properties/{name}`` or ``//{path}``: a property or a whole sub-sheet."""
    call.require_write()
    with call.store.write() as c:
        call.store.delete_property(
            c, paths.existing_property(c, call.segments, call.args), call.user
        )
    return json_response({})


_PUT_REQUESTS: dict[str, Handler] = {
    "setProperty": set_property,
    "modifyProperty": modify_property,
    "incrementProperty": increment_property,
}
