"""Browse URLs <-> property paths. ``/browse/projects/P/ci/`` is a sheet (trailing slash),
``/browse/projects/P/ci/version`` a property; every segment is percent-encoded on its own,
and read back from the raw request target, so a name holding ``/`` or ``?`` stays whole."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from flask import request, url_for

from app.cloudbees import PropertyPath, ValidationError
from app.cloudbees.transport import encode_segment

PREFIX = "/browse/"


@dataclass(frozen=True)
class Node:
    """What a browse URL names: a path, and whether it was asked for as a sheet."""

    path: PropertyPath
    is_sheet: bool


def node_url(path: PropertyPath, sheet: bool, **query: str | int) -> str:
    """The permalink of a node (with this app's path prefix)."""
    url = url_for("browse.index") + "/".join(encode_segment(s) for s in path.segments)
    if sheet:
        url += "/"
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode({k: v for k, v in query.items() if v not in ("", None)})
    return url


def current_node() -> Node | None:
    """The node of this request, read from the undecoded request target."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    path = raw.split("?", 1)[0]
    marker = path.find(PREFIX)
    if marker < 0:
        return None
    rest = path[marker + len(PREFIX) :]
    segments = rest.split("/")
    is_sheet = segments[-1] == ""
    if is_sheet:
        segments = segments[:-1]
    try:
        decoded = tuple(unquote(s, errors="strict") for s in segments)
        node_path = PropertyPath(decoded)
    except (UnicodeDecodeError, ValidationError):
        return None
    return Node(node_path, is_sheet or node_path.is_owner)


def breadcrumbs(path: PropertyPath) -> list[tuple[str, str]]:
    """(label, url) pairs from the browse root down to ``path``."""
    crumbs = [("Browse", url_for("browse.index"))]
    owner = PropertyPath(path.segments[: path.owner_length])
    label = "server" if owner.segments[0] == "server" else owner.segments[1]
    crumbs.append((label, node_url(owner, True)))
    current = owner
    for name in path.names:
        current = current.child(name)
        crumbs.append((name, node_url(current, True)))
    return crumbs
