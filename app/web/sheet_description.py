"""Editing the description of a nested sheet (and only that): the server's ``modifyProperty``
with ``description`` on the sheet's path, which leaves what is in the sheet as it is.

It keeps the guarantees of a property save: a plain POST form (CSRF token, works without
JavaScript; htmx swaps it into the sheet's row), the save lock held across the re-read and
the write (its lease checked before writing), no lost update (the form carries an exact
digest of the description it started from; when the server's changed meanwhile, both are
shown and the typed text is kept), the journal told through ``app.web.journaling`` (kind
sheet, action modify), and a write without an answer read back to say whether it landed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue

from app.cloudbees import CloudBeesError, NotFound, Property, PropertyPath, UpstreamUnavailable
from app.edit_lock import Lease, LockBusy
from app.htmx import is_htmx, notice, redirect_to, render
from app.logs import change
from app.services import cd
from app.web import journaling
from app.web.browse import render_row
from app.web.edit_form import Changes, FormLike, as_browsed, carried, text
from app.web.editing import LOCK_LOST_BEFORE, REFUSED, refusal, save_lock
from app.web.nodes import Node, breadcrumbs, node_url, pass_node

bp = Blueprint("sheet_description", __name__)
bp.url_value_preprocessor(pass_node)
bp.after_request(journaling.observe_the_rest)
BUSY = "Not saved: someone else is saving this sheet right now. Your text is kept; save again."
NOT_A_SHEET = "This is not a property sheet; its description is edited with its value."
CHANGED = (
    "Not saved: someone changed this description since you opened it. Theirs is shown "
    "above, yours is kept below: save yours over theirs, or keep theirs."
)


def digest(description: str) -> str:
    """The exact description an edit started from, as a short hash for a hidden field."""
    return hashlib.sha256(description.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class DescriptionForm:
    """What the description editor posts: the text typed, the description it started from
    as the browser carried it (``base``) and that description's exact ``base_digest``."""

    description: str
    base: str
    base_digest: str

    @classmethod
    def start(cls, prop: Property) -> DescriptionForm:
        """A new edit of ``prop``'s description."""
        return cls(prop.description, prop.description, digest(prop.description))

    @classmethod
    def posted(cls, form: FormLike) -> DescriptionForm:
        """Read a posted editor."""
        return cls(
            text(form.get("description")),
            text(form.get("base_description")),
            form.get("base_digest") or "",
        )

    @property
    def touched(self) -> bool:
        """The user changed the description (as the browser showed it to them)."""
        return as_browsed(self.description) != as_browsed(self.base)

    def changed_since(self, prop: Property) -> bool:
        """Someone changed the description after this edit began (exactly)."""
        return digest(prop.description) != self.base_digest

    def rebased(self, prop: Property) -> DescriptionForm:
        """The same typed text, now starting from ``prop``'s description (a conflict's
        "save mine" writes over what it was shown)."""
        return replace(self, base=prop.description, base_digest=digest(prop.description))


def sheet_path(node: Node) -> PropertyPath:
    """The nested sheet a URL names (404 for a project's own sheet or /server)."""
    if node.path.is_owner:
        abort(404)
    return node.path


def editor(
    path: PropertyPath,
    form: DescriptionForm,
    *,
    error: str = "",
    theirs: str | None = None,
    kept: bool = False,
    status: int = 200,
) -> Response:
    """The editor in the sheet's row (htmx) or on a page of its own. ``theirs``: the
    server's description in a conflict; ``kept``: a description a browser cannot carry
    (NUL, a CR without LF), shown but not editable."""
    return render(
        "browse/describe.html",
        "browse/_describe_row.html",
        path=path,
        form=form,
        error=error,
        theirs=theirs,
        kept=kept,
        crumbs=breadcrumbs(path),
        status=status,
    )


@bp.get("/describe/<node:path>")
def edit(node: Node) -> ResponseReturnValue:
    """The description editor of a nested sheet, filled with its description now."""
    path = sheet_path(node)
    prop = journaling.read(path)
    form = DescriptionForm.start(prop)
    if not prop.is_sheet:
        return editor(path, form, error=NOT_A_SHEET, kept=True, status=422)
    return editor(path, form, kept=not carried(prop.description))


@bp.post("/describe/<node:path>")
def save(node: Node) -> ResponseReturnValue:
    """Save the typed description unless someone changed it since the edit began (under
    the save lock every propdesk worker and replica shares); untouched, nothing is written."""
    path = sheet_path(node)
    form = DescriptionForm.posted(request.form)
    try:
        if not form.touched:
            now = journaling.read(path)
            return after_write(path, now, f"Nothing to save: {path.name} is unchanged.")
        with save_lock(path) as lease:
            return save_locked(path, form, lease)
    except LockBusy:
        return editor(path, form, error=BUSY, status=409)
    except NotFound:
        return gone(path, form)
    except CloudBeesError as err:  # a read failed: nothing was written
        return failed(path, form, f"Not saved: {err.message}. Your text is kept; save again.")


def save_locked(path: PropertyPath, form: DescriptionForm, lease: Lease) -> Response:
    """Re-read, compare with the edit's base, write (the caller holds the lock)."""
    current = journaling.read_to_write(path)
    if not current.is_sheet:
        return editor(path, form, error=NOT_A_SHEET, status=422)
    if current.description == form.description:
        return after_write(path, current, f"{path.name} already has this description.")
    if form.changed_since(current):
        return conflict(path, form, current)
    if not lease.held():
        return editor(path, form, error=LOCK_LOST_BEFORE, status=409)
    return write(path, form, current, lease)


def write(path: PropertyPath, form: DescriptionForm, current: Property, lease: Lease) -> Response:
    """Write the description over ``current`` and say what the server holds afterwards."""
    try:
        saved = cd().properties.modify(path, description=form.description)
    except REFUSED as err:
        return editor(path, form, error=refusal(err, sheet=path.parent), status=422)
    except NotFound:
        return gone(path, form)
    except UpstreamUnavailable as err:
        journaling.record_unknown(path, current, Changes(description=form.description))
        return unconfirmed(path, form, current, err)
    except CloudBeesError as err:
        message = f"Not saved: CloudBees CD answered {err.message}. Your text is kept."
        return failed(path, form, message)
    change(current_app.logger, "sheet.described", path=str(path))
    recorded = journaling.record(path, current, saved)
    if not lease.held():
        return lock_lost(path, form, saved)
    message = journaling.said(f"Saved the description of {path.name}.", recorded)
    return after_write(path, saved, message)


def unconfirmed(
    path: PropertyPath, form: DescriptionForm, before: Property, err: UpstreamUnavailable
) -> Response:
    """A write without an answer: read the sheet back (which settles the journal's entry of
    unknown outcome) and say whether it landed, never more than is known."""
    try:
        now = journaling.read(path)
    except NotFound:
        return gone(path, form)
    except CloudBeesError:
        message = (
            f"Could not confirm the save: {err.message}, and reading {path.name} back failed "
            "too. Your text is kept; saving again is safe (it tells you if it landed)."
        )
        return failed(path, form, message)
    if now.description == form.description:
        message = (
            f"Saved the description of {path.name}: CloudBees CD answered late ({err.message})."
        )
        return after_write(path, now, message)
    if now.description == before.description:
        message = (
            f"Not saved so far: {err.message}, and {path.name} still has the description it "
            "had (a late write may still land). Your text is kept; saving again is safe."
        )
        return failed(path, form, message)
    note = (
        f"Could not confirm the save: {err.message}, and {path.name} now has a description "
        "other than yours or the one you started from."
    )
    return conflict(path, form, now, note=note)


def lock_lost(path: PropertyPath, form: DescriptionForm, saved: Property) -> Response:
    """The write landed, but the save lock ran out during it, so another save may have
    overlapped: read the sheet back and say what it holds."""
    current_app.logger.warning("edit lock lost during the description save of %s", path)
    try:
        now = journaling.read(path)
    except CloudBeesError:
        message = (
            f"Saved the description of {path.name}, but propdesk's save lock ran out during "
            "the save and reading it back failed, so another save may have replaced it."
        )
        return notice(after_write(path, saved, message), message, "error")
    if now.description == form.description:
        message = (
            f"Saved the description of {path.name}. propdesk's save lock ran out during the "
            "save, so another save may have overlapped; the sheet has your description."
        )
        return after_write(path, now, message)
    note = (
        "Your description was written, but propdesk's save lock ran out during the save "
        f"and another save has replaced it: {path.name} now has the one shown here."
    )
    return conflict(path, form, now, note=note)


def conflict(
    path: PropertyPath, form: DescriptionForm, current: Property, *, note: str = ""
) -> Response:
    """409: the server's description and the typed one side by side; saving again writes
    the typed one over the one shown (the form now starts from it)."""
    response = editor(
        path, form.rebased(current), error=note or CHANGED, theirs=current.description, status=409
    )
    return notice(
        response, note or "Not saved: someone changed this description meanwhile.", "error"
    )


def gone(path: PropertyPath, form: DescriptionForm) -> Response:
    """409: the sheet was deleted meanwhile; the editor shows the typed text to copy."""
    message = (
        f"Not saved: someone deleted the sheet {path.name} while you were editing. Your text "
        "is still in the form; copy it if you need it."
    )
    return notice(editor(path, form, error=message, status=409), message, "error")


def failed(path: PropertyPath, form: DescriptionForm, message: str) -> Response:
    """503: the editor with the typed text and why; htmx keeps the open editor as it is."""
    response = editor(path, form, error=message, status=503)
    if is_htmx():
        response.headers["HX-Reswap"] = "none"
    return notice(response, message, "error")


def after_write(path: PropertyPath, prop: Property, message: str) -> Response:
    """The sheet's row again (htmx), or (no JavaScript) back to the parent sheet."""
    if not is_htmx():
        return notice(redirect_to(node_url(path.parent, True)), message)
    return notice(render_row(path, prop), message)
