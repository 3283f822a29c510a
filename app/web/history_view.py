"""What a property's history page shows of each journal entry: its diff, and the restores
it offers ("Restore this version" and the reverts of a create or a delete). No Flask.

Every state the journal knows is offered once: each entry's state after it ("Restore this
version"), the state before a delete ("Restore it as it was before this delete"), the
absence before a create ("Undo this create": a delete, asked first), and the state before
the oldest entry. A state the property holds now, a value the journal keeps only as a hash,
and sheets are not offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.journal import Action, Entry, Kind, Page, Snapshot
from app.web.diffs import Diff, diff


class Side(StrEnum):
    """Which state of an entry a restore writes back: the one after it or before it."""

    AFTER = "after"
    BEFORE = "before"


@dataclass(frozen=True)
class Restore:
    """A restore an entry offers: the side it writes back, the button's words, and whether
    it deletes the property (then it is confirmed first, like a delete)."""

    side: Side
    label: str
    deletes: bool = False

    def choice(self, entry: Entry) -> str:
        """The value a form posts to choose this restore (``<entry id>:<side>``)."""
        return f"{entry.id}:{self.side}"


@dataclass(frozen=True)
class EntryView:
    """One entry of a history page: the entry, what changed in it, and its restores."""

    entry: Entry
    diff: Diff
    restores: tuple[Restore, ...]


def parse_choice(raw: str) -> tuple[int, Side] | None:
    """``"<entry id>:<side>"`` as posted, or ``None`` when it is not one."""
    number, _, side = raw.partition(":")
    if not (number.isascii() and number.isdigit()) or side not in (Side.AFTER, Side.BEFORE):
        return None
    return int(number), Side(side)


def target(entry: Entry, side: Side) -> Snapshot | None:
    """The state a restore writes back (``None``: the property did not exist: a delete)."""
    return entry.after if side is Side.AFTER else entry.before


def writable(state: Snapshot | None) -> bool:
    """A value state whose text the journal kept (so it can be written back)."""
    return state is not None and state.value is not None and not state.value_hidden


def _differs(state: Snapshot | None, current: Snapshot | None) -> bool:
    if state is None:
        return current is not None
    return not state.same_as(current)


def restores(entry: Entry, current: Snapshot | None, oldest: bool) -> tuple[Restore, ...]:
    """The restores ``entry`` offers while the property holds ``current`` (``None``: it
    does not exist); ``oldest``: the entry is the first the journal has of the property."""
    if entry.kind is Kind.SHEET:
        return ()
    out: list[Restore] = []
    if writable(entry.after) and _differs(entry.after, current):
        out.append(Restore(Side.AFTER, "Restore this version"))
    before = entry.before
    if entry.action is Action.CREATE and current is not None:
        out.append(Restore(Side.BEFORE, "Undo this create (delete it)", deletes=True))
    elif entry.action is Action.DELETE and writable(before) and _differs(before, current):
        out.append(Restore(Side.BEFORE, "Restore it as it was before this delete"))
    elif oldest and writable(before) and _differs(before, current):
        out.append(Restore(Side.BEFORE, "Restore the version before this change"))
    return tuple(out)


def views(page: Page[Entry], current: Snapshot | None) -> tuple[EntryView, ...]:
    """The entries of one history page with their diffs and restores."""
    last = len(page.items) - 1
    return tuple(
        EntryView(
            entry,
            diff(entry.before, entry.after),
            restores(entry, current, oldest=index == last and not page.has_next),
        )
        for index, entry in enumerate(page.items)
    )
