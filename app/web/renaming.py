"""Rename a property or a sheet in place (the server's ``modifyProperty newName``): one write
that keeps the property's id and what is in a sheet, so it is not a plan of the engine.
It still goes preview -> apply: the preview carries the state it showed, the apply takes
the save lock of both names, re-reads, and renames only if nothing changed since. The
journal gets the old name's delete and the new name's create under one change set, through
``app.web.journaling`` like every page write; a rename that gets no answer is journaled as of
unknown outcome and read back (which settles it) to say whether it landed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace

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
from app.edit_lock import Lease, LockBusy
from app.htmx import notice, redirect_to, render
from app.journal import Outcome
from app.logs import change
from app.services import cd
from app.web import journaling
from app.web.edit_form import fingerprint
from app.web.editing import refusal, save_lock
from app.web.nodes import Node, breadcrumbs, node_url, pass_node

bp = Blueprint("renaming", __name__)
bp.url_value_preprocessor(pass_node)
bp.after_request(journaling.observe_the_rest)
CHANGED = "Not renamed: it changed since you opened this page. Here it is as it is now."
BUSY = "Not renamed: someone is saving it in propdesk right now. Try again."
LOCK_LOST = (
    "Not renamed: propdesk's save lock ran out before the write, so nothing was written. Try again."
)
Reader = Callable[[PropertyPath], Property]


class Refused(Exception):
    """What a rename cannot do, in words for the page."""


def current(path: PropertyPath, read: Reader = journaling.read) -> Property:
    """The property as the server holds it now, read by ``read`` (shown to the journal;
    ``Refused`` when it is gone)."""
    if path.is_owner:
        raise Refused("A project's own sheet (or /server) has no name to change here.")
    try:
        return read(path)
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


@contextmanager
def both_locks(path: PropertyPath, renamed: PropertyPath) -> Iterator[list[Lease]]:
    """The save locks of the old and the new name, taken in one order (no deadlock)."""
    with ExitStack() as locks:
        yield [locks.enter_context(save_lock(each)) for each in sorted((path, renamed), key=str)]


@bp.post("/rename/<node:path>")
def rename(node: Node) -> ResponseReturnValue:
    """Rename if the property is still as the page showed it, under both names' locks."""
    path, name = node.path, request.form.get("name", "").strip()
    try:
        renamed = new_path(path, name)
        with both_locks(path, renamed) as leases:
            return rename_locked(path, name, renamed, leases)
    except LockBusy:
        return again(path, name, BUSY, 409)
    except Refused as err:
        return again(path, name, str(err), 422)
    except CloudBeesError as err:  # the re-read failed: nothing was written
        return again(path, name, f"Not renamed: {err.message}", 503)


def rename_locked(
    path: PropertyPath, name: str, renamed: PropertyPath, leases: list[Lease]
) -> Response:
    """Re-read, compare with what the form showed, rename (the caller holds both locks)."""
    prop = current(path, journaling.read_to_write)
    if fingerprint(prop) != request.form.get("basis"):
        return page(path, prop, name, error=CHANGED, status=409)
    if not all(lease.held() for lease in leases):
        return page(path, prop, name, error=LOCK_LOST, status=409)
    try:
        after = cd().properties.modify(path, new_name=name)
    except UpstreamUnavailable as err:
        return unconfirmed(path, prop, renamed, err)
    except NotFound:
        raise Refused(f"There is nothing at {path} any more.") from None
    except CloudBeesError as err:
        return page(path, prop, name, error=refusal(err, "renamed", path.parent), status=422)
    change(current_app.logger, "property.renamed", path=str(path), to=str(renamed))
    recorded = journaling.record_set([(path, prop, None), (renamed, None, after)])
    message = journaling.said(f"Renamed {path.name} to {name}.", recorded)
    return notice(redirect_to(node_url(renamed, prop.is_sheet)), message)


def unconfirmed(
    path: PropertyPath, before: Property, renamed: PropertyPath, err: UpstreamUnavailable
) -> Response:
    """A rename without an answer: journaled as of unknown outcome, then both names read
    back (which settles those entries) to say whether it landed (the caller holds the
    locks)."""
    intended = replace(before, name=renamed.name, modify_time=None)
    writes = [(path, before, None), (renamed, None, intended)]
    recorded = journaling.record_set(writes, outcome=Outcome.UNKNOWN)
    try:
        old, new = journaling.read_or_none(path), journaling.read_or_none(renamed)
    except CloudBeesError:
        old = new = None
    if old is None and new is not None:
        message = journaling.said(
            f"Renamed {path.name} to {renamed.name}: CloudBees CD answered late ({err.message}).",
            recorded,
        )
        return notice(redirect_to(node_url(renamed, new.is_sheet)), message)
    if old is not None and new is None:
        message = (
            f"Not renamed so far: {err.message}, and {path.name} still has its name (a late "
            "rename may still land). Look at the sheet before you try again."
        )
        return page(path, old, renamed.name, error=message, status=503)
    message = (
        f"Could not confirm the rename: {err.message}, and reading {path.name} and "
        f"{renamed.name} back did not tell. Look at the sheet before you try again."
    )
    return page(path, old, renamed.name, error=message, status=503)


def again(path: PropertyPath, name: str, error: str, status: int) -> Response:
    """The form again with ``error``, the name typed kept, the property as it is now."""
    try:
        prop: Property | None = current(path)
    except (Refused, CloudBeesError):
        prop = None
    return page(path, prop, name, error=error, status=status)
