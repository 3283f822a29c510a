"""``$[...]`` property-reference expansion, as a CloudBees CD server does on reads."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from app.emulator.errors import ApiError, no_such_property

REFERENCE = re.compile(r"\$\[([^\[\]]+)\]")
MAX_DEPTH = 32

Resolver = Callable[[str, int], str | None]


def expand(value: str, sheet_id: int, resolve: Resolver, depth: int = 0) -> str:
    """Replace every ``$[path]`` in ``value``, innermost first and recursively.

    ``resolve(path, sheet_id)`` returns the raw value of the referenced property (relative
    paths are taken from ``sheet_id``) or ``None`` when it does not exist; a missing
    reference fails the whole read with ``NoSuchProperty`` naming the reference.
    """
    if "$[" not in value:
        return value
    if depth > MAX_DEPTH:
        raise ApiError(400, "InvalidArgument", "Property references nest too deep (a cycle?)")

    def substitute(match: re.Match[str]) -> str:
        ref = match.group(1).strip()
        raw = resolve(ref, sheet_id)
        if raw is None:
            raise no_such_property(ref)
        return expand(raw, sheet_id, resolve, depth + 1)

    previous = None
    while previous != value and "$[" in value:
        previous = value
        value = REFERENCE.sub(substitute, value)
        depth += 1
        if depth > MAX_DEPTH:
            raise ApiError(400, "InvalidArgument", "Property references nest too deep")
    return value


def parent_sheets(c: sqlite3.Connection, sheet_id: int) -> list[int]:
    """``sheet_id`` and the sheets above it, nearest first, up to the owner's root sheet."""
    chain = [sheet_id]
    while True:
        row = c.execute(
            "SELECT sheet_id FROM properties WHERE child_sheet_id=?", (chain[-1],)
        ).fetchone()
        if row is None or len(chain) > 64:
            return chain
        chain.append(int(row[0]))
