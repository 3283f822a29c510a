"""Search: ``/search?q=...`` across the whole server (or under one path), and "go to path".

The options live in the URL (``in``: names, values or both; ``scope``: a path; ``plugins``;
``sort``; ``page``), so a results page can be linked and reloaded. Text that reads as a
property path (``/projects/P/a``, ``projects/P/a``, ``$[/projects/P/a]``) goes straight to
that property's page when it exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from app.cloudbees import NotFound, PropertyPath, ValidationError
from app.cloudbees.search import MatchIn, SearchPage, SearchQuery, SortBy
from app.htmx import redirect_to, render
from app.services import cd
from app.web.missing import owner_exists
from app.web.nodes import node_url
from app.web.paging import page_number

bp = Blueprint("search", __name__)

MIN_TEXT = 2
MAX_TEXT = 200
PAGE_SIZE = 50
SNIPPET = 60  # characters shown either side of a value's first match
_PATH_HEADS = ("projects/", "projects[", "server/", "artifacts/", "artifactVersions/")
_REFERENCE = re.compile(r"^\$\[(/[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*)\]$")


@dataclass(frozen=True)
class SearchForm:
    """The search options read from the URL (anything unknown falls back to the default)."""

    text: str
    match: MatchIn
    scope_text: str
    plugins: bool
    sort: SortBy
    page: int

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchForm:
        match = {m.value: m for m in MatchIn}.get(args.get("in", ""), MatchIn.BOTH)
        sort = {s.value: s for s in SortBy}.get(args.get("sort", ""), SortBy.NAME)
        return cls(
            text=args.get("q", "").strip(),
            match=match,
            scope_text=args.get("scope", "").strip(),
            plugins=args.get("plugins") == "1",
            sort=sort,
            page=page_number(args.get("page")),
        )

    def problem(self) -> str:
        """Why this text cannot be searched ("" when it can)."""
        if len(self.text) > MAX_TEXT:
            return f"A search can be {MAX_TEXT} characters at most ({len(self.text)} given)."
        if len(self.text) < MIN_TEXT:
            return f"Type at least {MIN_TEXT} characters to search."
        return ""

    def scope(self) -> PropertyPath | None:
        """The scope path (``None``: everything); a bad one is a ``ValidationError``."""
        return PropertyPath.parse(_absolute(self.scope_text)) if self.scope_text else None

    def args(self, **changes: str | int) -> dict[str, str | int]:
        """The URL arguments of this search, with ``changes`` (defaults left out)."""
        out: dict[str, str | int] = {"q": self.text, "in": self.match.value}
        out.update({"scope": self.scope_text, "sort": self.sort.value, "page": self.page})
        out["plugins"] = "1" if self.plugins else ""
        out.update(changes)
        defaults = {"in": "both", "sort": "name", "page": 1, "scope": "", "plugins": ""}
        return {k: v for k, v in out.items() if defaults.get(k) != v}


def _absolute(text: str) -> str:
    return text if text.startswith("/") else "/" + text


def path_in(text: str) -> PropertyPath | None:
    """The property path ``text`` names when it reads as one (``/projects/P/a``,
    ``projects/P/a``, ``$[/projects/P/a]``), else ``None``."""
    reference = _REFERENCE.match(text)
    candidate = reference.group(1) if reference else text
    bare = candidate.lstrip("/")
    if not (bare.startswith(_PATH_HEADS) or bare == "server"):
        return None
    try:
        return PropertyPath.parse(_absolute(candidate))
    except ValidationError:
        return None


def existing_page(path: PropertyPath) -> str | None:
    """The URL of the page at ``path`` when something is there (one upstream read)."""
    try:
        if path.is_owner:
            owner_exists(path)
            return node_url(path, True)
        prop = cd().properties.get(path)
    except NotFound:
        return None
    return node_url(path, prop.is_sheet)


def plugin_projects(form: SearchForm, scope: PropertyPath | None) -> tuple[str, ...]:
    """The projects left out: plugin projects, unless asked for or searching under a path."""
    if form.plugins or scope is not None:
        return ()
    return tuple(p.name for p in cd().projects.all() if p.is_plugin)


@bp.get("/search")
def index() -> ResponseReturnValue:
    """The results page (the form alone when there is nothing to search yet)."""
    form = SearchForm.from_args(request.args.to_dict())
    problem = form.problem()
    if problem:
        status = 422 if len(form.text) > MAX_TEXT else 200
        return _render(form, message=problem, status=status)
    target = path_in(form.text)
    if target is not None:
        url = existing_page(target)
        if url is not None:
            return redirect_to(url)
    try:
        scope = form.scope()
        query = SearchQuery(
            form.text,
            match=form.match,
            scope=scope,
            excluded=plugin_projects(form, scope),
            sort=form.sort,
            page=form.page,
            page_size=PAGE_SIZE,
        )
        results = cd().search.search(query)
    except ValidationError as err:
        return _render(form, message=f"This search cannot run: {err.message}", status=422)
    return _render(form, results=results, missing_path=target)


def _render(
    form: SearchForm,
    *,
    results: SearchPage | None = None,
    message: str = "",
    status: int = 200,
    missing_path: PropertyPath | None = None,
) -> ResponseReturnValue:
    return render(
        "search/results.html",
        "search/_results.html",
        form=form,
        results=results,
        message=message,
        status=status,
        failed=status >= 400,
        missing_path=missing_path,
        max_text=MAX_TEXT,
    )


@bp.app_template_filter("matches")
def matches(text: str | None, needle: str, around: int = 0) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is-a-match) pieces, ignoring case, for ``<mark>`` in a
    template (which escapes every part). With ``around``, only a snippet from ``around``
    characters before the first match to as many after the last shown, with ``…``."""
    if not text:
        return []
    if not needle:
        return [(text, False)]
    if around:
        text = snippet(text, needle, around)
    pattern = re.compile(re.escape(needle), re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    at = 0
    for found in pattern.finditer(text):
        if found.start() > at:
            pieces.append((text[at : found.start()], False))
        pieces.append((found.group(0), True))
        at = found.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def snippet(text: str, needle: str, around: int) -> str:
    """The part of ``text`` around the first match of ``needle`` (its start when none)."""
    found = re.search(re.escape(needle), text, re.IGNORECASE)
    start = max(0, found.start() - around) if found else 0
    end = min(len(text), (found.end() if found else 0) + around)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
