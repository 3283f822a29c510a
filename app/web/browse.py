"""The property browser and editor: sheets, properties, click-to-edit, create, delete.

Views parse the request, call the service layer once (twice where a re-read guards against
lost updates) and render a full page or an htmx fragment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, request, session
from flask.typing import ResponseReturnValue

from app.cloudbees import (
    CloudBeesError,
    Conflict,
    NotFound,
    PermissionDenied,
    Property,
    PropertyPath,
    ValidationError,
)
from app.cloudbees.paths import check_property_name
from app.cloudbees.sheets import SheetSlice
from app.edit_lock import EditLocks, LockBusy
from app.htmx import is_htmx, notice, redirect_to, render
from app.login_state import DRAFTS
from app.logs import change
from app.web.nodes import Node, breadcrumbs, current_node, node_url
from app.web.sheet_view import SheetQuery

bp = Blueprint("browse", __name__)
ROW = "row"
DETAIL = "detail"


@dataclass(frozen=True)
class EditForm:
    """What an editor posts: the new text and the state it started from."""

    value: str
    description: str
    expandable: bool
    base_value: str
    base_description: str
    base_expandable: bool
    base_modified: str

    @classmethod
    def from_form(cls, form: Any) -> EditForm:
        return cls(
            value=_text(form.get("value", "")),
            description=_text(form.get("description", "")),
            expandable=form.get("expandable") == "1",
            base_value=_text(form.get("base_value", "")),
            base_description=_text(form.get("base_description", "")),
            base_expandable=form.get("base_expandable") == "1",
            base_modified=form.get("base_modified", ""),
        )

    @classmethod
    def start(cls, prop: Property) -> EditForm:
        value = prop.value or ""
        return cls(
            value,
            prop.description,
            prop.expandable,
            value,
            prop.description,
            prop.expandable,
            _stamp(prop),
        )

    def changed_since(self, current: Property) -> bool:
        """Someone else changed the property after this edit began (values compared with
        line ends normalised, as the browser sends them)."""
        return (
            _text(current.value or "") != self.base_value
            or current.description != self.base_description
            or current.expandable != self.base_expandable
        )


def _text(raw: str) -> str:
    """Browsers send CRLF in textareas; the value keeps the user's own line breaks as LF."""
    return raw.replace("\r\n", "\n")


def _stamp(prop: Property) -> str:
    return prop.modify_time.isoformat() if prop.modify_time else ""


def _draft_key(path: PropertyPath, kind: str = "edit") -> str:
    return f"{kind}:{path}"


def _take_draft(key: str) -> dict[str, str] | None:
    drafts = session.get(DRAFTS)
    if not drafts or key not in drafts:
        return None
    remaining = dict(drafts)
    draft = remaining.pop(key)
    session[DRAFTS] = remaining
    return dict(draft)


# -- pages ---------------------------------------------------------------------------------
@bp.get("/browse/")
def index() -> ResponseReturnValue:
    """Projects (plugin projects behind a toggle) and the server-level sheet."""
    show_plugins = request.args.get("plugins") == "1"
    projects = [p for p in g.cd.projects.all() if show_plugins or not p.is_plugin]
    return render(
        "browse/index.html",
        projects=projects,
        show_plugins=show_plugins,
        node_url=node_url,
        PropertyPath=PropertyPath,
    )


@bp.route("/browse/<path:rest>", methods=["GET", "POST", "DELETE"])
def node(rest: str) -> ResponseReturnValue:
    """Every sheet and property below ``/browse/``."""
    found = current_node()
    if found is None:
        abort(404)
    if request.method == "DELETE":
        return delete(found)
    if request.method == "POST":
        return create(found) if found.is_sheet else save(found)
    view = request.args.get("view", "")
    if view in ("confirm-delete", ROW):
        return entry(found.path, view)
    if found.is_sheet:
        if view == "new":
            return new_form(found.path, request.args.get("kind", "value"))
        return sheet(found.path)
    return property_view(found.path, view)


def sheet(path: PropertyPath) -> ResponseReturnValue:
    """A sheet as a table: one upstream call, filtered, sorted and paged here."""
    query = SheetQuery.from_args(request.args.to_dict())
    try:
        page = _page(path, query)
    except ValidationError:
        # Asked as a sheet, but it is a value: show it as a property instead.
        return redirect_to(node_url(path, False))
    drafts = {
        name: draft
        for name in (p.name for p in page.rows)
        if (draft := _take_draft(_draft_key(path.child(name)))) is not None
    }
    new_draft = _take_draft(_draft_key(path, "new"))
    response = render(
        "browse/sheet.html",
        "browse/_sheet_table.html",
        path=path,
        page=page,
        query=query,
        crumbs=breadcrumbs(path),
        drafts=drafts,
        new_draft=new_draft,
        **_helpers(),
    )
    if drafts or new_draft:
        notice(response, "Your unsaved edit is back in its form: review it, then save.")
    return response


def _page(path: PropertyPath, query: SheetQuery) -> SheetSlice:
    return g.cd.properties.sheet_page(  # type: ignore[no-any-return]
        path,
        needle=query.q,
        sort=query.sort,
        descending=query.desc,
        page=query.page,
        page_size=current_app.config["PROPDESK"].page_size,
    )


def property_view(path: PropertyPath, view: str) -> ResponseReturnValue:
    """A property's detail page, or one of its fragments (editor, detail view)."""
    ctx = request.args.get("ctx", DETAIL)
    prop = g.cd.properties.get(path)
    if prop.is_sheet and view == "":
        return redirect_to(node_url(path, True))
    if view == "edit":
        return _editor(path, prop, EditForm.start(prop), ctx)
    if view == DETAIL:
        return render(
            "browse/_detail.html",
            path=path,
            prop=prop,
            expanded=_expanded(path, prop),
            **_helpers(),
        )
    draft = _take_draft(_draft_key(path))
    response = render(
        "browse/property.html",
        path=path,
        prop=prop,
        crumbs=breadcrumbs(path),
        expanded=_expanded(path, prop),
        draft=draft,
        form=EditForm.from_form(draft) if draft else None,
        **_helpers(),
    )
    if draft:
        notice(response, "Your unsaved edit is back in its form: review it, then save.")
    return response


def entry(path: PropertyPath, view: str) -> ResponseReturnValue:
    """A property's or sub-sheet's row in its parent table, or its delete prompt (for a
    sheet, with how many properties it holds: one recursive read, only when deleting)."""
    prop = g.cd.properties.get(path)
    count = None
    if view == "confirm-delete" and prop.is_sheet:
        count = _count(g.cd.properties.sheet(path, recurse=True).properties)
    return render(
        "browse/_row.html",
        path=path.parent,
        prop=prop,
        confirm=view != ROW,
        count=count,
        **_helpers(),
    )


def _count(props: tuple[Property, ...]) -> int:
    return sum(1 + (_count(p.sheet.properties) if p.sheet else 0) for p in props)


@dataclass(frozen=True)
class Expanded:
    """The server's resolution of a value's ``$[...]`` references, or why it failed."""

    value: str | None = None
    broken: str = ""
    error: str = ""


def _expanded(path: PropertyPath, prop: Property) -> Expanded | None:
    if not prop.has_references:
        return None
    try:
        return Expanded(value=g.cd.properties.get(path, expand=True).value)
    except NotFound as err:
        found = re.search(r"'([^']+)'", err.message)
        return Expanded(broken=found.group(1) if found else err.message)
    except CloudBeesError as err:
        if err.status == 401:
            raise
        return Expanded(error=err.message)


@bp.app_template_filter("draft_form")
def draft_form(draft: dict[str, str]) -> EditForm:
    """An editor's fields from a draft kept across a login."""
    return EditForm.from_form(draft)


def _helpers() -> dict[str, Any]:
    return {"node_url": node_url, "ROW": ROW, "DETAIL": DETAIL}


# -- editing -------------------------------------------------------------------------------
def _editor(
    path: PropertyPath,
    prop: Property,
    form: EditForm,
    ctx: str,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    template = "browse/_row_edit.html" if ctx == ROW else "browse/_detail_edit.html"
    return render(
        template,
        path=path,
        prop=prop,
        form=form,
        ctx=ctx,
        error=error,
        draft_key=_draft_key(path),
        status=status,
        **_helpers(),
    )


def _after_write(path: PropertyPath, prop: Property, ctx: str, message: str) -> Response:
    if ctx == ROW:
        response = render(
            "browse/_row.html", path=path.parent, prop=prop, confirm=False, count=None, **_helpers()
        )
    else:
        response = render(
            "browse/_detail.html",
            path=path,
            prop=prop,
            expanded=_expanded(path, prop),
            **_helpers(),
        )
    return notice(response, message)


def save(node: Node) -> ResponseReturnValue:
    """Save an edit unless someone changed the property since the edit began. The re-read
    and the write happen under a lock shared by every propdesk worker and replica."""
    path = node.path
    ctx = request.form.get("ctx", DETAIL)
    form = EditForm.from_form(request.form)
    locks: EditLocks = current_app.extensions["propdesk.locks"]
    try:
        with locks.hold(f"{current_app.config['PROPDESK'].cd_url}|{path}"):
            return _save_locked(path, ctx, form)
    except LockBusy:
        current = g.cd.properties.get(path)
        return _editor(
            path,
            current,
            form,
            ctx,
            status=409,
            error="Not saved: someone else is saving this property right now. "
            "Your text is kept; save again in a moment.",
        )


def _save_locked(path: PropertyPath, ctx: str, form: EditForm) -> Response:
    current = g.cd.properties.get(path)
    if current.is_sheet:
        return _editor(
            path,
            current,
            form,
            ctx,
            status=422,
            error="This is a property sheet now; it has no value to edit.",
        )
    if form.changed_since(current) and request.form.get("force") != "1":
        response = render(
            "browse/_conflict.html",
            path=path,
            prop=current,
            form=form,
            theirs=EditForm.start(current),
            ctx=ctx,
            draft_key=_draft_key(path),
            status=409,
            **_helpers(),
        )
        return notice(response, "Not saved: someone changed this property meanwhile.", "error")
    value = form.value
    if current.value and "\r\n" in current.value and "\n" not in current.value.replace("\r\n", ""):
        value = value.replace("\n", "\r\n")  # the value used CRLF line ends: keep them
    try:
        saved = g.cd.properties.set(
            path, value, description=form.description, expandable=form.expandable
        )
    except (PermissionDenied, ValidationError, Conflict) as err:
        return _editor(path, current, form, ctx, status=422, error=_refusal(err))
    change(
        current_app.logger, "property.saved", path=str(path), forced=bool(request.form.get("force"))
    )
    if saved.modify_time is None or saved.value is None:  # a PUT answer with only some fields
        saved = g.cd.properties.get(path)
    return _after_write(path, saved, ctx, f"Saved {path.name}.")


def _refusal(err: CloudBeesError) -> str:
    if isinstance(err, PermissionDenied):
        return f"Not saved: {g.user} may not change properties here ({err.message})."
    return f"Not saved: {err.message}"


def new_form(path: PropertyPath, kind: str) -> ResponseReturnValue:
    kind = "sheet" if kind == "sheet" else "value"
    return render(
        "browse/_new_form.html",
        path=path,
        kind=kind,
        values={},
        error="",
        draft_key=_draft_key(path, "new"),
        **_helpers(),
    )


def create(node: Node) -> ResponseReturnValue:
    """Create a property or a sheet in this sheet; the table comes back re-read."""
    path = node.path
    kind = "sheet" if request.form.get("kind") == "sheet" else "value"
    values = {k: _text(request.form.get(k, "")) for k in ("name", "value", "description")}
    values["expandable"] = "1" if request.form.get("expandable") == "1" else "0"
    values["kind"] = kind
    try:
        name = check_property_name(values["name"].strip())
        target = path.child(name)
        if kind == "sheet":
            g.cd.properties.create_sheet(target, description=values["description"])
        else:
            g.cd.properties.create(
                target,
                values["value"],
                description=values["description"],
                expandable=values["expandable"] == "1",
            )
    except (ValidationError, Conflict, PermissionDenied) as err:
        response = render(
            "browse/_new_form.html",
            path=path,
            kind=kind,
            values=values,
            error=_refusal(err),
            draft_key=_draft_key(path, "new"),
            status=422,
            **_helpers(),
        )
        response.headers["HX-Retarget"] = "#new-form"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    change(current_app.logger, "property.created", path=str(target), kind=kind)
    if not is_htmx():
        return redirect_to(node_url(path, True))
    query = SheetQuery.from_args({**request.args.to_dict(), **request.form.to_dict()})
    page = _page(path, query)
    response = render(
        "browse/_sheet_table.html",
        path=path,
        page=page,
        query=query,
        drafts={},
        new_created=True,
        **_helpers(),
    )
    label = "sheet" if kind == "sheet" else "property"
    return notice(response, f"Created {label} {name}.")


def delete(node: Node) -> ResponseReturnValue:
    """Delete a property, or a sheet with everything in it."""
    path = node.path
    if path.is_owner:
        abort(405)
    try:
        g.cd.properties.delete(path)
    except PermissionDenied as err:
        response = Response("", 403)
        response.headers["HX-Reswap"] = "none"
        return notice(response, _refusal(err).replace("Not saved", "Not deleted"), "error")
    except NotFound:
        pass  # already gone: the row goes away all the same
    else:
        change(current_app.logger, "property.deleted", path=str(path))
    if request.args.get("ctx") == DETAIL or not is_htmx():
        response = redirect_to(node_url(path.parent, True))
    else:
        response = Response("", 200)
    return notice(response, f"Deleted {path.name}.")
