"""Two builds' properties side by side: which are the same, which differ, which only one
build has. Pure data: no HTTP, no Flask."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.buildbot.models import BuildProperty

SAME, DIFFERS, ONLY_LEFT, ONLY_RIGHT = "same", "differs", "only-left", "only-right"


def shown(value: Any) -> str:
    """A property value as text: strings as they are, everything else as JSON (``true``,
    ``42``, ``null``, ``["a", "b"]``)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class PropertyPair:
    """One property name with each build's property (``None`` where a build lacks it)."""

    name: str
    left: BuildProperty | None
    right: BuildProperty | None

    @property
    def state(self) -> str:
        if self.left is None:
            return ONLY_RIGHT
        if self.right is None:
            return ONLY_LEFT
        same = type(self.left.value) is type(self.right.value) and (
            self.left.value == self.right.value
        )
        return SAME if same else DIFFERS


def compare(
    left: Iterable[BuildProperty], right: Iterable[BuildProperty]
) -> tuple[PropertyPair, ...]:
    """Every property name of either build, by name, paired."""
    by_left = {p.name: p for p in left}
    by_right = {p.name: p for p in right}
    names = sorted(set(by_left) | set(by_right))
    return tuple(PropertyPair(n, by_left.get(n), by_right.get(n)) for n in names)


def counts(pairs: Iterable[PropertyPair]) -> dict[str, int]:
    """How many pairs are in each state."""
    found = {SAME: 0, DIFFERS: 0, ONLY_LEFT: 0, ONLY_RIGHT: 0}
    for pair in pairs:
        found[pair.state] += 1
    return found
