"""One page of a big sheet, cut from the raw answer before any dataclass is built.

A 10,000-property sheet arrives in one call; filtering, sorting and paging work on the raw
entries so only the rows on the page become ``Property`` objects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.cloudbees.models import Property

SORTS = ("name", "modified")


@dataclass(frozen=True)
class SliceRequest:
    """Which page of a sheet to cut: filter text (names and values, case-insensitive),
    sort column (``name`` or ``modified``) and direction, page number and size.
    ``locate``: a property's name; when the filtered sheet holds it, the page cut is the
    one that holds it (after a create, for instance)."""

    needle: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    page_size: int = 100
    locate: str = ""


@dataclass(frozen=True)
class SheetSlice:
    """The rows of one page, and how many there are in all and after the filter."""

    rows: tuple[Property, ...]
    total: int
    matching: int
    page: int
    pages: int

    def page_numbers(self, edge: int = 2, around: int = 2) -> list[int | None]:
        """The page links of a pager: the first and last ``edge`` pages, ``around`` pages
        either side of this one, and ``None`` where a run of pages is left out."""
        shown: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n <= edge or n > self.pages - edge or abs(n - self.page) <= around:
                shown.append(n)
            elif shown and shown[-1] is not None:
                shown.append(None)
        return shown


def slice_entries(entries: Sequence[Any], want: SliceRequest) -> SheetSlice:
    """Filter by name and value (case-insensitive), sort with sheets first, then page."""
    items = [e for e in entries if isinstance(e, dict)]
    folded = want.needle.casefold()
    if folded:
        items = [
            e
            for e in items
            if folded in str(e.get("propertyName", "")).casefold()
            or folded in str(e.get("value") or "").casefold()
        ]
    if want.sort == "modified":
        # ISO-8601 UTC times of one format sort correctly as text.
        items.sort(key=lambda e: str(e.get("modifyTime") or ""), reverse=want.descending)
    else:
        items.sort(key=lambda e: str(e.get("propertyName", "")).casefold(), reverse=want.descending)
    items.sort(key=lambda e: "propertySheetId" not in e)  # stable: sheets first
    pages = max(1, math.ceil(len(items) / want.page_size))
    page = min(max(1, want.page), pages)
    if want.locate:
        names = [str(e.get("propertyName", "")) for e in items]
        if want.locate in names:
            page = names.index(want.locate) // want.page_size + 1
    start = (page - 1) * want.page_size
    rows = tuple(Property.from_json(e) for e in items[start : start + want.page_size])
    return SheetSlice(rows, len(entries), len(items), page, pages)
