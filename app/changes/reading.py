"""Reading a sheet and everything under it as a ``Sheet`` tree, raw (``$[...]`` unexpanded).

One upstream call where the server takes ``recurse=1`` (the emulator does; the reference
marks that shape as its own). A sub-sheet that comes back without its contents (a server
that ignores ``recurse``) is read by id, one ``GET /propertySheets/{id}`` each. The whole
read is bounded by ``max_response_bytes`` (``PROPDESK_MAX_RESPONSE_BYTES``): the one
recursive answer by the transport itself, the sum of several answers by an estimate."""

from __future__ import annotations

from dataclasses import dataclass

from app.changes.errors import TreeTooLarge
from app.changes.tree import Node, Sheet, node_of
from app.cloudbees import Property, PropertyPath, PropertySheet, ServerError
from app.cloudbees.properties import PropertyService

ENTRY_OVERHEAD = 200
"""Bytes of JSON an entry takes beside its name, value and description (keys, id, times,
owner): the estimate that bounds a tree read in several calls. The emulator's entries take
about 260; a low figure errs on the side of reading."""


@dataclass
class Budget:
    """Bytes a tree read may still take, counted from the entries it has built."""

    path: PropertyPath
    limit: int
    used: int = 0

    def spend(self, prop: Property) -> None:
        self.used += ENTRY_OVERHEAD + len(prop.name) + len(prop.description)
        self.used += len(prop.value or "")

    def check(self) -> None:
        """Refuse to go on once the tree read so far is larger than the limit."""
        if self.used > self.limit:
            raise too_large(self.path, self.limit)


def too_large(path: PropertyPath, limit: int) -> TreeTooLarge:
    return TreeTooLarge(
        f"{path} with everything under it is larger than {limit:,} bytes "
        "(PROPDESK_MAX_RESPONSE_BYTES), so propdesk does not read it as a whole. "
        "Choose a sheet further down, or raise the setting."
    )


def read_tree(
    properties: PropertyService,
    path: PropertyPath,
    *,
    recurse: bool = True,
    limit: int | None = None,
) -> Sheet:
    """The sheet at ``path`` and everything under it. ``recurse=False`` reads one sheet per
    call (what a server that ignores ``recurse`` gets anyway). Raises ``TreeTooLarge``
    past ``limit`` bytes (default: the transport's ``max_response_bytes``), the client's
    errors otherwise (``NotFound`` for a path that is not a sheet)."""
    budget = Budget(path, limit or properties.transport.settings.max_response_bytes)
    try:
        top = properties.sheet(path, recurse=recurse)
    except ServerError as err:
        if err.code == "ResponseTooLarge":
            raise too_large(path, budget.limit) from None
        raise
    return build(properties, top, budget)


def build(
    properties: PropertyService, sheet: PropertySheet, budget: Budget, description: str = ""
) -> Sheet:
    """The tree of ``sheet``: nested contents as they came, or read by id when missing."""
    entries: dict[str, Node] = {}
    for prop in sheet.properties:
        budget.spend(prop)
        if prop.is_sheet:
            inner = prop.sheet
            if inner is None:
                budget.check()
                inner = read_by_id(properties, prop, budget)
            entries[prop.name] = build(properties, inner, budget, prop.description)
        else:
            entries[prop.name] = node_of(prop)
    return Sheet(entries, description)


def read_by_id(properties: PropertyService, prop: Property, budget: Budget) -> PropertySheet:
    """One sub-sheet's entries (``GET /propertySheets/{id}``)."""
    assert prop.property_sheet_id is not None
    try:
        return properties.sheet_by_id(prop.property_sheet_id)
    except ServerError as err:
        if err.code == "ResponseTooLarge":
            raise too_large(budget.path, budget.limit) from None
        raise
