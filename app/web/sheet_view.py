"""Filter, sort and page a sheet's properties (done here, so one upstream call serves
every view of a sheet)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from app.cloudbees import Property

SORTS = ("name", "modified")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SheetQuery:
    """The view of a sheet the URL asks for."""

    q: str = ""
    sort: str = "name"
    desc: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: dict[str, str]) -> SheetQuery:
        sort = args.get("sort", "name")
        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            q=args.get("q", "").strip()[:200],
            sort=sort if sort in SORTS else "name",
            desc=args.get("dir") == "desc",
            page=page,
        )

    def args(self, **changes: object) -> dict[str, str]:
        """Query-string arguments for a link that changes some of this view."""
        merged = {
            "q": self.q,
            "sort": self.sort,
            "dir": "desc" if self.desc else "asc",
            "page": str(self.page),
        }
        merged.update({k: str(v) for k, v in changes.items()})
        defaults = {"q": "", "sort": "name", "dir": "asc", "page": "1"}
        return {k: v for k, v in merged.items() if v != defaults[k]}


@dataclass(frozen=True)
class SheetPage:
    """One page of a sheet, ready to render."""

    rows: tuple[Property, ...]
    total: int
    matching: int
    page: int
    pages: int


def view_sheet(properties: tuple[Property, ...], query: SheetQuery, page_size: int) -> SheetPage:
    """Filter by name and value (case-insensitive), sort with sheets first, then page."""
    needle = query.q.casefold()
    rows = [
        p
        for p in properties
        if not needle
        or needle in p.name.casefold()
        or (p.value is not None and needle in p.value.casefold())
    ]
    if query.sort == "modified":
        rows.sort(key=lambda p: p.modify_time or EPOCH, reverse=query.desc)
    else:
        rows.sort(key=lambda p: p.name.casefold(), reverse=query.desc)
    rows.sort(key=lambda p: not p.is_sheet)  # stable: sheets first, order kept within
    pages = max(1, math.ceil(len(rows) / page_size))
    page = min(query.page, pages)
    start = (page - 1) * page_size
    return SheetPage(
        tuple(rows[start : start + page_size]), len(properties), len(rows), page, pages
    )
