"""Property trees as plain values: a sheet read recursively becomes a ``Sheet`` whose
entries are ``Value`` properties and nested ``Sheet``s, keyed by name in the server's order.

Trees carry only what a plan compares and writes (raw value, description, expandable flag;
a sheet's description), never ids or times, so two trees from different places compare
equal when they hold the same things."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.cloudbees import Property, PropertySheet
from app.cloudbees.models import as_bool, as_int, as_text


@dataclass(frozen=True)
class Value:
    """A value property: its raw value (``$[...]`` unexpanded), description and flag."""

    value: str
    description: str = ""
    expandable: bool = True


@dataclass(frozen=True)
class Sheet:
    """A property sheet: its entries by name and (for a nested sheet) its description."""

    entries: Mapping[str, Node] = field(default_factory=dict)
    description: str = ""

    def count(self) -> int:
        """How many properties and sheets the tree holds, nested ones included."""
        return sum(
            1 + (node.count() if isinstance(node, Sheet) else 0) for node in self.entries.values()
        )


Node = Value | Sheet
"""One entry of a sheet."""


def node_of(prop: Property) -> Node:
    """The tree node of one property as the server holds it (read raw); a sheet's is empty
    (its entries are read apart)."""
    if prop.is_sheet:
        return Sheet({}, prop.description)
    return Value(prop.value or "", prop.description, prop.expandable)


def is_sheet_entry(entry: Mapping[str, Any]) -> bool:
    """True when a property as the server sends it (JSON) is a sheet (``Property.is_sheet``)."""
    return as_int(entry.get("propertySheetId")) is not None


def value_of_entry(entry: Mapping[str, Any]) -> Value:
    """The ``Value`` of a value property as the server sends it (JSON), the same as
    ``node_of(Property.from_json(entry))`` without building the ``Property``: a tree read
    of 10,000 entries spent more time building them (and parsing their times) than in
    everything else it does."""
    raw = entry.get("value")
    return Value(
        "" if raw is None else as_text(raw),
        as_text(entry.get("description")),
        as_bool(entry.get("expandable"), True),
    )


def entries_of(sheet: PropertySheet) -> dict[str, Property]:
    """A sheet's properties by name (one sheet, not its sub-sheets)."""
    return {prop.name: prop for prop in sheet.properties}
