"""The view of a sheet a URL asks for (filter, sort, page), read from the query string."""

from __future__ import annotations

from dataclasses import dataclass

from app.cloudbees.sheets import SORTS


@dataclass(frozen=True)
class SheetQuery:
    """Filter text, sort column and direction, and page number of a sheet view."""

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
