"""Noticing changes made outside propdesk, and settling writes whose outcome is unknown.

A ``Sighting`` is what one read of a path showed. ``needs_write`` decides, from the last
known state read without a write lock, whether anything must be written (most reads: no).
``apply`` then runs inside a writing unit of work on a freshly read state row: the first
sight of a path is a silent baseline; a pending unknown write is settled (``done`` when the
property now holds what it wrote, ``not_applied`` otherwise); a difference from the known
state becomes an ``external`` entry (before = the known state, after = what was seen, by
the server's ``lastModifiedBy`` at its ``modifyTime``). The state moves first, guarded by
its version, so a change seen by two readers at once is recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.cloudbees import Property, PropertyPath
from app.journal import rows, state
from app.journal.rows import StoredState
from app.journal.tables import EntryRow, StateRow
from app.journal.values import Actor, Change, Kind, Outcome, Snapshot, Source


@dataclass(frozen=True)
class Sighting:
    """What one read showed at ``path``: the state as the journal stores it (``None`` =
    the property does not exist), and the server's ``modifyTime`` and ``lastModifiedBy``."""

    path: str
    kind: Kind
    seen: Snapshot | None
    modify_time: datetime | None
    modified_by: str
    at: datetime

    @classmethod
    def of(cls, path: str, prop: Property | None, at: datetime, keep_values: bool) -> Sighting:
        if prop is None:
            return cls(path, Kind.PROPERTY, None, None, "", at)
        kind = Kind.SHEET if prop.is_sheet else Kind.PROPERTY
        seen = rows.stored(Snapshot.of(prop), keep_values)
        return cls(path, kind, seen, prop.modify_time, prop.last_modified_by, at)

    def columns(self, kind: Kind | None = None) -> dict[str, object]:
        return rows.state_columns(self.seen, kind or self.kind, self.modify_time)


def changed(row: StoredState, sight: Sighting) -> bool:
    """True when ``sight`` differs from the known state: created, deleted, another value,
    description or expandable flag, or (for a value property) another ``modifyTime``."""
    known = rows.known(row)
    if sight.seen is None or known is None:
        return (sight.seen is None) != (known is None)
    if not sight.seen.same_as(known):
        return True
    if sight.kind is Kind.SHEET or row.modify_time is None or sight.modify_time is None:
        return False
    return row.modify_time != sight.modify_time


def _adopts_time(row: StoredState, sight: Sighting) -> bool:
    """The known state lacks a ``modifyTime`` that this read can fill in silently."""
    return row.present and row.modify_time is None and sight.modify_time is not None


def needs_write(row: StoredState | None, sight: Sighting) -> bool:
    """Whether ``apply`` has anything to do (decided without a write lock)."""
    if row is None:
        return sight.seen is not None
    if row.pending_entry_id is not None or changed(row, sight):
        return True
    return _adopts_time(row, sight)


def _external(row: StateRow, sight: Sighting) -> EntryRow:
    kind = sight.kind if sight.seen is not None else Kind(row.kind)
    change = Change(
        path=PropertyPath.parse(row.path),
        kind=kind,
        before=rows.known(row),
        after=sight.seen,
        actor=Actor(sight.modified_by),
        source=Source.EXTERNAL,
        modify_time=sight.modify_time,
    )
    return rows.entry_row(change, sight.at, keep_values=True)  # already stored form


@dataclass(frozen=True)
class Applied:
    """What ``apply`` wrote: an ``external`` entry, and the pending entry it settled (rows
    added to the session, flushed when it commits)."""

    external: EntryRow | None = None
    settled: EntryRow | None = None


def _settle(
    session: Session, row: StateRow, sight: Sighting
) -> tuple[StateRow | None, EntryRow | None]:
    """Settle the pending entry of ``row`` against ``sight``: the state row afterwards
    (``None`` when another reader settled it first) and the settled entry."""
    pending = session.get(EntryRow, row.pending_entry_id)
    intended = rows.entry(pending).after if pending is not None else None
    landed = pending is not None and (
        sight.seen is None if intended is None else intended.same_as(sight.seen)
    )
    kept = rows.state_columns(rows.known(row), Kind(row.kind), row.modify_time)
    if not state.advance(session, row, sight.columns() if landed else kept, sight.at):
        return None, None
    if pending is None or pending.outcome != Outcome.UNKNOWN.value:
        return state.load_one(session, row.path), None
    pending.outcome = (Outcome.DONE if landed else Outcome.NOT_APPLIED).value
    if landed:
        pending.modify_time = sight.modify_time
    return state.load_one(session, row.path), pending


def apply(session: Session, sight: Sighting) -> Applied:
    """Write what ``sight`` calls for (see the module's doc)."""
    row = state.load_one(session, sight.path)
    if row is None:
        if sight.seen is not None:
            state.baseline(session, sight.path, sight.columns(), sight.at)
        return Applied()
    settled = None
    if row.pending_entry_id is not None:
        row, settled = _settle(session, row, sight)
        if row is None:
            return Applied()
    if changed(row, sight):
        entry = _external(row, sight)
        if state.advance(session, row, sight.columns(), sight.at):
            session.add(entry)
            return Applied(entry, settled)
    elif _adopts_time(row, sight):
        state.advance(session, row, sight.columns(Kind(row.kind)), sight.at)
    return Applied(None, settled)
