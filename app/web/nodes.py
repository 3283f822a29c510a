"""Property URLs <-> property paths.

``/browse/projects/P/ci/`` is a sheet (trailing slash), ``/browse/projects/P/ci/version`` a
property; every action on a node has its own prefix (``/edit/...``, ``/delete/...``) over the
same path. Every segment is percent-encoded on its own and read back from the raw request
target, so a name holding ``/`` or ``?`` stays whole. Routing sees the decoded path, in
which ``a%2F`` and ``a/`` look alike; that is why one rule per action matches sheets and
properties alike and the trailing slash is read from the raw target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from flask import Flask, abort, request, url_for
from werkzeug.routing import BaseConverter

from app.cloudbees import PropertyPath, ValidationError
from app.cloudbees.transport import encode_segment


@dataclass(frozen=True)
class Node:
    """What a property URL names: a path, and whether it was asked for as a sheet."""

    path: PropertyPath
    is_sheet: bool


class NodeConverter(BaseConverter):
    """``<node:path>``: builds a URL from a ``Node`` or a ``PropertyPath`` (a property);
    matching only checks the shape, the view gets the ``Node`` from ``node_of_request``."""

    regex = r"[^/].*"
    part_isolating = False

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: Any) -> str:
        node = value if isinstance(value, Node) else Node(value, False)
        url = "/".join(encode_segment(s) for s in node.path.segments)
        return url + "/" if node.is_sheet else url


def as_sheet(path: PropertyPath) -> Node:
    """``path`` addressed as a sheet (its URL ends with ``/``)."""
    return Node(path, True)


def node_url(path: PropertyPath, sheet: bool, **query: str | int) -> str:
    """The permalink of a node (with this app's path prefix)."""
    args: dict[str, Any] = {k: v for k, v in query.items() if v not in ("", None)}
    return url_for("browse.show", path=Node(path, sheet), **args)


def node_of_request() -> Node | None:
    """The node of this request, read from the undecoded request target after the static
    part of the matched rule (``/browse/``, ``/edit/``...)."""
    rule = request.url_rule.rule if request.url_rule else ""
    prefix = rule.split("<", 1)[0]
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    target = raw.split("?", 1)[0]
    marker = target.find(prefix) if prefix else -1
    if marker < 0:
        return None
    segments = target[marker + len(prefix) :].split("/")
    is_sheet = segments[-1] == ""
    if is_sheet:
        segments = segments[:-1]
    try:
        path = PropertyPath(tuple(unquote(s, errors="strict") for s in segments))
    except (UnicodeDecodeError, ValidationError):
        return None
    return Node(path, is_sheet or path.is_owner)


def pass_node(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """URL value preprocessor: replace the raw ``path`` argument with the ``Node``."""
    if values is not None and "path" in values:
        values.pop("path")
        node = node_of_request()
        if node is None:
            abort(404)
        values["node"] = node


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


def register_nodes(app: Flask) -> None:
    """Teach ``app``'s URL map the ``<node:...>`` converter and templates ``as_sheet``."""
    app.url_map.converters["node"] = NodeConverter
    app.add_template_filter(as_sheet)
