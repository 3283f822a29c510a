"""Buildbot's collection parameters, parsed once into a typed ``Query`` and applied to
rows (plain dicts of one resource).

``field`` (repeatable) picks fields; ``<field>=v`` and ``<field>__<op>=v`` filter with
``eq ne lt le gt ge contains in notin`` (a parameter repeated means any of its values:
``eq``/``in`` match any, ``ne``/``notin`` match none); ``order`` (repeatable, ``-``
reverses); ``offset`` and ``limit`` (at most ``MAX_LIMIT``) page after filtering and
sorting. ``meta.total`` counts every match before paging (Buildbot 4.3 counts the page).
An unknown parameter is a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from werkzeug.datastructures import MultiDict

from app.api.errors import ApiFailure

MAX_LIMIT = 1000
"""The most rows one answer holds (also the default)."""

OPS = ("eq", "ne", "lt", "le", "gt", "ge", "contains", "in", "notin")
CONTROL = ("field", "order", "offset", "limit")
ALWAYS_KNOWN = ("api_key",)
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


class Kind(StrEnum):
    """How a field's filter values are read and compared."""

    TEXT = "text"
    BOOL = "bool"
    INT = "int"
    OBJECT = "object"  # shown and picked with ``field``, never filtered or sorted


@dataclass(frozen=True)
class Filter:
    """One filter: ``field`` compared by ``op`` with any of ``values`` (typed)."""

    field: str
    op: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    """A parsed collection query."""

    fields: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    offset: int = 0
    limit: int = MAX_LIMIT


def bad(message: str) -> ApiFailure:
    return ApiFailure(400, message, "InvalidArgument")


def _typed(kind: Kind, name: str, raw: str) -> Any:
    if kind is Kind.BOOL:
        word = raw.strip().lower()
        if word in TRUE or word in FALSE:
            return word in TRUE
        raise bad(f"'{name}' takes a boolean (true/false, on/off, yes/no, 1/0), not {raw!r}")
    if kind is Kind.INT:
        try:
            return int(raw)
        except ValueError:
            raise bad(f"'{name}' takes a whole number, not {raw!r}") from None
    return raw


def count_parameter(args: MultiDict[str, str], name: str, default: int, maximum: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise bad(f"'{name}' takes a whole number from 0 to {maximum}, not {raw!r}")
    if int(raw) > maximum:
        raise bad(f"'{name}' is at most {maximum}, not {raw}")
    return int(raw)


def _order(args: MultiDict[str, str], fields: Mapping[str, Kind]) -> tuple[tuple[str, bool], ...]:
    order = []
    for raw in args.getlist("order"):
        name = raw[1:] if raw.startswith("-") else raw
        if fields.get(name, Kind.OBJECT) is Kind.OBJECT:
            raise bad(f"cannot order by unknown field '{name}'")
        order.append((name, raw.startswith("-")))
    return tuple(order)


def _filter(param: str, raws: list[str], fields: Mapping[str, Kind]) -> Filter:
    name, _, op = param.partition("__")
    op = op or "eq"
    if fields.get(name, Kind.OBJECT) is Kind.OBJECT or op not in OPS:
        raise bad(f"unrecognized query parameter '{param}'")
    kind = fields[name]
    if op == "contains" and kind is not Kind.TEXT:
        raise bad(f"'{param}': contains works on text fields only")
    values = tuple(_typed(kind, param, raw) for raw in raws)
    if op in ("eq", "ne") and len(values) > 1:
        op = "in" if op == "eq" else "notin"
    return Filter(name, op, values)


def parse_query(
    args: MultiDict[str, str], fields: Mapping[str, Kind], extra: Iterable[str] = ()
) -> Query:
    """Read ``args`` against a resource's ``fields`` (``extra``: the endpoint's own
    parameters, left to it)."""
    skip = {*CONTROL, *ALWAYS_KNOWN, *extra}
    filters = tuple(
        _filter(param, args.getlist(param), fields) for param in args if param not in skip
    )
    picked = tuple(args.getlist("field"))
    for name in picked:
        if name not in fields:
            raise bad(f"unknown field '{name}'")
    return Query(
        fields=picked,
        filters=filters,
        order=_order(args, fields),
        offset=count_parameter(args, "offset", 0, 10**9),
        limit=count_parameter(args, "limit", MAX_LIMIT, MAX_LIMIT),
    )


def _one(op: str, have: Any, want: Any) -> bool:
    if op == "contains":
        return isinstance(have, str) and want in have
    if have is None:
        return False
    if op == "lt":
        return bool(have < want)
    if op == "le":
        return bool(have <= want)
    if op == "gt":
        return bool(have > want)
    return bool(have >= want)  # ge


def matches(row: Mapping[str, Any], flt: Filter) -> bool:
    """Whether ``row`` passes ``flt`` (a missing field never equals, orders or contains)."""
    have = row.get(flt.field)
    if flt.op in ("eq", "in"):
        return have is not None and have in flt.values
    if flt.op in ("ne", "notin"):
        return have is None or have not in flt.values
    return any(_one(flt.op, have, want) for want in flt.values)


def _sort_key(row: Mapping[str, Any], name: str) -> tuple[int, Any]:
    value = row.get(name)
    return (0, "") if value is None else (1, value)


def apply(rows: Sequence[Mapping[str, Any]], query: Query) -> tuple[list[dict[str, Any]], int]:
    """Filter, sort (stable, the last ``order`` first), page and pick fields; returns the
    page and how many rows matched before paging."""
    found = [row for row in rows if all(matches(row, f) for f in query.filters)]
    for name, descending in reversed(query.order):
        found.sort(key=lambda row: _sort_key(row, name), reverse=descending)
    page = found[query.offset : query.offset + query.limit]
    if query.fields:
        return [{k: row[k] for k in query.fields if k in row} for row in page], len(found)
    return [dict(row) for row in page], len(found)
