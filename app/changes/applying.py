"""Applying a plan to CloudBees CD without losing anybody's update.

The operations go in chunks: a run of at most ``batch`` consecutive operations in one
sheet. For a chunk, apply takes the edit lock of each property it touches (the lock every
propdesk save takes, so no propdesk save lands in between), reads the sheet once, and for
each operation compares what the read found with what the operation expects: a property
that already holds the desired state counts as "already as desired" and is not written; one
that holds anything else is a conflict, skipped and reported, never overwritten; otherwise
the operation is written and the lock released with the chunk. The delete of a sheet also
reads that sheet's contents (one recursive read) and is a conflict if they changed.

Writers outside propdesk (scripts on the API) take no lock, and CloudBees CD has no
compare-and-set: as for a single save, a write of theirs that lands between apply's read
and its write of that property is lost. For a single save that window is one round trip;
for an apply it is at most one chunk of writes (``batch`` operations, 50 by default).

Every change that landed is journaled under one change-set id, a chunk at a time (so the
journal shows what an interrupted apply did); a journal that fails never stops an apply
(the report counts what it did not record). Applying the same plan twice changes nothing
the second time: every operation then finds its desired state."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, suppress
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from app.changes.errors import ChangeError, PlanTooLarge
from app.changes.planning import MAX_OPERATIONS, Action, Operation, Plan, State
from app.changes.reading import read_tree, sheet_entries
from app.cloudbees import (
    CloudBeesError,
    Conflict,
    NotFound,
    Property,
    PropertyPath,
    UpstreamUnavailable,
)
from app.cloudbees.properties import PropertyService
from app.edit_lock import Lease, LockBusy
from app.journal import Actor, Change, Outcome, Source, new_change_set

log = logging.getLogger(__name__)

BATCH = 50
"""Operations per chunk: one sheet read and one journal write for up to this many."""

BUSY = "someone else is saving it in propdesk right now; nothing was written (apply again)"
LOCK_LOST = "propdesk's lock on it ran out before the write; nothing was written"


class Status(StrEnum):
    APPLIED = "applied"
    ALREADY = "already as desired"
    CONFLICT = "conflict"
    FAILED = "failed"


class Recorder(Protocol):
    """What apply needs of the journal (``app.journal.Journal`` is one)."""

    def record(self, changes: Iterable[Change]) -> object: ...


Locker = Callable[[PropertyPath], AbstractContextManager[Lease]]
"""The edit lock of one property (the one a single save takes, e.g. ``save_lock``)."""


@dataclass(frozen=True)
class Target:
    """Where and as whom a plan is applied: the plan's root sheet, the client's property
    service, the edit lock, the journal (``None``: not recorded) and its actor and source."""

    properties: PropertyService
    root: PropertyPath
    lock: Locker
    journal: Recorder | None
    actor: Actor
    source: Source = Source.IMPORT
    batch: int = BATCH
    change_set: str = ""
    """The change set to journal under ("": a new one; a background run names it first)."""


@dataclass(frozen=True)
class Result:
    """What became of one operation; ``found`` is the state a conflict found (``None``:
    nothing), ``reason`` why it failed or conflicted, in the server's words where it
    refused."""

    operation: Operation
    status: Status
    found: State | None = None
    reason: str = ""


@dataclass(frozen=True)
class ApplyReport:
    """Every operation's result in plan order, the change set they were journaled under
    and how many changes the journal did not take."""

    results: tuple[Result, ...]
    change_set: str
    not_recorded: int = 0

    def of(self, status: Status) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.status is status)

    @property
    def applied(self) -> tuple[Result, ...]:
        return self.of(Status.APPLIED)

    @property
    def already(self) -> tuple[Result, ...]:
        return self.of(Status.ALREADY)

    @property
    def conflicts(self) -> tuple[Result, ...]:
        return self.of(Status.CONFLICT)

    @property
    def failed(self) -> tuple[Result, ...]:
        return self.of(Status.FAILED)


@dataclass
class Run:
    """One apply under way: its results and the changes not yet journaled."""

    target: Target
    change_set: str = field(default_factory=new_change_set)
    results: list[Result] = field(default_factory=list)
    pending: list[Change] = field(default_factory=list)
    not_recorded: int = 0

    def note(
        self,
        path: PropertyPath,
        before: Property | None,
        after: Property | None,
        outcome: Outcome = Outcome.DONE,
    ) -> None:
        t = self.target
        self.pending.append(
            Change.between(
                path,
                before,
                after,
                t.actor,
                source=t.source,
                change_set=self.change_set,
                outcome=outcome,
            )
        )

    def flush(self) -> None:
        """Journal the changes noted so far (one write); a failing journal is logged."""
        if not self.pending or self.target.journal is None:
            self.pending.clear()
            return
        try:
            self.target.journal.record(self.pending)
        except Exception as err:  # the changes have landed: the apply goes on
            self.not_recorded += len(self.pending)
            log.warning("journal record failed for change set %s: %s", self.change_set, err)
        self.pending.clear()


def apply(
    plan: Plan, target: Target, progress: Callable[[Result], None] | None = None
) -> ApplyReport:
    """Apply ``plan`` under ``target.root``; ``progress`` hears of each operation's result
    as it is known (an exception it raises stops the apply between operations, after
    journaling what was written). Returns the report of every operation."""
    if len(plan) > MAX_OPERATIONS:
        raise PlanTooLarge(f"A plan of {len(plan):,} operations is more than one apply carries")
    run = Run(target, target.change_set or new_change_set())
    try:
        for parent, ops in chunks(plan, target.root, target.batch):
            apply_chunk(run, parent, ops, progress)
            run.flush()
    finally:
        run.flush()
    return ApplyReport(tuple(run.results), run.change_set, run.not_recorded)


def chunks(
    plan: Plan, root: PropertyPath, size: int
) -> Iterator[tuple[PropertyPath, list[Operation]]]:
    """Runs of consecutive operations in one sheet, at most ``size`` long (a delete and
    the create that replaces it stay together)."""
    ops = plan.operations
    start = 0
    while start < len(ops):
        parent = ops[start].names[:-1]
        end = start + 1
        while (
            end < len(ops)
            and ops[end].names[:-1] == parent
            and (end - start < size or replaces(ops[end - 1], ops[end]))
        ):
            end += 1
        yield PropertyPath((*root.segments, *parent)), list(ops[start:end])
        start = end


def replaces(first: Operation, second: Operation) -> bool:
    """True when ``second`` creates what ``first`` deleted (an entry that changes kind)."""
    return (first.action, second.action) == (Action.DELETE, Action.CREATE) and (
        first.names == second.names
    )


def apply_chunk(
    run: Run, parent: PropertyPath, ops: list[Operation], progress: Callable[[Result], None] | None
) -> None:
    """Lock the chunk's properties, read their sheet once, then check and write each."""
    with ExitStack() as stack:
        leases: dict[str, Lease] = {}
        for name in sorted({op.names[-1] for op in ops}):  # one order: no deadlock
            with suppress(LockBusy):
                leases[name] = stack.enter_context(run.target.lock(parent.child(name)))
        try:
            read = sheet_entries(run.target.properties, parent, {op.names[-1] for op in ops})
        except NotFound:
            read = {}  # not there (yet): creates in it fail with the server's reason
        except CloudBeesError as err:
            reason = f"reading {parent} failed: {err.message}"
            for op in ops:
                report(run, Result(op, Status.FAILED, reason=reason), progress)
            return
        for i, op in enumerate(ops):
            following = ops[i + 1] if i + 1 < len(ops) else None
            result = apply_one(run, op, parent, read, leases.get(op.names[-1]), following)
            report(run, result, progress)


def report(run: Run, result: Result, progress: Callable[[Result], None] | None) -> None:
    run.results.append(result)
    if progress is not None:
        progress(result)


def apply_one(
    run: Run,
    op: Operation,
    parent: PropertyPath,
    read: dict[str, Property],
    lease: Lease | None,
    following: Operation | None,
) -> Result:
    """Check one operation against the chunk's read and write it when it is due."""
    name = op.names[-1]
    current = read.get(name)
    found = State.of_property(current)
    if found == op.desired or (
        following is not None and replaces(op, following) and found == following.desired
    ):
        return Result(op, Status.ALREADY)
    if lease is None:
        return Result(op, Status.FAILED, found, BUSY)
    if found != op.expected:
        return Result(op, Status.CONFLICT, found, "changed since the plan was made")
    path = parent.child(name)
    if op.contents is not None:  # deleting a sheet: what is in it must be as planned
        try:
            inside = read_tree(run.target.properties, path)
        except (CloudBeesError, ChangeError) as err:
            return Result(op, Status.FAILED, found, f"reading what it holds failed: {err.message}")
        if inside.entries != op.contents.entries:
            return Result(op, Status.CONFLICT, found, "what it holds changed since the plan")
    if not lease.held():
        return Result(op, Status.FAILED, found, LOCK_LOST)
    return write(run, op, path, current, read)


def write(
    run: Run, op: Operation, path: PropertyPath, current: Property | None, read: dict[str, Property]
) -> Result:
    """Write one operation; note the change for the journal and keep ``read`` up to date."""
    found = State.of_property(current)
    try:
        answer = send(run.target.properties, op, path)
    except Conflict as err:  # created by someone else meanwhile
        return Result(op, Status.CONFLICT, found, err.message)
    except UpstreamUnavailable as err:
        run.note(path, current, intended(op, path, current), Outcome.UNKNOWN)
        reason = f"no answer from CloudBees CD ({err.message}): it may or may not have landed"
        return Result(op, Status.FAILED, found, reason)
    except CloudBeesError as err:
        return Result(op, Status.FAILED, found, err.message)
    after = None if answer is None else settled(op, answer)
    run.note(path, current, after)
    if after is None:
        read.pop(path.name, None)
    else:
        read[path.name] = after
    return Result(op, Status.APPLIED)


def send(properties: PropertyService, op: Operation, path: PropertyPath) -> Property | None:
    """The one upstream write of ``op``: its answer (``None`` after a delete)."""
    want = op.desired
    if want is None:
        properties.delete(path)
        return None
    if op.action is Action.CREATE:
        if want.sheet:
            return properties.create_sheet(path, description=want.description)
        return properties.create(
            path, want.value, description=want.description, expandable=want.expandable
        )
    changed = op.changed
    if want.sheet:
        return properties.modify(path, description=want.description)
    return properties.update(
        path,
        value=want.value if "value" in changed else None,
        description=want.description if "description" in changed else None,
        expandable=want.expandable if "expandable" in changed else None,
    )


def settled(op: Operation, answer: Property) -> Property:
    """The property after a write: the server's answer (its id and times) with the state
    written (a PUT answer may carry only some fields)."""
    want = op.desired
    assert want is not None
    if want.sheet:
        return replace(answer, value=None, description=want.description)
    return replace(
        answer, value=want.value, description=want.description, expandable=want.expandable
    )


def intended(op: Operation, path: PropertyPath, current: Property | None) -> Property | None:
    """What a write without an answer meant to leave (for the journal's unknown entry)."""
    want = op.desired
    if want is None:
        return None
    base = current or Property(id=None, name=path.name)
    return replace(
        base,
        value=None if want.sheet else want.value,
        description=want.description,
        expandable=want.expandable,
        property_sheet_id=(base.property_sheet_id or 0) if want.sheet else None,
        modify_time=None,
    )
