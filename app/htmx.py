"""Page-or-fragment rendering and htmx response helpers (``HX-Redirect``, ``HX-Trigger``)."""

from __future__ import annotations

import json
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request
from werkzeug.urls import iri_to_uri

from app import messages
from app.extensions import htmx

PAGE_ENDPOINTS = frozenset({"browse.show", "artifacts.index"})  # htmx GETs that push their URL


def render(
    page: str, fragment: str | None = None, /, status: int = 200, **context: Any
) -> Response:
    """A full page normally, ``fragment`` for htmx requests (not history restores); the
    answer varies on ``HX-Request`` so caches and history never mix the two."""
    use_fragment = fragment is not None and bool(htmx) and not htmx.history_restore_request
    template = fragment if use_fragment and fragment else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def header_url(url: str) -> str:
    """``url`` as a header may carry it: every character outside ASCII (and every one a URL
    may not hold) percent-encoded as UTF-8; ``%`` escapes already there are kept."""
    return iri_to_uri(url)


def redirect_to(url: str) -> Response:
    """A redirect: 200 + ``HX-Redirect`` for htmx, 303 otherwise (the URL percent-encoded
    either way: a header holds Latin-1 at most)."""
    location = header_url(url)
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return cast(Response, redirect(location, code=303))


def trigger(response: Response, event: str, detail: Any = None) -> Response:
    """Add an ``HX-Trigger`` event, merging with events already set."""
    existing = response.headers.get("HX-Trigger")
    events: dict[str, Any] = {}
    if existing:
        try:
            parsed = json.loads(existing)
            events = parsed if isinstance(parsed, dict) else {existing: None}
        except ValueError:
            events = {name.strip(): None for name in existing.split(",")}
    events[event] = detail
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def notice(response: Response, text: str, level: str = "info") -> Response:
    """Show ``text`` as a toast in the page's notice region: an htmx answer carries it as
    an event; an answer that redirects (303, or ``HX-Redirect``) keeps it for the page the
    browser lands on, where an event would be lost (``app.messages``)."""
    if response.status_code in (301, 302, 303, 307, 308) or "HX-Redirect" in response.headers:
        messages.keep(text, level)
        return response
    return trigger(response, "notice", {"level": level, "text": text})


def is_htmx() -> bool:
    return bool(htmx)


def current_page() -> str:
    """The app-relative path of the page the user is on: for htmx requests the page that
    sent them (``HX-Current-URL``), else this request's own path and query. An htmx GET of
    a page URL (a filter, sort or page link that pushes its URL) is where the user is
    going, so it counts as the page, query string and all."""
    if htmx and request.method == "GET" and request.endpoint in PAGE_ENDPOINTS:
        return str(request.full_path.rstrip("?") if request.query_string else request.path)
    current = str(htmx.current_url or "") if htmx else ""
    if current:
        parts = urlsplit(current)
        if parts.netloc == request.host:
            path: str = parts.path
            root = request.script_root
            if root and path.startswith(root):
                path = path[len(root) :] or "/"
            return path + (f"?{parts.query}" if parts.query else "")
    return str(request.full_path.rstrip("?") if request.query_string else request.path)
