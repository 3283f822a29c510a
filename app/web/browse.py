"""Reading properties: the projects list, a sheet as a table, a property's page, and the
fragments htmx swaps back in (a row, a property's detail).

Every view reads the node of its URL (``app.web.nodes``), calls the service layer once and
renders a page or a fragment. Writes live in ``app.web.editing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from app import drafts, messages, read_only
from app.cloudbees import CloudBeesError, NotFound, Property, PropertyPath, ValidationError
from app.cloudbees.expanded_sheet import expanded_page
from app.cloudbees.references import broken_reference
from app.cloudbees.sheets import SheetSlice
from app.drafts import Draft
from app.htmx import is_htmx, notice, redirect_to, render
from app.services import cd, settings
from app.web import journaling
from app.web.edit_form import EditForm
from app.web.missing import missing_page
from app.web.nodes import Node, as_sheet, breadcrumbs, node_url, pass_node
from app.web.sheet_view import SheetLinks, SheetQuery

bp = Blueprint("browse", __name__)
bp.url_value_preprocessor(pass_node)
RESTORED = "Your unsaved edit is back in its form: review it, then save."


@bp.get("/browse/")
def index() -> ResponseReturnValue:
    """Projects (plugin projects behind a toggle) and the server-level sheet."""
    show_plugins = request.args.get("plugins") == "1"
    projects = [
        (p, PropertyPath.project(p.name))
        for p in cd().projects.all()
        if show_plugins or not p.is_plugin
    ]
    return render(
        "browse/index.html",
        projects=projects,
        show_plugins=show_plugins,
        server=PropertyPath.server(),
    )


@bp.get("/browse/<node:path>")
def show(node: Node) -> ResponseReturnValue:
    """A sheet's page (URL ends with ``/``) or a property's page."""
    if "view" in request.args:
        return legacy_view(node)
    try:
        return sheet_page(node.path) if node.is_sheet else property_page(node.path)
    except NotFound as err:
        if is_htmx():
            raise
        return missing_page(node.path, err)


def writes_hidden(sheet: PropertyPath) -> bool:
    """Whether this page hides the write controls of ``sheet``: CloudBees CD refused this
    login a write there (or above), and the user did not ask to try anyway (``write=1``)."""
    return request.args.get("write") != "1" and read_only.covers(sheet)


def sheet_page(path: PropertyPath) -> ResponseReturnValue:
    """A sheet as a table: one upstream call, filtered, sorted and paged here; for htmx
    (filter, sort, page links) the table alone."""
    query = SheetQuery.from_args(request.args.to_dict())
    try:
        page = read_page(path, query)
    except ValidationError:
        # Asked as a sheet, but it is a value: show it as a property instead.
        return redirect_to(node_url(path, False))
    held = page.rows if session.get(drafts.DRAFTS) else ()  # no drafts: no keys to build
    kept = {
        name: draft
        for name in (p.name for p in held)
        if (draft := drafts.take(drafts.key("edit", path.child(name)))) is not None
    }
    new_draft = drafts.take(drafts.key("new", path))
    if kept or new_draft:
        messages.say(RESTORED)
    response = render_sheet(
        path,
        page,
        query,
        drafts={name: EditForm.from_form(d) for name, d in kept.items()},
        new_draft=new_draft,
    )
    return notice(response, RESTORED) if kept or new_draft else response


def render_sheet(
    path: PropertyPath,
    page: SheetSlice,
    query: SheetQuery,
    *,
    drafts: dict[str, EditForm] | None = None,
    new_draft: Mapping[str, str] | Draft | None = None,
    error: str = "",
    status: int = 200,
    highlight: str = "",
    new_created: bool = False,
) -> Response:
    """A sheet's page (its table, with rows being edited and the new-entry form as
    given, the row named ``highlight`` marked), or for htmx its table alone
    (``new_created``: it also empties the new-entry form)."""
    return render(
        "browse/sheet.html",
        "browse/_sheet_table.html",
        path=path,
        page=page,
        query=query,
        links=SheetLinks.of(path),
        crumbs=breadcrumbs(path),
        drafts=drafts or {},
        new_draft=new_draft,
        error=error,
        status=status,
        highlight=highlight,
        new_created=new_created,
        read_only=writes_hidden(path),
        recent=journaling.recent(path, page.rows),
    )


def read_page(path: PropertyPath, query: SheetQuery, locate: str = "") -> SheetSlice:
    """The page of ``path`` that ``query`` asks for, or the one holding ``locate`` (one
    upstream call; with expanded values, see ``expanded_page`` for when it takes more)."""
    want = query.slice_request(settings().page_size, locate)
    if query.expanded:
        return expanded_page(cd().properties, path, want)
    return cd().properties.sheet_page(path, want)


def property_page(path: PropertyPath) -> ResponseReturnValue:
    """A property's page: its value, the server's expansion of it, its fields; with the
    editor open when a draft of it was kept."""
    prop = journaling.read(path)
    if prop.is_sheet:
        return sheet_without_slash(path)
    draft = drafts.take(drafts.key("edit", path))
    if draft:
        messages.say(RESTORED)
    response = render(
        "browse/property.html",
        path=path,
        prop=prop,
        crumbs=breadcrumbs(path),
        expanded=expanded(path, prop),
        form=EditForm.from_form(draft) if draft else None,
        read_only=writes_hidden(path.parent),
    )
    return notice(response, RESTORED) if draft else response


def sheet_without_slash(path: PropertyPath) -> ResponseReturnValue:
    """A sheet asked for without its trailing slash: htmx gets the sheet's own answer,
    a browser a redirect to the canonical URL, with the query string kept."""
    if is_htmx():
        return sheet_page(path)
    response = redirect_to(node_url(path, True, **request.args.to_dict()))
    response.vary.add("HX-Request")
    return response


@bp.get("/detail/<node:path>")
def detail(node: Node) -> ResponseReturnValue:
    """A property's detail section (what "Cancel" and "Take theirs" swap back in)."""
    if not is_htmx():
        return redirect(node_url(node.path, False))
    prop = cd().properties.get(node.path)
    return render(
        "browse/_detail.html", path=node.path, prop=prop, expanded=expanded(node.path, prop)
    )


@bp.get("/row/<node:path>")
def row(node: Node) -> ResponseReturnValue:
    """A property's or sub-sheet's row in its parent table."""
    if not is_htmx():
        return redirect(node_url(node.path.parent, True))
    prop = cd().properties.get(node.path)
    return render_row(node.path, prop)


def render_row(
    path: PropertyPath, prop: Property, *, confirm: bool = False, count: int | None = None
) -> Response:
    """One row of its sheet's table; ``confirm`` turns it into a delete prompt (``count``:
    how many properties a sheet being deleted holds)."""
    return render(
        "browse/_row.html",
        prop=prop,
        links=SheetLinks.of(path.parent),
        confirm=confirm,
        count=count,
    )


@dataclass(frozen=True)
class Expanded:
    """The server's resolution of a value's ``$[...]`` references, or why it failed."""

    value: str | None = None
    broken: str = ""
    error: str = ""


def expanded(path: PropertyPath, prop: Property) -> Expanded | None:
    """The expanded value of a property holding references (one more read), or which
    reference is broken (checked in the raw value), or the server's message as it is."""
    if not prop.has_references:
        return None
    try:
        return Expanded(value=cd().properties.get(path, expand=True).value)
    except NotFound as err:
        broken = broken_reference(cd().properties, prop.value or "")
        return Expanded(broken=broken) if broken else Expanded(error=err.message)
    except CloudBeesError as err:
        if err.status == 401:
            raise
        return Expanded(error=err.message)


LEGACY_VIEWS = {
    "edit": "editing.edit",
    "new": "editing.new",
    "confirm-delete": "editing.confirm_delete",
    "row": "browse.row",
    "detail": "browse.detail",
}


def legacy_view(node: Node) -> ResponseReturnValue:
    """``/browse/<path>?view=...`` URLs of earlier versions: redirect to the action's own
    URL, keeping the other arguments."""
    endpoint = LEGACY_VIEWS.get(request.args.get("view", ""))
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "view"}
    if endpoint is None:
        return redirect(node_url(node.path, node.is_sheet, **args))
    target = as_sheet(node.path) if node.is_sheet else node.path
    return redirect(url_for(endpoint, path=target, **args))


__all__ = ["bp", "expanded", "read_page", "render_row", "render_sheet"]
