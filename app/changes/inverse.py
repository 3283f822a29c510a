"""The inverse of a journaled change set, as plan operations (no Flask): for each path the
set changed, the operations that take it from its state after the set back to its state
before it. Entries whose outcome is unknown or that did not land, values the journal keeps
only as a hash, and sheets deleted as a whole are left out, each with the reason a page
shows (``LeftOut``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.changes.planning import Action, Operation, State
from app.changes.tree import Sheet
from app.cloudbees import PropertyPath
from app.journal import Entry, Kind, Outcome, Snapshot

UNKNOWN = (
    "its outcome is unknown (CloudBees CD did not answer the write); the next read of the "
    "property settles whether it landed, after which it can be undone from its history"
)
NOT_APPLIED = "it did not land, so there is nothing to undo"
HIDDEN = (
    "the journal keeps only a hash of its value (PROPDESK_JOURNAL_VALUES=0), so it has no "
    "text to write back or to check against"
)
SHEET_GONE = (
    "a sheet deleted as a whole: the journal keeps the sheet, not what it held, so it "
    "cannot come back as it was"
)


@dataclass(frozen=True)
class LeftOut:
    """A path of the change that the undo leaves as it is, and why."""

    path: PropertyPath
    reason: str


def state_of(snapshot: Snapshot | None, kind: Kind) -> State | None:
    """A journal state as the plan's state (``None``: absent)."""
    if snapshot is None:
        return None
    if kind is Kind.SHEET:
        return State(True, description=snapshot.description)
    return State(False, snapshot.value or "", snapshot.description, snapshot.expandable)


def hidden(snapshot: Snapshot | None, kind: Kind) -> bool:
    """True for a value whose text the journal did not keep."""
    return kind is Kind.PROPERTY and snapshot is not None and snapshot.value_hidden


@dataclass(frozen=True)
class Span:
    """One path's net change in the set: the state before its first entry and after its
    last (an entry may record a different kind than an earlier one: a value that became a
    sheet is a delete and a create)."""

    path: PropertyPath
    first: Entry
    last: Entry

    @property
    def before(self) -> State | None:
        return state_of(self.first.before, self.first.kind)

    @property
    def after(self) -> State | None:
        return state_of(self.last.after, self.last.kind)

    def refused(self) -> str:
        """Why the undo leaves this path out ("": it does not)."""
        if hidden(self.first.before, self.first.kind) or hidden(self.last.after, self.last.kind):
            return HIDDEN
        before, after = self.before, self.after
        if before is not None and before.sheet and (after is None or not after.sheet):
            return SHEET_GONE
        return ""


def spans(entries: Iterable[Entry]) -> tuple[list[Span], list[LeftOut]]:
    """Each path's net change over the entries that landed, and what is left out."""
    firsts: dict[PropertyPath, Entry] = {}
    lasts: dict[PropertyPath, Entry] = {}
    left: list[LeftOut] = []
    for entry in entries:
        if entry.outcome is Outcome.DONE:
            firsts.setdefault(entry.path, entry)
            lasts[entry.path] = entry
        else:
            why = UNKNOWN if entry.outcome is Outcome.UNKNOWN else NOT_APPLIED
            left.append(LeftOut(entry.path, why))
    out: list[Span] = []
    for path, first in firsts.items():
        span = Span(path, first, lasts[path])
        why = span.refused()
        if why:
            left.append(LeftOut(path, why))
        else:
            out.append(span)
    return out, left


def inverse(span: Span, names: tuple[str, ...]) -> tuple[Operation, ...]:
    """The operations that take ``span``'s path back from its state after the set to its
    state before it (none when the set left it as it found it)."""
    want, found = span.before, span.after
    if want == found:
        return ()
    if found is None:
        return (Operation(Action.CREATE, names, None, want),)
    gone = Operation(Action.DELETE, names, found, None, Sheet() if found.sheet else None)
    if want is None:
        return (gone,)
    if want.sheet == found.sheet:
        return (Operation(Action.MODIFY, names, found, want),)
    return (gone, Operation(Action.CREATE, names, None, want))


def common_root(paths: Iterable[PropertyPath]) -> PropertyPath | None:
    """The deepest sheet above every one of ``paths`` (``None``: they share no owner)."""
    parents = [p.parent.segments for p in paths]
    shared = parents[0]
    for segments in parents[1:]:
        size = 0
        while size < min(len(shared), len(segments)) and shared[size] == segments[size]:
            size += 1
        shared = shared[:size]
    first = PropertyPath(parents[0])
    if len(shared) < first.owner_length:
        return None
    return PropertyPath(shared)


Group = tuple[Operation, ...]
"""The operations of one path (a delete and the create that replaces it stay together)."""


def order(group: Group) -> tuple[int, int, tuple[str, ...]]:
    """Deletes first, deepest first (a sheet is emptied before it goes); then modifies and
    creates, shallowest first; by sheet and name within a depth (one read per sheet)."""
    names = group[0].names
    if group[0].action is Action.DELETE:
        return 0, -len(names), names
    return 1, len(names), names
