"""Property trees as plain values: a sheet read recursively becomes a ``Sheet`` whose
entries are ``Value`` properties and nested ``Sheet``s, keyed by name in the server's order.

Trees carry only what a plan compares and writes (raw value, description, expandable flag;
a sheet's description), never ids or times, so two trees from different places compare
equal when they hold the same things."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.cloudbees import Property, PropertySheet


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


def entries_of(sheet: PropertySheet) -> dict[str, Property]:
    """A sheet's properties by name (one sheet, not its sub-sheets)."""
    return {prop.name: prop for prop in sheet.properties}
