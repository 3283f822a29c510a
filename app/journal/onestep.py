"""Recording one change in one statement on PostgreSQL: a save's entry in one round trip.

A save records one change. On PostgreSQL that is one statement with data-modifying CTEs,
sent in autocommit (a statement is atomic on its own, so no BEGIN and COMMIT)::

    WITH old AS (SELECT ... FROM journal_state WHERE path = :path),       -- the known state
         ins AS (INSERT INTO journal_entries ... RETURNING id),           -- the entry
         up  AS (INSERT INTO journal_state ... ON CONFLICT (path) DO UPDATE ...)  -- moved
    SELECT ins.id, old.* FROM ins LEFT OUTER JOIN old ON true

Every part sees the same snapshot, so ``old`` is the state before this statement moved it
(what ``Journal`` checks for a reader that saw this very write first). The state moves as
``state.put`` moves it (a write that landed) or as ``state.mark_pending`` does (an unknown
outcome: the pending entry is the one inserted here). SQLite has no data-modifying CTEs;
there the same three steps run in one transaction (``Journal``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    literal,
    null,
    select,
    true,
)
from sqlalchemy.dialects import postgresql

from app.journal.rows import StoredState
from app.journal.tables import ENTRIES, STATE
from app.journal.values import Outcome

ENTRY_COLUMNS = tuple(c.name for c in ENTRIES.c if c.name != "id")
"""The columns of an entry that ``rows.entry_values`` fills (parameters ``e_<name>``)."""

STATE_COLUMNS = (
    *("kind", "present", "value", "value_sha256", "description", "expandable"),
    "modify_time",
)
"""The columns of a state that ``rows.state_columns`` fills (parameters ``s_<name>``)."""


SEEN_COLUMNS = ("kind", "present", "value_sha256", "description", "expandable", "modify_time")
"""The state columns a guarded statement compares with what the write's re-read showed
(parameters ``k_<name>``)."""


def _state_values(pending: Any) -> dict[str, Any]:
    """The columns of the path's state row as a record leaves it (parameters)."""
    values: dict[str, Any] = {
        name: bindparam(f"s_{name}", type_=STATE.c[name].type) for name in STATE_COLUMNS
    }
    return {
        "path": bindparam("e_path", type_=STATE.c.path.type),
        **values,
        "seen_at": bindparam("e_at", type_=STATE.c.seen_at.type),
        "version": literal(1, Integer),
        "pending_entry_id": pending,
    }


def _upsert(ins: CTE, pending: bool) -> postgresql.Insert:
    """The state row of the entry's path, inserted (version 1) or moved, once per row of
    ``ins``: for a write that landed every column is overwritten and the pending entry
    cleared (``state.put``); for an unknown outcome only the pending entry (the new one)
    is set (``state.mark_pending``)."""
    values = _state_values(ins.c.id if pending else null())
    rows = select(*(value.label(name) for name, value in values.items())).select_from(ins)
    stmt = postgresql.insert(STATE).from_select(list(values), rows)
    moved: dict[str, Any] = {"version": STATE.c.version + 1}
    if not pending:
        moved.update({name: stmt.excluded[name] for name in (*STATE_COLUMNS, "seen_at")})
    moved["pending_entry_id"] = stmt.excluded.pending_entry_id
    return stmt.on_conflict_do_update(index_elements=["path"], set_=moved)


def _as_seen(old: CTE) -> ColumnElement[bool]:
    """The known state (``old``) is exactly what the write's re-read showed, nothing
    pending: reading it would have written nothing (``observe.needs_write``)."""
    same = [
        old.c[name].is_not_distinct_from(bindparam(f"k_{name}", type_=STATE.c[name].type))
        for name in SEEN_COLUMNS
    ]
    return and_(old.c.pending_entry_id.is_(None), *same)


def _statement(pending: bool, guarded: bool) -> Select[Any]:
    """The statement for a write that landed or (``pending``) one of unknown outcome;
    ``guarded``: only when the known state is what the write's re-read showed."""
    old = select(STATE).where(STATE.c.path == bindparam("e_path")).cte("old")
    entry = [bindparam(f"e_{n}", type_=ENTRIES.c[n].type).label(n) for n in ENTRY_COLUMNS]
    source = select(*entry)
    if guarded:
        source = source.where(exists(select(old.c.path).where(_as_seen(old))))
    inserted = postgresql.insert(ENTRIES).from_select(list(ENTRY_COLUMNS), source)
    ins = inserted.returning(ENTRIES.c.id).cte("ins")
    up = _upsert(ins, pending).cte("up")
    known = [old.c[c.name].label(f"old_{c.name}") for c in STATE.c]
    if guarded:  # no row at all: the path was never seen
        return select(ins.c.id, *known).select_from(old.outerjoin(ins, true())).add_cte(up)
    return select(ins.c.id, *known).select_from(ins.outerjoin(old, true())).add_cte(up)


RECORD_DONE = _statement(pending=False, guarded=False)
"""One change that landed: its entry, its path's state moved to the change's after."""

RECORD_PENDING = _statement(pending=True, guarded=False)
"""One change of unknown outcome: its entry, and its path's state marked pending on it."""

RECORD_DONE_AS_SEEN = _statement(pending=False, guarded=True)
"""``RECORD_DONE`` only if the known state is what the write's re-read showed (else
nothing written, and the id NULL: observe that read first, then record)."""

RECORD_PENDING_AS_SEEN = _statement(pending=True, guarded=True)
"""``RECORD_PENDING``, guarded as ``RECORD_DONE_AS_SEEN``."""


def statement(outcome: Outcome, seen: dict[str, Any] | None) -> Select[Any]:
    """The statement that records a change of ``outcome``, guarded when the write's
    re-read (``seen``) is to be checked."""
    if outcome is Outcome.UNKNOWN:
        return RECORD_PENDING if seen is None else RECORD_PENDING_AS_SEEN
    return RECORD_DONE if seen is None else RECORD_DONE_AS_SEEN


def parameters(
    entry: dict[str, Any], state_columns: dict[str, Any], seen: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The statement's parameters from an entry's columns (``rows.entry_values``), the
    state the path moves to and (guarded statements) the state the write's re-read showed
    (both ``rows.state_columns``)."""
    params = {f"e_{name}": entry[name] for name in ENTRY_COLUMNS}
    params.update({f"s_{name}": state_columns[name] for name in STATE_COLUMNS})
    if seen is not None:
        params.update({f"k_{name}": seen[name] for name in SEEN_COLUMNS})
    return params


def known_before(row: Row[Any]) -> StoredState | None:
    """The path's state as it was before the statement (``None``: first record of it)."""
    found = row._mapping
    if found["old_path"] is None:
        return None
    state: StoredState = SimpleNamespace(**{c.name: found[f"old_{c.name}"] for c in STATE.c})
    return state
