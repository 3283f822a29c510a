"""The last known state of each path (``journal_state``): read it, create a baseline,
advance it. Every update is guarded by the row's ``version``, so when two readers notice
the same change at once only one of them records it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.journal.tables import StateRow


def load(session: Session, paths: list[str]) -> dict[str, StateRow]:
    """The state rows of ``paths`` that exist, by path (one query)."""
    if not paths:
        return {}
    rows = session.scalars(select(StateRow).where(StateRow.path.in_(paths)))
    return {row.path: row for row in rows}


def load_one(session: Session, path: str) -> StateRow | None:
    """The state row of ``path``, read afresh."""
    return session.get(StateRow, path, populate_existing=True)


def _insert(session: Session, values: dict[str, Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of a state row in the dialect's own flavour (both offer ON CONFLICT)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(StateRow).values(**values)
    return sqlite.insert(StateRow).values(**values)


def baseline(session: Session, path: str, columns: dict[str, Any], at: datetime) -> bool:
    """Record the first state seen at ``path``; False when another reader was first."""
    stmt = _insert(session, {"path": path, **columns, "seen_at": at, "version": 1})
    done = session.execute(stmt.on_conflict_do_nothing(index_elements=["path"]))
    return cast(CursorResult[Any], done).rowcount == 1


def put(session: Session, path: str, columns: dict[str, Any], at: datetime) -> None:
    """Make ``columns`` the known state of ``path`` (after propdesk's own write)."""
    values = {**columns, "seen_at": at, "pending_entry_id": None}
    stmt = _insert(session, {"path": path, **values, "version": 1})
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["path"], set_={**values, "version": StateRow.version + 1}
        )
    )


def mark_pending(
    session: Session, path: str, columns: dict[str, Any], entry_id: int, at: datetime
) -> None:
    """Remember that the entry ``entry_id`` at ``path`` has an unknown outcome; a path
    seen for the first time gets ``columns`` (the state before that write) as baseline."""
    stmt = _insert(
        session,
        {"path": path, **columns, "seen_at": at, "version": 1, "pending_entry_id": entry_id},
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["path"],
            set_={"pending_entry_id": entry_id, "version": StateRow.version + 1},
        )
    )


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
