"""The last known state of each path (``journal_state``): read it, create a baseline,
advance it. Every update is guarded by the row's ``version``, so when two readers notice
the same change at once only one of them records it.

The statements of a save's path (``load``, ``load_path``, ``put``, ``mark_pending``) are
SQLAlchemy Core statements built once, per dialect where they differ, and run with bound
parameters: building an ORM statement per call cost more than the database's work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Select, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.journal.rows import StoredState
from app.journal.tables import STATE, StateRow

_LOAD: Select[Any] = select(STATE).where(STATE.c.path.in_(bindparam("paths", expanding=True)))
_LOAD_PATH: Select[Any] = select(STATE).where(STATE.c.path == bindparam("path"))

Executor = Connection | Session
"""What the statements run on: a plain connection (the save's path) or an ORM session."""

Upsert = postgresql.Insert | sqlite.Insert


def load(connection: Executor, paths: list[str]) -> dict[str, StoredState]:
    """The state rows of ``paths`` that exist, by path (one query)."""
    if len(paths) == 1:  # a save: no expanding IN to render per call
        row = load_path(connection, paths[0])
        return {} if row is None else {row.path: row}
    if not paths:
        return {}
    return {row.path: row for row in connection.execute(_LOAD, {"paths": paths})}


def load_path(connection: Executor, path: str) -> StoredState | None:
    """The state row of ``path`` (one query, no ORM object)."""
    return connection.execute(_LOAD_PATH, {"path": path}).first()


def load_one(session: Session, path: str) -> StateRow | None:
    """The state row of ``path``, read afresh."""
    return session.get(StateRow, path, populate_existing=True)


def _insert(executor: Executor) -> Upsert:
    """An INSERT of a state row in the dialect's own flavour (both offer ON CONFLICT)."""
    bind = executor if isinstance(executor, Connection) else executor.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(STATE)
    return sqlite.insert(STATE)


def _put(executor: Executor) -> Upsert:
    """Insert the row (version 1), or overwrite its columns, clear its pending entry and
    count a version: every column comes from the parameters."""
    stmt = _insert(executor)
    kept = ("path", "version")
    fresh: dict[str, Any] = {c.name: stmt.excluded[c.name] for c in STATE.c if c.name not in kept}
    return stmt.on_conflict_do_update(
        index_elements=["path"], set_={**fresh, "version": STATE.c.version + 1}
    )


def _mark_pending(executor: Executor) -> Upsert:
    """Insert the row (version 1) with its pending entry, or only set that entry and
    count a version."""
    stmt = _insert(executor)
    pending = {"pending_entry_id": stmt.excluded.pending_entry_id}
    return stmt.on_conflict_do_update(
        index_elements=["path"], set_={**pending, "version": STATE.c.version + 1}
    )


_BUILT: dict[tuple[str, str], Upsert] = {}


def _statement(executor: Connection, name: str, build: Callable[[Executor], Upsert]) -> Upsert:
    """The upsert ``name`` for the executor's dialect, built on first use and kept (the
    same statement object each time, so SQLAlchemy's compiled cache answers at once)."""
    key = (executor.dialect.name, name)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT.setdefault(key, build(executor))
    return found


def put(connection: Connection, path: str, columns: dict[str, Any], at: datetime) -> None:
    """Make ``columns`` the known state of ``path`` (after propdesk's own write)."""
    params = {"path": path, **columns, "seen_at": at, "pending_entry_id": None, "version": 1}
    connection.execute(_statement(connection, "put", _put), params)


def mark_pending(
    connection: Connection, path: str, columns: dict[str, Any], entry_id: int, at: datetime
) -> None:
    """Remember that the entry ``entry_id`` at ``path`` has an unknown outcome; a path
    seen for the first time gets ``columns`` (the state before that write) as baseline."""
    params = {"path": path, **columns, "seen_at": at, "version": 1, "pending_entry_id": entry_id}
    connection.execute(_statement(connection, "mark_pending", _mark_pending), params)


def baseline(session: Session, path: str, columns: dict[str, Any], at: datetime) -> bool:
    """Record the first state seen at ``path``; False when another reader was first."""
    values = {"path": path, **columns, "seen_at": at, "version": 1}
    stmt = _insert(session).values(**values).on_conflict_do_nothing(index_elements=["path"])
    done = session.execute(stmt)
    return cast(CursorResult[Any], done).rowcount == 1


def advance(session: Session, row: StateRow, columns: dict[str, Any], at: datetime) -> bool:
    """Move ``row`` to ``columns`` (and clear its pending entry) unless another writer
    moved it since it was read; True when this call moved it."""
    stmt = (
        update(StateRow)
        .where(StateRow.path == row.path, StateRow.version == row.version)
        .values(**columns, seen_at=at, version=row.version + 1, pending_entry_id=None)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount == 1
