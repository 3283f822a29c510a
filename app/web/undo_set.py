"""Undo a change set from the activity list: the inverse of what its journal entries did,
as a plan through the same preview, confirmation of deletes and apply as every multi-value
change (``plan_view``), journaled as a new change set with source ``revert``.

The inverse of each path the set touched takes the path's first state before the set and
expects its last state after it: a create becomes a delete, a modify a modify back, a
delete a create. Applying it checks each expectation as any plan does, so an entry changed
since the set is a conflict, skipped and never overwritten, and undoing twice changes
nothing the second time (the preview then has nothing left to do). Left out, and said so:
entries whose outcome is unknown (the write got no answer) or that did not land, values
the journal keeps only as a hash, and sheets the set deleted as a whole (the journal keeps
the sheet, not what it held). Every sheet the inverse touches is read upstream as this
login first, so a set this login may not read cannot be undone (403).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import Blueprint, Response, abort, request, url_for
from flask.typing import ResponseReturnValue

from app.changes import Action, Operation, Plan, State
from app.changes.inverse import Group, LeftOut, common_root, inverse, order, spans
from app.changes.tree import entries_of
from app.cloudbees import NotFound, Property, PropertyPath
from app.journal import Entry, Outcome, Source
from app.services import cd, services
from app.web import plan_view

bp = Blueprint("undo_set", __name__)

SHOWN_NOTES = 10
"""Conflicts and left-out paths a preview names one by one (the counts cover all)."""


@dataclass(frozen=True)
class Key:
    """Which change to undo: a change set by its id, or one entry without a set."""

    change_set: str = ""
    entry: int | None = None

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Key:
        """The change a query or form names (404 when it names none)."""
        change_set, entry = values.get("set", ""), values.get("entry", "")
        if change_set and len(change_set) <= 64:
            return cls(change_set=change_set)
        if entry.isascii() and entry.isdigit() and len(entry) <= 18:  # int() refuses "²"
            return cls(entry=int(entry))
        abort(404)

    @property
    def carry(self) -> dict[str, list[str]]:
        """The field the apply form carries to find the same change again."""
        return {"set": [self.change_set]} if self.change_set else {"entry": [str(self.entry)]}

    def entries(self) -> tuple[Entry, ...]:
        """The change's journal entries, in the order they were written (404: none listed
        in the activity, i.e. none but writes that did not land)."""
        journal = services().journal
        if self.change_set:
            found: tuple[Entry, ...] = journal.change_set(self.change_set)
        else:
            one = journal.entry(self.entry) if self.entry is not None else None
            found = journal.change_set(one.change_set) if one and one.change_set else ()
            found = found or ((one,) if one else ())
        if not any(e.outcome is not Outcome.NOT_APPLIED for e in found):
            abort(404)
        return found


@dataclass(frozen=True)
class Undo:
    """The inverse of a change: the sheet its plan works in, the operations of each path
    (in the order they apply) and what it leaves out."""

    key: Key
    root: PropertyPath
    groups: tuple[Group, ...]
    left_out: tuple[LeftOut, ...]

    @classmethod
    def of(cls, key: Key) -> Undo:
        """The inverse of the change ``key`` names, from the journal alone (422 when its
        paths share no owner: no one plan can hold it)."""
        entries = key.entries()
        kept, left = spans(entries)
        root = common_root(s.path for s in kept) if kept else entries[0].path.parent
        if root is None:
            abort(422, "This change set spans several owners; undo it one property at a time.")
        cut = len(root.segments)
        groups = [inverse(s, s.path.segments[cut:]) for s in kept]
        ordered = sorted((g for g in groups if g), key=order)
        return cls(key, root, tuple(ordered), tuple(left))

    def path(self, op: Operation) -> PropertyPath:
        return PropertyPath((*self.root.segments, *op.names))


Reads = dict[PropertyPath, dict[str, Property]]
"""What each sheet the plan works in holds now, by name (empty: the sheet is not there)."""


def emptied(group: Group) -> bool:
    """True when ``group`` deletes a sheet (which must hold nothing by then)."""
    first = group[0]
    return first.action is Action.DELETE and first.expected is not None and first.expected.sheet


def read_now(undo: Undo) -> Reads:
    """Read every sheet the inverse works in or deletes, as this login (one call each): a
    sheet it may not read is CloudBees CD's ``AccessDenied``, which answers 403 and undoes
    nothing."""
    reads: Reads = {}
    for group in undo.groups:
        path = undo.path(group[0])
        for sheet in (path.parent, path) if emptied(group) else (path.parent,):
            if sheet not in reads:
                try:
                    reads[sheet] = entries_of(cd().properties.sheet(sheet))
                except NotFound:
                    reads[sheet] = {}
    return reads


def found(undo: Undo, reads: Reads, op: Operation) -> State | None:
    """The state the path of ``op`` holds now."""
    path = undo.path(op)
    return State.of_property(reads[path.parent].get(path.name))


def pending(undo: Undo, reads: Reads) -> tuple[Group, ...]:
    """The inverse without the paths that already hold their state before the change (so
    undoing twice has nothing to do the second time)."""
    return tuple(g for g in undo.groups if found(undo, reads, g[0]) != g[-1].desired)


def flat(groups: Iterable[Group]) -> Plan:
    """The operations of ``groups`` as one plan, in order."""
    return Plan(tuple(op for group in groups for op in group))


def conflicts(undo: Undo, reads: Reads, groups: tuple[Group, ...]) -> list[str]:
    """The paths changed since the change: they hold neither what it left nor a state the
    inverse passes through, or (a sheet to delete) hold more than the inverse removes from
    them. The engine will skip them as conflicts."""
    gone = {undo.path(g[0]) for g in groups if g[-1].desired is None}
    out: list[str] = []
    for group in groups:
        path = undo.path(group[0])
        passing = {state for op in group for state in (op.expected, op.desired)}
        kept = emptied(group) and any(path.child(n) not in gone for n in reads[path])
        if kept or found(undo, reads, group[0]) not in passing:
            out.append(str(path))
    return out


def notes(undo: Undo, clashes: list[str]) -> str:
    """What the preview says besides its plan: conflicts ahead and what is left out."""
    said: list[str] = []
    if clashes:
        named = ", ".join(clashes[:SHOWN_NOTES]) + (" …" if len(clashes) > SHOWN_NOTES else "")
        said.append(
            f"{len(clashes)} entr{'y' if len(clashes) == 1 else 'ies'} changed since this "
            f"change and will be skipped as conflicts, never overwritten: {named}."
        )
    for left in undo.left_out[:SHOWN_NOTES]:
        said.append(f"Left out: {left.path}: {left.reason}.")
    if len(undo.left_out) > SHOWN_NOTES:
        said.append(f"… and {len(undo.left_out) - SHOWN_NOTES} more left out.")
    return " ".join(said)


def heading(undo: Undo) -> str:
    if undo.key.change_set:
        return f"Undo change set {undo.key.change_set[:12]}"
    return f"Undo change {undo.key.entry}"


def preview_page(
    undo: Undo, groups: tuple[Group, ...], reads: Reads, *, error: str = "", status: int = 200
) -> Response:
    """The preview of the inverse (``groups``: what is left to do), with the conflicts ahead
    and what is left out; the apply form carries which change it undoes."""
    preview = plan_view.Preview(
        heading=heading(undo),
        root=undo.root,
        carry=undo.key.carry,
        apply_url=url_for("undo_set.apply_undo"),
        back_url=url_for("activity.index"),
    )
    said = " ".join(s for s in (error, notes(undo, conflicts(undo, reads, groups))) if s)
    return plan_view.preview_page(preview, flat(groups), error=said, status=status)


@bp.get("/activity/undo")
def preview() -> ResponseReturnValue:
    """What undoing the change (``?set=<id>`` or ``?entry=<id>``) would write."""
    undo = Undo.of(Key.of(request.args))
    reads = read_now(undo)
    return preview_page(undo, pending(undo, reads), reads)


@bp.post("/activity/undo")
def apply_undo() -> ResponseReturnValue:
    """Apply the previewed undo, journaled as ``revert``, if it is still the same plan."""
    undo = Undo.of(Key.of(request.form))
    reads = read_now(undo)
    groups = pending(undo, reads)
    changes = flat(groups)
    if plan_view.unconfirmed(changes):
        return preview_page(undo, groups, reads, error=plan_view.UNCONFIRMED, status=422)
    ending = plan_view.Ending(heading(undo), url_for("activity.index"), "Back to the activity")
    basis = request.form.get("basis", "")
    done = plan_view.apply_and_report(changes, basis, undo.root, Source.REVERT, ending)
    if done is None:
        return preview_page(undo, groups, reads, error=plan_view.STALE, status=409)
    return done
