"""The view of a sheet a URL asks for (filter, sort, page), and the URLs of its rows."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from app.cloudbees import PropertyPath
from app.cloudbees.sheets import SORTS, SliceRequest
from app.web.nodes import Node
from app.web.paging import page_number

DEFAULTS = {"q": "", "sort": "name", "dir": "asc", "page": "1", "values": "raw"}


@dataclass(frozen=True)
class SortLink:
    """A column header's link: its arrow (when the table is sorted by it) and arguments."""

    arrow: str
    args: dict[str, str]


@dataclass(frozen=True)
class SheetQuery:
    """Filter text, sort column and direction, page number of a sheet view, and whether
    it shows values raw or as the server expands them (``values=expanded``)."""

    q: str = ""
    sort: str = "name"
    desc: bool = False
    page: int = 1
    expanded: bool = False

    @classmethod
    def from_args(cls, args: dict[str, str]) -> SheetQuery:
        sort = args.get("sort", "name")
        page = page_number(args.get("page"))
        return cls(
            q=args.get("q", "").strip()[:200],
            sort=sort if sort in SORTS else "name",
            desc=args.get("dir") == "desc",
            page=page,
            expanded=args.get("values") == "expanded",
        )

    def slice_request(self, page_size: int, locate: str = "") -> SliceRequest:
        """What to ask the service for this view, with ``page_size`` rows per page (the
        page that holds ``locate``, when given and shown by the filter)."""
        return SliceRequest(self.q, self.sort, self.desc, self.page, page_size, locate)

    def args(self, **changes: object) -> dict[str, str]:
        """Query-string arguments for a link that changes some of this view."""
        merged = {
            "q": self.q,
            "sort": self.sort,
            "dir": "desc" if self.desc else "asc",
            "page": str(self.page),
            "values": "expanded" if self.expanded else "raw",
        }
        merged.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in merged.items() if v != DEFAULTS[k]}

    def sort_link(self, column: str) -> SortLink:
        """The header link of ``column``: sorted by it, a click turns the direction; else
        names sort ascending and times newest first. Always back to page 1."""
        if column == self.sort:
            arrow = " ↓" if self.desc else " ↑"
            descending = not self.desc
        else:
            arrow = ""
            descending = column == "modified"
        return SortLink(arrow, self.args(sort=column, dir="desc" if descending else "asc", page=1))


@dataclass(frozen=True)
class SheetLinks:
    """URL prefixes of a sheet's rows: a row's URL is a prefix plus its encoded name (one
    encoding per row, so a 100-row page stays cheap to render)."""

    show: str
    edit: str
    delete: str
    row: str
    history: str
    describe: str  # a sub-sheet's description editor

    @classmethod
    def of(cls, sheet: PropertyPath) -> SheetLinks:
        node = Node(sheet, True)
        return cls(
            show=url_for("browse.show", path=node),
            edit=url_for("editing.edit", path=node),
            delete=url_for("editing.confirm_delete", path=node),
            row=url_for("browse.row", path=node),
            history=url_for("history.show", path=node),
            describe=url_for("sheet_description.edit", path=node),
        )
