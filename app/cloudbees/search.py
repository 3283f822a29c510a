"""Searching properties across a server with ``findObjects`` (reference section 9).

One results page is one ``findObjects`` call, plus (on the first page) one exact-name call
so exact hits come first. User text goes in ``contains`` filters, so ``%``, ``_`` and ``[``
need no escaping. The answer's ``totalCount`` and each result's ``path`` are the emulator's
own: without a total the page asks for one result more than it shows to know whether there
are more; a result without a path is kept but cannot be linked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from app.cloudbees.errors import ValidationError
from app.cloudbees.models import Property, as_int, as_list
from app.cloudbees.paths import PropertyPath
from app.cloudbees.transport import Auth, Json, Transport

Filter = dict[str, Any]
EXACT_HITS = 10


class ValuesNotSearchable(ValidationError):
    """The server refused a filter on values (it can search names only)."""


class MatchIn(Enum):
    """Where the text must appear."""

    NAMES = "names"
    VALUES = "values"
    BOTH = "both"


class SortBy(Enum):
    """The results' order: by name, or most recently modified first."""

    NAME = "name"
    MODIFIED = "modified"


@dataclass(frozen=True)
class SearchQuery:
    """One results page asked for: text, where it must match, where to look, which page.

    ``scope`` ``None`` searches every project and the server; ``excluded`` names projects
    left out (the plugin projects, when the user does not want them).
    """

    text: str
    match: MatchIn = MatchIn.BOTH
    scope: PropertyPath | None = None
    excluded: tuple[str, ...] = ()
    sort: SortBy = SortBy.NAME
    page: int = 1
    page_size: int = 50

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class SearchHit:
    """A matching property (or sheet), with its full path when the server gave one."""

    prop: Property
    path: PropertyPath | None
    exact: bool = False


@dataclass(frozen=True)
class SearchPage:
    """One page of results. ``total`` is ``None`` when the server gives no count (then
    ``has_more`` says whether a next page exists); ``names_only`` when the server refused
    to search values and names were searched instead."""

    query: SearchQuery
    hits: tuple[SearchHit, ...]
    total: int | None
    has_more: bool
    names_only: bool = False
    paths_missing: bool = False


def contains(field_name: str, text: str) -> Filter:
    return {"propertyName": field_name, "operator": "contains", "operand1": text}


def under(path: str) -> Filter:
    """Everything below ``path``: ``contains`` keeps the path literal, ``like`` anchors it
    at the start (a ``%`` or ``_`` in a name only widens the ``like``, not the pair)."""
    prefix = path.rstrip("/") + "/"
    return {
        "operator": "and",
        "filter": [
            contains("path", prefix),
            {"propertyName": "path", "operator": "like", "operand1": prefix + "%"},
        ],
    }


def where_filters(query: SearchQuery, match: MatchIn) -> list[Filter]:
    """The filters of a query (all must hold): the text, the scope, the left-out projects."""
    by_field = {
        MatchIn.NAMES: [contains("propertyName", query.text)],
        MatchIn.VALUES: [contains("value", query.text)],
        MatchIn.BOTH: [contains("propertyName", query.text), contains("value", query.text)],
    }[match]
    text = by_field[0] if len(by_field) == 1 else {"operator": "or", "filter": by_field}
    return [text, *place_filters(query)]


def place_filters(query: SearchQuery) -> list[Filter]:
    """Where to look: under the scope, outside the left-out projects."""
    out: list[Filter] = []
    if query.scope is not None:
        out.append(under(str(query.scope)))
    for name in query.excluded:
        out.append({"operator": "not", "filter": [under(str(PropertyPath.project(name)))]})
    return out


def filters_values(node: Any) -> bool:
    """Whether a filter (or a list of them) filters on ``value``."""
    if isinstance(node, list):
        return any(filters_values(n) for n in node)
    if isinstance(node, dict):
        return node.get("propertyName") == "value" or filters_values(node.get("filter"))
    return False


def _hit(entry: Any, exact: bool = False) -> SearchHit | None:
    """A result entry ``{"objectId", "property": {...}}``; ``None`` if it holds no property."""
    data = entry.get("property") if isinstance(entry, dict) else None
    if not isinstance(data, dict):
        return None
    path: PropertyPath | None = None
    if isinstance(data.get("path"), str):
        try:
            path = PropertyPath.parse(data["path"])
        except ValidationError:
            path = None
    return SearchHit(Property.from_json(data), path, exact)


def hits_of(data: Json) -> list[SearchHit]:
    """The results of a ``findObjects`` answer (entries without a property left out)."""
    return [h for h in map(_hit, as_list(data.get("object"))) if h is not None]


class SearchService:
    """``PUT /objects?request=findObjects`` for properties."""

    def __init__(self, transport: Transport, auth: Auth) -> None:
        self.transport = transport
        self.auth = auth

    def find(self, filters: list[Filter], *, sort: SortBy, first: int, count: int) -> Json:
        """One ``findObjects`` call: ``count`` full results from ``first`` (raw answer).
        A refusal of filters that name ``value`` is ``ValuesNotSearchable``."""
        order = {SortBy.NAME: ("propertyName", "ascending")}.get(sort, ("modifyTime", "descending"))
        body: Json = {
            "objectType": "property",
            "filter": filters,
            "sort": [{"propertyName": order[0], "order": order[1]}],
            "firstResult": first,
            "maxIds": count,
            "numObjects": count,
        }
        try:
            return self.transport.call(
                "PUT", ("objects",), auth=self.auth, params={"request": "findObjects"}, body=body
            )
        except ValidationError as err:
            if not filters_values(filters):
                raise
            raise ValuesNotSearchable(
                "This server cannot search values", status=err.status, code=err.code
            ) from err

    def search(self, query: SearchQuery) -> SearchPage:
        """A results page; where the server refuses to search values, names are searched
        and the page says so (``names_only``)."""
        try:
            return self._page(query, query.match)
        except ValuesNotSearchable:
            return replace(self._page(query, MatchIn.NAMES), names_only=True)

    def _page(self, query: SearchQuery, match: MatchIn) -> SearchPage:
        filters = where_filters(query, match)
        data = self.find(filters, sort=query.sort, first=query.first, count=query.page_size + 1)
        hits = hits_of(data)
        total = as_int(data.get("totalCount"))
        shown = hits[: query.page_size]
        if query.page == 1:
            shown = self._exact_first(query, shown)
        return SearchPage(
            query=query,
            hits=tuple(shown),
            total=total,
            has_more=len(hits) > query.page_size,
            paths_missing=any(h.path is None for h in shown),
        )

    def _exact_first(self, query: SearchQuery, hits: list[SearchHit]) -> list[SearchHit]:
        """The page's hits with properties named exactly as the text first (one call; the
        page keeps all its own hits, so none is pushed off it)."""
        exact_filter = {
            "propertyName": "propertyName",
            "operator": "equals",
            "operand1": query.text,
        }
        data = self.find(
            [exact_filter, *place_filters(query)], sort=SortBy.NAME, first=0, count=EXACT_HITS
        )
        exact = [h for e in as_list(data.get("object")) if (h := _hit(e, True)) is not None]
        ids = {h.prop.id for h in exact}
        rest = [h for h in hits if h.prop.id not in ids or h.prop.id is None]
        return exact + rest
