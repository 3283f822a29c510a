"""A property's history (newest first, each entry with its diff) and restoring a version.

A restore writes a state from the journal back through the editor's own save
(``editing.save_form``): the same lock, re-read, conflict check and conflict view, recorded
with source ``revert``. The base is the property as the history page showed it, so a
change made since then is a conflict. Undoing a create deletes the property, after a
confirmation like a delete's, under the same lock and only if it is still as shown.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue

from app.cloudbees import NotFound, Property, PropertyPath, UpstreamUnavailable
from app.edit_lock import LockBusy
from app.htmx import notice, redirect_to, render
from app.journal import Entry, Kind, Snapshot, Source
from app.logs import change
from app.services import cd, services
from app.web import journaling
from app.web.diffs import diff
from app.web.edit_form import EditForm, FormLike, Where, fingerprint
from app.web.editing import delete_unconfirmed, save_form, save_lock
from app.web.history_view import Side, parse_choice, target, views, writable
from app.web.nodes import Node, breadcrumbs, node_url, pass_node
from app.web.paging import page_number

bp = Blueprint("history", __name__)
bp.url_value_preprocessor(pass_node)
bp.after_request(journaling.observe_the_rest)  # a restore's re-read (``save_form``)
PAGE_SIZE = 50
ABSENT = "absent"
"""The base of a restore when the history showed no property: any property is a change."""


@bp.get("/history/<node:path>")
def show(node: Node) -> ResponseReturnValue:
    """The history of a property, one page of entries, newest first."""
    path = node.path
    prop = journaling.read_or_none(path)
    page = services().journal.history(path, page_number(request.args.get("page")), PAGE_SIZE)
    current = Snapshot.of(prop) if prop else None
    return history_page("history/show.html", path, prop, page=page, views=views(page, current))


def history_page(
    template: str,
    path: PropertyPath,
    prop: Property | None,
    *,
    status: int = 200,
    **context: object,
) -> Response:
    """A page about the history of ``path``, with the property as it is now (``prop``), the
    base a restore posts (``start``: its editor's start) and the breadcrumbs."""
    start = EditForm.start(prop) if prop else None
    crumbs = breadcrumbs(path)
    return render(
        template, status=status, path=path, prop=prop, start=start, crumbs=crumbs, **context
    )


def chosen(path: PropertyPath, raw: str) -> tuple[Entry, Side]:
    """The entry and side a restore names (404 unless it is an entry of ``path``)."""
    choice = parse_choice(raw)
    found = services().journal.entry(choice[0]) if choice else None
    if choice is None or found is None or found.path != path:
        abort(404)
    return found, choice[1]


@bp.get("/restore/<node:path>")
def confirm(node: Node) -> ResponseReturnValue:
    """What a restore would write, asked first (how undoing a create is confirmed, and
    the page a restore falls back to without the history page)."""
    path = node.path
    entry, side = chosen(path, request.args.get("restore", ""))
    prop = journaling.read_or_none(path)
    base = request.args.get("base", "")
    return confirm_page(path, entry, side, prop, base)


def confirm_page(
    path: PropertyPath,
    entry: Entry,
    side: Side,
    prop: Property | None,
    base: str,
    *,
    status: int = 200,
    error: str = "",
) -> Response:
    """The confirmation of a restore: the change it makes to the property as it is now."""
    goal = target(entry, side)
    current = Snapshot.of(prop) if prop else None
    return history_page(
        "history/confirm.html",
        path,
        prop,
        entry=entry,
        side=side,
        goal=goal,
        base=base,
        changed=prop is not None and bool(base) and fingerprint(prop) != base,
        diff=diff(current, goal),
        error=error,
        status=status,
    )


@bp.post("/restore/<node:path>")
def restore(node: Node) -> ResponseReturnValue:
    """Write an entry's state back, recorded as a ``revert``: through the editor's save, or
    (undoing a create) as a delete."""
    path = node.path
    entry, side = chosen(path, request.form.get("restore", ""))
    goal = target(entry, side)
    journaling.use_restore(f"{entry.id}:{side}")  # the choice, as a form posts it
    if goal is None:
        return undo_create(path, entry, request.form.get("base_digest", ""))
    if entry.kind is Kind.SHEET or not writable(goal):
        abort(422, "This version cannot be restored: the journal keeps only a hash of its value.")
    return save_form(path, Where.DETAIL, restore_form(goal, request.form))


def restore_form(goal: Snapshot, form: FormLike) -> EditForm:
    """An edit from the state the history page showed (its posted base) to ``goal``."""
    started = EditForm.from_form(form)  # the base fields, read as every save reads them
    return replace(
        started,
        value=goal.value or "",
        description=goal.description,
        expandable=goal.expandable,
        base_digest=form.get("base_digest") or ABSENT,
        value_kept=False,  # a restore writes the journal's value, whatever the form said
    )


def undo_create(path: PropertyPath, entry: Entry, base: str) -> Response:
    """Delete the property an entry created, under the save lock, if it still holds what
    the confirmation showed; else the confirmation again with why (409)."""
    try:
        with save_lock(path) as lease:
            try:
                prop = journaling.read(path)
            except NotFound:
                response = redirect_to(url_for("history.show", path=path))
                return notice(response, f"{path.name} is already gone.")
            if fingerprint(prop) != base or not lease.held():
                why = f"Not deleted: {path.name} changed since you opened its history."
                return confirm_page(path, entry, Side.BEFORE, prop, base, status=409, error=why)
            try:
                cd().properties.delete(path)
            except UpstreamUnavailable as err:
                return delete_unconfirmed(path, prop, err)
    except LockBusy:
        why = "Not deleted: someone else is saving this property right now. Try again."
        now = journaling.read_or_none(path)
        return confirm_page(path, entry, Side.BEFORE, now, base, status=409, error=why)
    change(current_app.logger, "property.deleted", path=str(path), source=Source.REVERT.value)
    recorded = journaling.record(path, prop, None)
    response = redirect_to(node_url(path.parent, True))
    return notice(response, journaling.said(f"Deleted {path.name}.", recorded))
