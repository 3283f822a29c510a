"""Rename a property or a sheet in place (the server's ``modifyProperty newName``): one write
that keeps the property's id and what is in a sheet, so it is not a plan of the engine.
It still goes preview -> apply: the preview carries the state it showed, the apply takes
the save lock of both names, re-reads, and renames only if nothing changed since; the
journal gets the old name's delete and the new name's create under one change set."""

from __future__ import annotations

from contextlib import ExitStack

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from app.cloudbees import (
    CloudBeesError,
    NotFound,
    Property,
    PropertyPath,
    UpstreamUnavailable,
    ValidationError,
)
from app.edit_lock import LockBusy
from app.htmx import notice, redirect_to, render
from app.journal import Change, new_change_set
from app.services import cd, services
from app.web import journaling
from app.web.edit_form import fingerprint
from app.web.editing import save_lock
from app.web.nodes import Node, breadcrumbs, node_url, pass_node

bp = Blueprint("renaming", __name__)
bp.url_value_preprocessor(pass_node)
CHANGED = "Not renamed: it changed since you opened this page. Here it is as it is now."
UNANSWERED = (
    "No answer from CloudBees CD ({}): the rename may or may not have landed. "
    "Look at the sheet before you try again."
)
BUSY = "Not renamed: someone is saving it in propdesk right now. Try again."


class Refused(Exception):
    """What a rename cannot do, in words for the page."""


def current(path: PropertyPath) -> Property:
    """The property as the server holds it now (``Refused`` when it is gone)."""
    if path.is_owner:
        raise Refused("A project's own sheet (or /server) has no name to change here.")
    try:
        return cd().properties.get(path)
    except NotFound:
        raise Refused(f"There is nothing at {path} any more.") from None


def new_path(path: PropertyPath, name: str) -> PropertyPath:
    """The path the property gets (``Refused`` for a bad or unchanged name)."""
    try:
        renamed = path.parent.child(name)
    except ValidationError as err:
        raise Refused(f"The new name: {err.message}") from None
    if renamed == path:
        raise Refused("The new name is the name it has.")
    return renamed


@bp.get("/rename/<node:path>")
def form(node: Node) -> ResponseReturnValue:
    """The rename form with the property as it is now (its state is what apply checks)."""
    try:
        prop = current(node.path)
    except Refused as err:
        return page(node.path, None, "", error=str(err), status=422)
    return page(node.path, prop, node.path.name)


def page(
    path: PropertyPath, prop: Property | None, name: str, *, error: str = "", status: int = 200
) -> Response:
    """The rename form with the property as it is now (its fingerprint is what apply checks)."""
    basis = fingerprint(prop) if prop else ""
    return render(
        "changes/rename.html",
        path=path,
        prop=prop,
        name=name,
        basis=basis,
        error=error,
        crumbs=breadcrumbs(path),
        status=status,
    )


@bp.post("/rename/<node:path>")
def rename(node: Node) -> ResponseReturnValue:
    """Rename if the property is still as the page showed it, under both names' locks."""
    path, name = node.path, request.form.get("name", "").strip()
    try:
        renamed = new_path(path, name)
        with ExitStack() as locks:
            for each in sorted((path, renamed), key=str):  # one order: no deadlock
                locks.enter_context(save_lock(each))
            prop = current(path)
            if fingerprint(prop) != request.form.get("basis"):
                return page(path, prop, name, error=CHANGED, status=409)
            after = cd().properties.modify(path, new_name=name)
    except LockBusy:
        return again(path, name, BUSY, 409)
    except Refused as err:
        return again(path, name, str(err), 422)
    except UpstreamUnavailable as err:
        return again(path, name, UNANSWERED.format(err.message), 504)
    except CloudBeesError as err:
        return again(path, name, f"Not renamed: {err.message}", 422)
    recorded = journal(path, prop, renamed, after)
    message = journaling.said(f"Renamed {path.name} to {name}.", recorded)
    return notice(redirect_to(node_url(renamed, prop.is_sheet)), message)


def again(path: PropertyPath, name: str, error: str, status: int) -> Response:
    """The form again with ``error``, the name typed kept, the property as it is now."""
    try:
        prop: Property | None = current(path)
    except (Refused, CloudBeesError):
        prop = None
    return page(path, prop, name, error=error, status=status)


def journal(path: PropertyPath, before: Property, renamed: PropertyPath, after: Property) -> bool:
    """The old name deleted and the new one created, as one change set."""
    change_set, who = new_change_set(), journaling.actor()
    changes = [
        Change.between(path, before, None, who, change_set=change_set),
        Change.between(renamed, None, after, who, change_set=change_set),
    ]
    try:
        services().journal.record(changes)
    except Exception as err:  # the rename has landed: say it was not recorded, never a 500
        current_app.logger.warning("journal record failed for a rename of %s: %s", path, err)
        return False
    return True
