"""``PUT /objects?request=findObjects``: search properties with filters, sort and paging.

Filters are ``{propertyName, operator, operand1[, operand2]}`` leaves or boolean
``{operator: and|or|not, filter: [...]}`` nodes, compiled to one SQL ``WHERE`` over the
store's ``found`` view. ``contains`` is literal (``%``, ``_`` and ``\\`` in the operand
are plain text) and, like ``like``, ignores ASCII case. The answer holds the full objects
(``numObjects`` of them from ``firstResult``), their ids (up to ``maxIds``) and a
``totalCount``; the last two, and each result's ``path``, are the emulator's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from emulator.errors import ApiError, invalid_argument
from emulator.http import Call, json_response
from emulator.rules import check_text
from emulator.store.search import find_properties
from emulator.views import Json, property_json

# Searchable fields of a property -> columns of the store's ``found`` view.
FIELDS = {
    "propertyName": "name",
    "value": "value",
    "description": "description",
    "createTime": "create_time",
    "modifyTime": "modify_time",
    "lastModifiedBy": "last_modified_by",
    "owner": "owner",
    "path": "path",
}
_COMPARE = {
    "equals": "=",
    "notEqual": "<>",
    "lessThan": "<",
    "lessOrEqual": "<=",
    "greaterThan": ">",
    "greaterOrEqual": ">=",
    "like": "LIKE",
    "notLike": "NOT LIKE",
}
MAX_FILTERS = 200
MAX_DEPTH = 16
DEFAULT_MAX_IDS = 1000
MAX_IDS = 100_000

Sql = tuple[str, list[object]]


def find_objects(call: Call) -> Response:
    """``PUT /objects``: only the ``findObjects`` request, only for ``property`` objects."""
    request_name = call.text("request")
    if request_name != "findObjects":
        raise ApiError(501, "NotImplemented", f"Unknown request '{request_name}'")
    kind = call.text("objectType")
    if not kind:
        raise invalid_argument("objectType", "it is required")
    if kind != "property":
        raise ApiError(501, "NotImplemented", f"findObjects of '{kind}' is not emulated")
    where, params = _where(call.args.get("filter"))
    order = _order(call.args.get("sort"))
    first = _count_arg(call, "firstResult", 0)
    max_ids = min(_count_arg(call, "maxIds", DEFAULT_MAX_IDS), MAX_IDS)
    num_objects = min(_count_arg(call, "numObjects", 0), max_ids)
    with call.store.read() as c:
        rows, total = find_properties(c, where, params, order, first, max_ids)
    return json_response(_answer(rows, num_objects, total))


def _answer(rows: list[dict[str, Any]], num_objects: int, total: int) -> Json:
    """The answer: full objects for the first ``num_objects`` rows, every row's id, the total
    (empty lists are left out, as the upstream leaves out empty fields)."""
    out: Json = {}
    objects = [
        {"objectId": f"property-{r['id']}", "property": {**property_json(r), "path": r["path"]}}
        for r in rows[:num_objects]
    ]
    if objects:
        out["object"] = objects
    if rows:
        out["objectId"] = [f"property-{r['id']}" for r in rows]
    out["totalCount"] = str(total)
    return out


def _count_arg(call: Call, name: str, default: int) -> int:
    """A non-negative integer argument."""
    raw = call.text(name)
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_argument(name, "expected a whole number") from None
    if value < 0:
        raise invalid_argument(name, "expected a whole number of 0 or more")
    return value


def _where(raw: Any) -> Sql:
    """The ``WHERE`` of a ``filter`` argument: none, one filter or a list (all must hold)."""
    if raw is None or raw == []:
        return "1", []
    budget = [MAX_FILTERS]
    if isinstance(raw, list):
        return _boolean("and", raw, 0, budget)
    return _node(raw, 0, budget)


def _node(node: Any, depth: int, budget: list[int]) -> Sql:
    """One filter: a boolean node or a comparison."""
    if not isinstance(node, dict):
        raise invalid_argument("filter", "each filter must be an object")
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise invalid_argument("filter", f"at most {MAX_FILTERS} filters, nested {MAX_DEPTH} deep")
    operator = node.get("operator")
    if operator in ("and", "or", "not"):
        children = node.get("filter")
        return _boolean(str(operator), children, depth + 1, budget)
    return _leaf(node)


def _boolean(operator: str, children: Any, depth: int, budget: list[int]) -> Sql:
    """``and`` / ``or`` over the children; ``not`` of them all (``not`` of several: of their
    ``and``). A comparison with a missing field (a sheet's value) counts as false."""
    if isinstance(children, dict):
        children = [children]
    if not isinstance(children, list) or not children:
        raise invalid_argument("filter", f"'{operator}' needs a list of filters")
    parts = [_node(child, depth, budget) for child in children]
    params = [p for _, ps in parts for p in ps]
    joined = (" OR " if operator == "or" else " AND ").join(
        f"coalesce(({sql}), 0)" for sql, _ in parts
    )
    return (f"NOT ({joined})" if operator == "not" else f"({joined})"), params


def _operand(node: dict[str, Any], name: str) -> str:
    """``operand1`` or ``operand2`` as text; required."""
    raw = node.get(name)
    if raw is None or isinstance(raw, (dict, list)):
        raise invalid_argument(name, f"the '{node.get('operator')}' filter needs a text {name}")
    return check_text(name, raw if isinstance(raw, str) else str(raw))


def _literal(text: str) -> str:
    """``text`` as a ``LIKE`` pattern that matches it literally (escape ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_LEAF_SQL: dict[str, Callable[[str, dict[str, Any]], Sql]] = {
    "contains": lambda col, n: (
        f"{col} LIKE ? ESCAPE '\\'",
        ["%" + _literal(_operand(n, "operand1")) + "%"],
    ),
    "between": lambda col, n: (
        f"{col} BETWEEN ? AND ?",
        [_operand(n, "operand1"), _operand(n, "operand2")],
    ),
    "isNull": lambda col, n: (f"{col} IS NULL", []),
    "isNotNull": lambda col, n: (f"{col} IS NOT NULL", []),
}


def _leaf(node: dict[str, Any]) -> Sql:
    """A comparison ``{propertyName, operator, operand1[, operand2]}``."""
    field = node.get("propertyName")
    column = FIELDS.get(field) if isinstance(field, str) else None
    if column is None:
        raise invalid_argument("filter", f"cannot filter on {field!r}")
    operator = node.get("operator")
    if operator in _COMPARE:
        return f"{column} {_COMPARE[str(operator)]} ?", [_operand(node, "operand1")]
    build = _LEAF_SQL.get(operator) if isinstance(operator, str) else None
    if build is None:
        raise invalid_argument("filter", f"unknown operator {operator!r}")
    return build(column, node)


def _order(raw: Any) -> str:
    """The ``ORDER BY`` of a ``sort`` argument (one or a list), ties broken by id."""
    sorts = [] if raw is None else raw if isinstance(raw, list) else [raw]
    terms = []
    for item in sorts:
        if not isinstance(item, dict):
            raise invalid_argument("sort", "each sort must be an object")
        column = FIELDS.get(str(item.get("propertyName")))
        direction = str(item.get("order", "ascending"))
        if column is None or direction not in ("ascending", "descending"):
            raise invalid_argument("sort", "a searchable field, ascending or descending")
        terms.append(f"{column} {'DESC' if direction == 'descending' else 'ASC'}")
    return ", ".join([*terms, "id"])
