"""``GET /api/v1/changes``: the journal's entries, newest first, as a collection (the same
parameters as sheets, plus ``path__startswith``). A key with path prefixes sees only the
entries under them.

Filters, the key's prefixes, ``order``, ``offset``, ``limit`` and ``meta.total`` are
worked out in SQL (``app.journal.listing``). A filter SQL cannot answer exactly stays in
Python: ``contains`` on a time, a time that is not a whole stamp as the API writes it
(``2026-11-23T04:28:47.123Z``), an ``id`` beyond 64 bits, text holding NUL. Then the
entries that pass the other filters are read in order and that filter, the paging and the
total are applied here, so the answer is the same, only slower.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api.access import current_key
from app.api.blueprint import bp
from app.api.collections import Filter, Kind, Query, apply, parse_query
from app.api.representation import stamp
from app.cloudbees import PropertyPath
from app.journal import Entry, Journal, Snapshot
from app.journal.listing import TIMES, Criterion, Listing
from app.keys.models import ApiKey
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

COLUMNS = {
    "id": "id",
    "at": "at",
    "path": "path",
    "kind": "kind",
    "action": "action",
    "source": "source",
    "outcome": "outcome",
    "user": "cd_user",
    "ssoUser": "sso_user",
    "changeSet": "change_set",
    "modifyTime": "modify_time",
}
"""The journal column of each field that filters or sorts."""

OPS = {"eq": "eq", "in": "eq", "ne": "ne", "notin": "ne"}
"""The journal's operator of each collection operator that differs."""

STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
BIGGEST = 2**63 - 1


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


def parsed_stamp(text: str) -> datetime | None:
    """The time ``text`` stands for when it is a whole stamp as ``stamp`` writes it."""
    try:
        at = datetime.strptime(text, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    return at if stamp(at) == text else None


def sql_values(column: str, op: str, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``values`` as the journal compares them in SQL, or ``None`` if SQL cannot."""
    if column in TIMES:
        times = [parsed_stamp(value) for value in values] if op != "contains" else [None]
        return None if None in times else tuple(times)
    if column == "id":
        return values if all(-BIGGEST - 1 <= value <= BIGGEST for value in values) else None
    return None if any("\x00" in value for value in values) else values


def criterion(flt: Filter) -> Criterion | None:
    """The journal's criterion of a collection filter (``None``: left to Python)."""
    column = COLUMNS[flt.field]
    op = OPS.get(flt.op, flt.op)
    values = sql_values(column, op, flt.values)
    return None if values is None else Criterion(column, op, values)


def plan(key: ApiKey, query: Query, prefixes: list[str]) -> tuple[Listing, Query, list[str]]:
    """What SQL lists, and what is left to Python: filters and text prefixes."""
    criteria, left = [], []
    for flt in query.filters:
        found = criterion(flt)
        if found is None:
            left.append(flt)
        else:
            criteria.append(found)
    late = prefixes if any("\x00" in prefix for prefix in prefixes) else []
    listing = Listing(
        criteria=tuple(criteria),
        within=tuple(str(PropertyPath.parse(prefix)) for prefix in key.prefixes),
        starts=() if late else tuple(prefixes),
        order=tuple((COLUMNS[name], descending) for name, descending in query.order),
        offset=0 if left or late else query.offset,
        limit=None if left or late else query.limit,
    )
    return listing, Query(query.fields, tuple(left), (), query.offset, query.limit), late


def answer(
    journal: Journal, key: ApiKey, query: Query, prefixes: list[str]
) -> tuple[list[dict[str, Any]], int]:
    """The page of entries ``key`` may see that ``query`` and the text ``prefixes`` (any
    of; none: every path) admit, and how many matched before paging."""
    listing, rest, late = plan(key, query, prefixes)
    found, total = journal.list_entries(listing)
    rows = [entry_json(entry) for entry in found]
    if listing.limit is not None:
        return apply(rows, Query(fields=query.fields))[0], total
    # a filter SQL could not answer: it, the paging and the total are done here
    rows = [row for row in rows if not late or any(row["path"].startswith(p) for p in late)]
    return apply(rows, rest)


@bp.get("/changes")
def changes() -> ResponseReturnValue:
    """Every journal entry the key may see, filtered, sorted and paged (newest first
    unless ``order`` says otherwise)."""
    query = parse_query(request.args, FIELDS, extra=(PREFIX,))
    journal = services().journal
    page, total = answer(journal, current_key(), query, request.args.getlist(PREFIX))
    return jsonify({"changes": page, "meta": {"total": total}})
