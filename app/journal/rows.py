"""Between the journal's rows and its domain values: ``Entry`` from an ``EntryRow``, the
columns of a ``Change``, and a ``Snapshot`` as stored (text or hash only).

``StoredEntry`` and ``StoredState`` are what the conversions read: an ORM row, or a Core
``Row`` of the same table (the save's path reads and writes without the ORM).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any, Protocol

from app.cloudbees import PropertyPath
from app.journal.tables import EntryRow
from app.journal.values import (
    Action,
    Actor,
    Change,
    Entry,
    Kind,
    Outcome,
    Snapshot,
    Source,
)


class StoredEntry(Protocol):
    """A ``journal_entries`` row: an ``EntryRow`` or a Core row of its table."""

    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def cd_user(self) -> str: ...
    @property
    def sso_user(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def before_value(self) -> str | None: ...
    @property
    def before_value_sha256(self) -> str | None: ...
    @property
    def before_description(self) -> str | None: ...
    @property
    def before_expandable(self) -> bool | None: ...
    @property
    def after_value(self) -> str | None: ...
    @property
    def after_value_sha256(self) -> str | None: ...
    @property
    def after_description(self) -> str | None: ...
    @property
    def after_expandable(self) -> bool | None: ...
    @property
    def modify_time(self) -> datetime | None: ...
    @property
    def change_set(self) -> str | None: ...
    @property
    def outcome(self) -> str: ...


class StoredState(Protocol):
    """A ``journal_state`` row: a ``StateRow`` or a Core row of its table."""

    @property
    def path(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def present(self) -> bool: ...
    @property
    def value(self) -> str | None: ...
    @property
    def value_sha256(self) -> str | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def expandable(self) -> bool | None: ...
    @property
    def modify_time(self) -> datetime | None: ...
    @property
    def version(self) -> int: ...
    @property
    def pending_entry_id(self) -> int | None: ...


def stored(snapshot: Snapshot | None, keep_values: bool) -> Snapshot | None:
    """The snapshot as the journal keeps it: with its value, or only the value's hash."""
    if snapshot is None or keep_values:
        return snapshot
    return snapshot.hidden()


def snapshot_columns(prefix: str, snapshot: Snapshot | None) -> dict[str, Any]:
    """The four ``<prefix>_*`` columns of a state (all NULL when it is absent)."""
    if snapshot is None:
        return {
            f"{prefix}_{name}": None
            for name in ("value", "value_sha256", "description", "expandable")
        }
    return {
        f"{prefix}_value": snapshot.value,
        f"{prefix}_value_sha256": snapshot.value_sha256,
        f"{prefix}_description": snapshot.description,
        f"{prefix}_expandable": snapshot.expandable,
    }


def _snapshot(
    value: str | None, digest: str | None, description: str | None, expandable: bool | None
) -> Snapshot | None:
    if expandable is None:
        return None
    return Snapshot(value, description or "", expandable, digest)


def entry_values(change: Change, at: datetime, keep_values: bool) -> dict[str, Any]:
    """The columns (all but ``id``) of the row that records ``change`` at ``at``."""
    return dict(
        at=at,
        cd_user=change.actor.cd_user,
        sso_user=change.actor.sso_user,
        source=change.source.value,
        action=change.action.value,
        kind=change.kind.value,
        path=str(change.path),
        modify_time=change.modify_time,
        change_set=change.change_set,
        outcome=change.outcome.value,
        **snapshot_columns("before", stored(change.before, keep_values)),
        **snapshot_columns("after", stored(change.after, keep_values)),
    )


def entry_row(change: Change, at: datetime, keep_values: bool) -> EntryRow:
    """The row that records ``change`` at ``at``."""
    return EntryRow(**entry_values(change, at, keep_values))


def inserted(entry_id: int, values: dict[str, Any], path: PropertyPath) -> Entry:
    """The entry of the row of ``path`` inserted with ``values`` (``entry_values``) that
    got ``entry_id``."""
    return entry(SimpleNamespace(id=entry_id, **values), path)


def entry(row: StoredEntry, path: PropertyPath | None = None) -> Entry:
    """The domain value of a row (``path``: the row's path, when the caller has it)."""
    return Entry(
        id=row.id,
        at=row.at,
        path=PropertyPath.parse(row.path) if path is None else path,
        kind=Kind(row.kind),
        action=Action(row.action),
        source=Source(row.source),
        outcome=Outcome(row.outcome),
        actor=Actor(row.cd_user, row.sso_user),
        before=_snapshot(
            row.before_value, row.before_value_sha256, row.before_description, row.before_expandable
        ),
        after=_snapshot(
            row.after_value, row.after_value_sha256, row.after_description, row.after_expandable
        ),
        modify_time=row.modify_time,
        change_set=row.change_set,
    )


def known(row: StoredState) -> Snapshot | None:
    """The last known state of a path (``None`` when it was last known deleted)."""
    if not row.present:
        return None
    return _snapshot(row.value, row.value_sha256, row.description, row.expandable)


def state_columns(
    snapshot: Snapshot | None, kind: Kind, modify_time: datetime | None
) -> dict[str, Any]:
    """The ``journal_state`` columns that describe ``snapshot`` (``None`` = deleted)."""
    return {
        "kind": kind.value,
        "present": snapshot is not None,
        "value": snapshot.value if snapshot else None,
        "value_sha256": snapshot.value_sha256 if snapshot else None,
        "description": snapshot.description if snapshot else None,
        "expandable": snapshot.expandable if snapshot else None,
        "modify_time": modify_time,
    }
