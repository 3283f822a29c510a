"""``GET /api/v1/search?q=``: properties whose name or value holds the text, across the
server or under ``scope`` (the search pages' ``findObjects`` service). A key with path
prefixes searches inside them only."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api import upstream
from app.api.access import allow, current_key
from app.api.blueprint import bp
from app.api.collections import bad, count_parameter
from app.api.inputs import only, property_path
from app.api.representation import property_json
from app.cloudbees import PropertyPath
from app.cloudbees.search import MatchIn, SearchPage, SearchQuery
from app.services import cd

MIN_TEXT = 2
MAX_TEXT = 200
MAX_PAGE_SIZE = 100


def search_scope() -> PropertyPath | None:
    """The ``scope`` asked for (checked against the key), or the key's only prefix."""
    raw = request.args.get("scope")
    if raw:
        scope = property_path(raw.lstrip("/"))
        allow(scope, write=False)
        return scope
    key = current_key()
    if not key.prefixes:
        return None
    if len(key.prefixes) == 1:
        return PropertyPath.parse(key.prefixes[0])
    raise bad("This key has several path prefixes: give a 'scope' inside one of them")


def search_query() -> SearchQuery:
    only(("q", "in", "scope", "page", "limit"))
    text = request.args.get("q", "")
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise bad(f"'q' is {MIN_TEXT} to {MAX_TEXT} characters, not {len(text)}")
    try:
        match = MatchIn(request.args.get("in", "both"))
    except ValueError:
        raise bad("'in' is names, values or both") from None
    page = count_parameter(request.args, "page", 1, 10**6)
    if page < 1:
        raise bad("'page' counts from 1")
    size = count_parameter(request.args, "limit", 50, MAX_PAGE_SIZE)
    if size < 1:
        raise bad("'limit' is at least 1")
    return SearchQuery(text, match, search_scope(), page=page, page_size=size)


def page_json(found: SearchPage) -> dict[str, object]:
    rows = [
        {**property_json(hit.path, hit.prop), "exact": hit.exact}
        for hit in found.hits
        if hit.path is not None
    ]
    meta = {"total": found.total, "hasMore": found.has_more, "namesOnly": found.names_only}
    return {"properties": rows, "meta": meta}


@bp.get("/search")
def search() -> ResponseReturnValue:
    """One page of results (``page`` from 1, ``limit`` up to 100; ``meta.total`` is
    ``null`` when the server gives no count, then ``meta.hasMore`` says if more follow)."""
    query = search_query()
    found = upstream.run(current_key(), lambda: cd().search.search(query))
    return jsonify(page_json(found))
