"""Reading properties and sheets: by name or path, sheets by path or id, with ``recurse``
and ``$[...]`` expansion (``expand=0`` shows raw values)."""

from __future__ import annotations

import sqlite3

from werkzeug.wrappers import Response

from emulator import paths
from emulator.errors import ApiError, invalid_argument
from emulator.expansion import renderer
from emulator.http import Call, json_response
from emulator.views import property_json, sheet_json


def get_property(call: Call) -> Response:
    """``GET /properties/{name}`` or ``//{path}``: one property (``$[...]`` expanded)."""
    with call.store.read() as c:
        row = paths.existing_property(c, call.segments, call.args)
        value = renderer(call.store, c, call.flag("expand", True))(row)
        return json_response({"property": property_json(row, value)})


def _sheet_response(call: Call, c: sqlite3.Connection, sheet_id: int) -> Response:
    """The sheet ``sheet_id`` with its properties (all below it with ``recurse``)."""
    store = call.store
    sheet = store.sheet(c, sheet_id)
    if sheet is None:
        raise ApiError(404, "NoSuchPropertySheet", f"Property sheet {sheet_id} does not exist")
    recurse = call.flag("recurse", False)
    if recurse:
        grouped = store.properties_under(c, sheet_id)
    else:
        grouped = {sheet_id: store.properties_of(c, sheet_id)}
    render = renderer(store, c, call.flag("expand", True))
    return json_response({"propertySheet": sheet_json(sheet, grouped, recurse, render)})


def get_sheet(call: Call) -> Response:
    """``GET /properties?path=...`` (or a locator): the sheet with its properties."""
    with call.store.read() as c:
        sheet_id = paths.sheet_from_path(c, call.text("path"), call.args)
        return _sheet_response(call, c, sheet_id)


def get_sheet_by_id(call: Call) -> Response:
    """``GET /propertySheets/{id}``: the sheet with its properties."""
    try:
        sheet_id = int(call.segments[1])
    except ValueError:
        raise invalid_argument("propertySheetId", "expected an integer") from None
    with call.store.read() as c:
        return _sheet_response(call, c, sheet_id)
