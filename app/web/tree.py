"""The sheet tree beside a sheet's table: one level per request, loaded when a node opens.

The page renders one node, "All sheets" (level 1). ``/tree/`` lists the roots under it
(the server and the projects, plugin projects left out: one upstream call);
``/tree/<sheet>/`` the sub-sheets of one sheet (one upstream call). Both answer list items
only (``templates/tree/_items.html``: a link per sheet, nothing more, as a level may hold
thousands) for ``static/tree.js`` to put under the node that opened; a browser asking for
them as pages is sent to the sheet itself.
"""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue

from app.cloudbees import PropertyPath
from app.cloudbees.transport import encode_segment
from app.htmx import is_htmx, redirect_to, render
from app.services import cd
from app.web.nodes import Node, node_url, pass_node

bp = Blueprint("tree", __name__)
bp.url_value_preprocessor(pass_node)


def _is_fetch() -> bool:
    """Whether the tree script (or htmx) asked: a fragment, not a page."""
    return request.headers.get("X-Tree") == "1" or is_htmx()


def _items(links: list[tuple[str, str]]) -> ResponseReturnValue:
    """Tree items, a (link, name) each; the script sets their level and state."""
    return render("tree/_items.html", items=links)


@bp.get("/tree/")
def roots() -> ResponseReturnValue:
    """The server and every project that is not a plugin's, as the tree's first level."""
    if not _is_fetch():
        return redirect_to(url_for("browse.index"))
    owners = [PropertyPath.server()]
    owners += [PropertyPath.project(p.name) for p in cd().projects.all() if not p.is_plugin]
    return _items([(node_url(o, True), o.name) for o in owners])


@bp.get("/tree/<node:path>")
def children(node: Node) -> ResponseReturnValue:
    """The sub-sheets of one sheet, by name."""
    if not _is_fetch():
        return redirect_to(node_url(node.path, True))
    prefix = node_url(node.path, True)  # one URL built; each item adds its encoded name
    links = [(f"{prefix}{encode_segment(n)}/", n) for n in cd().tree.sub_sheets(node.path)]
    return _items(links)
