"""``$[...]`` property-reference expansion, as a CloudBees CD server does on reads."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from emulator import paths
from emulator.errors import ApiError, no_such_property
from emulator.rules import split_path
from emulator.store import Row, Store

REFERENCE = re.compile(r"\$\[([^\[\]]+)\]")
MAX_DEPTH = 32

Resolver = Callable[[str, int], str | None]
Renderer = Callable[[Row], str | None]


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


def resolver(store: Store, c: sqlite3.Connection) -> Resolver:
    """Look up a reference: an absolute path, or a relative one from the referring sheet
    outwards through the sheets above it (the nearest match with a value wins)."""

    def resolve(ref: str, sheet_id: int) -> str | None:
        try:
            if ref.startswith("/"):
                root, names = paths.owner_root(c, split_path(ref))
                row = store.walk(c, root, names, ref) if names else None
                return None if row is None else row["value"]
            for sheet in store.parent_sheets(c, sheet_id):
                names = split_path(ref)
                try:
                    row = store.walk(c, sheet, names, ref)
                except ApiError:
                    continue
                if row is not None and row["value"] is not None:
                    return str(row["value"])
        except ApiError:
            return None
        return None

    return resolve


def renderer(store: Store, c: sqlite3.Connection, expand_on: bool) -> Renderer:
    """The value a read shows for a row: raw, or expanded when asked and expandable."""
    resolve = resolver(store, c)

    def render(row: Row) -> str | None:
        value = row["value"]
        if value is None or not expand_on or not row["expandable"]:
            return None if value is None else str(value)
        return expand(str(value), int(row["sheet_id"]), resolve)

    return render
