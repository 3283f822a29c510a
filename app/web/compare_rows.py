"""Two trees side by side as rows (what the compare page lists), and the desired tree of a
copy of some of those rows from one side to the other. Pure data, no calls."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from app.changes import Node, Sheet, State, Value
from app.changes.planning import Draft
from app.journal import Snapshot
from app.web.diffs import Diff, diff


class Status(StrEnum):
    """How the two sides of a row compare."""

    SAME = "same"
    DIFFERS = "differs"
    ONLY_LEFT = "only left"
    ONLY_RIGHT = "only right"


@dataclass(frozen=True)
class Row:
    """One entry of either tree: its names below the roots, each side (``None``: absent),
    how they compare and, for differing multi-line values, the diff left -> right."""

    names: tuple[str, ...]
    left: Node | None
    right: Node | None
    status: Status
    diff: Diff | None = None

    @property
    def key(self) -> str:
        """The row's id in a form (names as JSON: a name may hold ``/``)."""
        return json.dumps(list(self.names), ensure_ascii=False)

    @property
    def path(self) -> str:
        """The row's path below the roots, as the page shows it."""
        return "/".join(self.names)


def status_of(left: Node | None, right: Node | None) -> Status:
    """How two entries compare (their own state; a sheet's contents have rows of their own)."""
    if right is None:
        return Status.ONLY_LEFT
    if left is None:
        return Status.ONLY_RIGHT
    return Status.SAME if State.of(left) == State.of(right) else Status.DIFFERS


def multi_line(node: Node | None) -> bool:
    """True for a value of several lines (its row gets a diff)."""
    return isinstance(node, Value) and "\n" in node.value


def value_diff(left: Node | None, right: Node | None) -> Diff | None:
    """The line diff of two differing values when either has several lines."""
    if not (isinstance(left, Value) and isinstance(right, Value)):
        return None
    if left.value == right.value or not (multi_line(left) or multi_line(right)):
        return None
    return diff(Snapshot(left.value), Snapshot(right.value))


def compare(left: Sheet | None, right: Sheet | None, prefix: tuple[str, ...] = ()) -> Iterator[Row]:
    """Every entry of both trees, depth first: the left's order, then names only the
    right has; a sheet's row comes before its contents."""
    lefts = left.entries if left is not None else {}
    rights = right.entries if right is not None else {}
    names = list(lefts) + [n for n in rights if n not in lefts]
    for name in names:
        a, b = lefts.get(name), rights.get(name)
        names_ = (*prefix, name)
        yield Row(names_, a, b, status_of(a, b), value_diff(a, b))
        inner_a = a if isinstance(a, Sheet) else None
        inner_b = b if isinstance(b, Sheet) else None
        if inner_a is not None or inner_b is not None:
            yield from compare(inner_a, inner_b, names_)


def parse_keys(raw: Iterable[str]) -> list[tuple[str, ...]]:
    """Row keys from a form; anything that is not a list of names is dropped."""
    out: list[tuple[str, ...]] = []
    for text in raw:
        try:
            names = json.loads(text)
        except ValueError:
            continue
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
            out.append(tuple(names))
    return out


def find(tree: Sheet, names: tuple[str, ...]) -> Node | None:
    """The entry at ``names`` in ``tree`` (``None``: absent)."""
    node: Node | None = tree
    for name in names:
        node = node.entries.get(name) if isinstance(node, Sheet) else None
    return node


def opened(dst: Draft, src: Sheet, names: tuple[str, ...]) -> Draft | None:
    """The sheet ``names`` in ``dst``, made like the source's where it is missing (``None``
    when neither side has it as a sheet)."""
    here = dst
    for depth, name in enumerate(names):
        inner = here.entries.get(name)
        if not isinstance(inner, Draft):
            source = find(src, names[: depth + 1])
            if not isinstance(source, Sheet):
                return None
            inner = Draft({}, source.description)
            here.entries[name] = inner
        here = inner
    return here


def copied(src: Sheet, dst: Sheet, selected: Iterable[tuple[str, ...]]) -> Sheet:
    """``dst`` with each selected entry made as in ``src``: a value copied, a sheet's
    description copied (a sheet ``dst`` lacks is copied whole), an entry ``src`` lacks
    removed."""
    out = Draft.of(dst)
    for names in sorted(set(selected), key=len):
        parent = opened(out, src, names[:-1])
        if parent is None:
            continue
        name, node = names[-1], find(src, names)
        existing = parent.entries.get(name)
        if node is None:
            parent.entries.pop(name, None)
        elif isinstance(node, Value):
            parent.entries[name] = node
        elif isinstance(existing, Draft):
            existing.description = node.description
        else:
            parent.entries[name] = Draft.of(node)
    return out.frozen()
