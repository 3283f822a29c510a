"""Reading a sheet and everything under it as a ``Sheet`` tree, raw (``$[...]`` unexpanded).

One upstream call where the server takes ``recurse=1`` (the emulator does; the reference
marks that shape as its own). A sub-sheet that comes back without its contents (a server
that ignores ``recurse``) is read by id, one ``GET /propertySheets/{id}`` each. The whole
read is bounded by ``max_response_bytes`` (``PROPDESK_MAX_RESPONSE_BYTES``): the one
recursive answer by the transport itself, the sum of several answers by an estimate."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from app.changes.errors import TreeTooLarge
from app.changes.gc_pause import no_gc_pauses
from app.changes.tree import Node, Sheet, is_sheet_entry, value_of_entry
from app.cloudbees import Property, PropertyPath, ServerError
from app.cloudbees.models import Json, as_int, as_list, as_text
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

    def spend(self, name: str, description: str, value: str = "") -> None:
        self.used += ENTRY_OVERHEAD + len(name) + len(description) + len(value)

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
    params = {"path": str(path), "recurse": "1" if recurse else "0", "expand": "0"}
    top = read_json(properties, ("properties",), params, budget)
    with no_gc_pauses():  # not while waiting for the answer above
        return build(properties, top, budget)


def read_json(
    properties: PropertyService, route: tuple[str, ...], params: dict[str, str], budget: Budget
) -> Json:
    """One sheet as the server sends it (``GET /properties?path=...`` or ``GET
    /propertySheets/{id}``), raw JSON: the tree is built from it directly (``Property``
    objects, with their parsed times, would cost more than the rest of the read)."""
    try:
        return sheet_json(properties, route, params)
    except ServerError as err:
        if err.code == "ResponseTooLarge":
            raise too_large(budget.path, budget.limit) from None
        raise


def sheet_json(properties: PropertyService, route: tuple[str, ...], params: dict[str, str]) -> Json:
    """The ``propertySheet`` of one answer, raw (``{}`` when it holds none)."""
    data = properties.transport.call("GET", route, auth=properties.auth, params=params)
    sheet = data.get("propertySheet")
    return sheet if isinstance(sheet, Mapping) else {}


def sheet_entries(
    properties: PropertyService, path: PropertyPath, names: Collection[str]
) -> dict[str, Property]:
    """The properties ``names`` of the sheet at ``path`` that are there, by name, from one
    read of that sheet (not of its sub-sheets); only those become ``Property`` objects (an
    apply reads a sheet of 2,000 for each chunk of 50). Raises the client's errors."""
    params = {"path": str(path), "recurse": "0", "expand": "0"}
    entries = as_list(sheet_json(properties, ("properties",), params).get("property"))
    wanted = (e for e in entries if as_text(e.get("propertyName")) in names)
    return {prop.name: prop for prop in map(Property.from_json, wanted)}


def build(properties: PropertyService, sheet: Json, budget: Budget, description: str = "") -> Sheet:
    """The tree of ``sheet`` (raw JSON): nested contents as they came, or read by id when
    missing."""
    entries: dict[str, Node] = {}
    for entry in as_list(sheet.get("property")):
        name = as_text(entry.get("propertyName"))
        if is_sheet_entry(entry):
            entries[name] = sub_sheet(properties, entry, name, budget)
        else:
            value = value_of_entry(entry)
            budget.spend(name, value.description, value.value)
            entries[name] = value
    return Sheet(entries, description)


def sub_sheet(
    properties: PropertyService, entry: Mapping[str, Any], name: str, budget: Budget
) -> Sheet:
    """A nested sheet's tree: from its contents when they came along, else read by id
    (``GET /propertySheets/{id}``, one sheet)."""
    description = as_text(entry.get("description"))
    budget.spend(name, description)
    inner = entry.get("propertySheet")
    if not isinstance(inner, Mapping):
        budget.check()
        sheet_id = str(as_int(entry.get("propertySheetId")))
        params = {"recurse": "0", "expand": "0"}
        inner = read_json(properties, ("propertySheets", sheet_id), params, budget)
    return build(properties, inner, budget, description)
