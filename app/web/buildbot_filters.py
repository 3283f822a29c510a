"""The filters of a builder's build list, read from the URL and turned into Buildbot's
collection query (``order=-number``, ``offset``, ``limit`` and filter operators on build
fields). A branch is a property, not a build field, so there is no branch filter here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from app.buildbot import CollectionQuery, Filter
from app.buildbot.models import RESULTS
from app.web.paging import page_number

PAGE_SIZE = 20
COMPLETIONS = {"finished": True, "running": False}


@dataclass(frozen=True)
class BuildsFilter:
    """``result`` (a name of ``RESULTS`` or empty), ``completion`` (``finished``,
    ``running`` or empty) and the page number; unknown values are ignored."""

    result: str = ""
    completion: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> BuildsFilter:
        result = args.get("result", "")
        completion = args.get("completion", "")
        return cls(
            result=result if result in RESULTS else "",
            completion=completion if completion in COMPLETIONS else "",
            page=page_number(args.get("page")),
        )

    def query(self) -> CollectionQuery:
        """One page plus one build (a full extra row means there is a next page:
        Buildbot's ``meta.total`` counts only the page)."""
        filters = []
        if self.result:
            filters.append(Filter.of("results", "eq", RESULTS.index(self.result)))
        if self.completion:
            filters.append(Filter.of("complete", "eq", COMPLETIONS[self.completion]))
        return CollectionQuery(
            filters=tuple(filters),
            order=("-number",),
            offset=(self.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE + 1,
        )

    def link(self, page: int) -> str:
        """The query string of page ``page`` with the same filters."""
        args = {"result": self.result, "completion": self.completion}
        if page > 1:
            args["page"] = str(page)
        return "?" + urlencode({k: v for k, v in args.items() if v})
