"""Plans: the operations that turn a current tree into a desired one, built without
touching the upstream.

Each ``Operation`` names one entry (by its names below the plan's root), what it expects to
find there (``expected``; ``None``: nothing) and what it leaves (``desired``; ``None``:
deleted). Within a sheet, the plan first handles the sheet's own entries (in the desired
tree's order, then the deletes), then descends into its sub-sheets; a new sheet is created
before its contents. An entry that changes kind (a value that becomes a sheet) is deleted
and created again. ``simulate`` applies a plan to a tree in memory, checking every
expectation, which is how the tests prove plans right."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.changes.errors import PlanTooLarge
from app.changes.tree import Node, Sheet, Value, node_of
from app.cloudbees import Property

MAX_OPERATIONS = 10_000
"""The most operations one plan may hold."""


class Action(StrEnum):
    CREATE = "create"
    MODIFY = "modify"
    DELETE = "delete"


@dataclass(frozen=True)
class State:
    """One entry's own state (a sheet's contents are not part of it): a value property's
    raw value, description and flag, or a sheet and its description."""

    sheet: bool
    value: str = ""
    description: str = ""
    expandable: bool = True

    @classmethod
    def of(cls, node: Node) -> State:
        if isinstance(node, Sheet):
            return cls(True, description=node.description)
        return cls(False, node.value, node.description, node.expandable)

    @classmethod
    def of_property(cls, prop: Property | None) -> State | None:
        """The state of a property as read raw (``None``: not there)."""
        return None if prop is None else cls.of(node_of(prop))


@dataclass(frozen=True)
class Operation:
    """One create, modify or delete. ``contents``: for the delete of a sheet, the entries
    it expects to delete with it (a sheet that gained or changed entries is a conflict)."""

    action: Action
    names: tuple[str, ...]
    expected: State | None
    desired: State | None
    contents: Sheet | None = None

    @property
    def changed(self) -> tuple[str, ...]:
        """The fields a modify writes: ``value``, ``description``, ``expandable``."""
        if self.expected is None or self.desired is None:
            return ()
        return tuple(
            name
            for name in ("value", "description", "expandable")
            if getattr(self.expected, name) != getattr(self.desired, name)
        )


@dataclass(frozen=True)
class Plan:
    """The operations of one change, in the order they are applied."""

    operations: tuple[Operation, ...] = ()

    def count(self, action: Action) -> int:
        return sum(1 for op in self.operations if op.action is action)

    def __len__(self) -> int:
        return len(self.operations)


@dataclass
class Planner:
    """Collects operations and refuses past ``limit``."""

    mirror: bool
    limit: int
    out: list[Operation] = field(default_factory=list)

    def add(self, op: Operation) -> None:
        if len(self.out) >= self.limit:
            raise PlanTooLarge(
                f"This change needs more than {self.limit:,} operations, the most one apply "
                "may carry. Apply it in parts (a sheet at a time)."
            )
        self.out.append(op)

    def create(self, names: tuple[str, ...], node: Node) -> None:
        """Create ``node`` and, for a sheet, everything in it."""
        self.add(Operation(Action.CREATE, names, None, State.of(node)))
        if isinstance(node, Sheet):
            for name, child in node.entries.items():
                self.create((*names, name), child)

    def delete(self, names: tuple[str, ...], node: Node) -> None:
        contents = node if isinstance(node, Sheet) else None
        self.add(Operation(Action.DELETE, names, State.of(node), None, contents))

    def sheet(self, prefix: tuple[str, ...], have: Sheet, want: Sheet) -> None:
        """The operations that turn the entries of ``have`` into those of ``want``."""
        nested: list[tuple[tuple[str, ...], Sheet, Sheet]] = []
        held = have.entries
        for name, node in want.entries.items():
            old = held.get(name)
            if isinstance(old, Value) and old == node:
                continue  # the common case of a large plan, settled without a State
            names = (*prefix, name)
            if old is None:
                self.create(names, node)
            elif isinstance(old, Sheet) != isinstance(node, Sheet):
                self.delete(names, old)
                self.create(names, node)
            else:
                before, after = State.of(old), State.of(node)
                if before != after:
                    self.add(Operation(Action.MODIFY, names, before, after))
                if isinstance(old, Sheet) and isinstance(node, Sheet):
                    nested.append((names, old, node))
        if self.mirror:
            for name, old in have.entries.items():
                if name not in want.entries:
                    self.delete((*prefix, name), old)
        for names, old_sheet, new_sheet in nested:
            self.sheet(names, old_sheet, new_sheet)


def plan(
    current: Sheet, desired: Sheet, *, mirror: bool = True, limit: int = MAX_OPERATIONS
) -> Plan:
    """The plan that turns ``current`` into ``desired``. ``mirror=False`` (a merge) only
    creates and modifies: what ``desired`` lacks stays. Raises ``PlanTooLarge`` past
    ``limit`` operations."""
    planner = Planner(mirror, limit)
    planner.sheet((), current, desired)
    return Plan(tuple(planner.out))


# -- applying in memory --------------------------------------------------------------------
@dataclass
class Draft:
    """A sheet being changed in memory."""

    entries: dict[str, Value | Draft]
    description: str = ""

    @classmethod
    def of(cls, sheet: Sheet) -> Draft:
        return cls(
            {n: c if isinstance(c, Value) else cls.of(c) for n, c in sheet.entries.items()},
            sheet.description,
        )

    def frozen(self) -> Sheet:
        return Sheet(
            {n: c if isinstance(c, Value) else c.frozen() for n, c in self.entries.items()},
            self.description,
        )


def simulate(current: Sheet, changes: Plan) -> Sheet:
    """``current`` with ``changes`` applied, every expectation checked (``ValueError`` when
    one fails): the planner's proof, and a preview's "after"."""
    root = Draft.of(current)
    for op in changes.operations:
        parent = root
        for name in op.names[:-1]:
            child = parent.entries.get(name)
            if not isinstance(child, Draft):
                raise ValueError(f"{op.names}: no sheet {name!r} to work in")
            parent = child
        simulate_one(parent, op)
    return root.frozen()


def simulate_one(parent: Draft, op: Operation) -> None:
    """Apply ``op`` to its entry in ``parent`` after checking what it expects."""
    name = op.names[-1]
    found = parent.entries.get(name)
    node = found.frozen() if isinstance(found, Draft) else found
    if (None if node is None else State.of(node)) != op.expected:
        raise ValueError(f"{op.names}: expected {op.expected}, found {node}")
    if op.contents is not None and node != op.contents:
        raise ValueError(f"{op.names}: the sheet's contents changed")
    desired = op.desired
    if desired is None:
        del parent.entries[name]
    elif desired.sheet:
        kept = found.entries if isinstance(found, Draft) else {}
        parent.entries[name] = Draft(kept, desired.description)
    else:
        parent.entries[name] = Value(desired.value, desired.description, desired.expandable)
