"""Changing properties: the editor and its save (no lost updates), new properties and
sheets, and deleting. Each action has its own URL; every write is a plain POST form, so it
works without JavaScript, and answers htmx with the fragment to swap in.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, abort, current_app, g, request
from flask.typing import ResponseReturnValue

from app import read_only
from app.cloudbees import (
    CloudBeesError,
    Conflict,
    NotFound,
    PermissionDenied,
    Property,
    PropertyPath,
    UpstreamUnavailable,
    ValidationError,
)
from app.cloudbees.paths import check_property_name
from app.edit_lock import Lease, LockBusy
from app.htmx import current_page, header_url, is_htmx, notice, redirect_to, render, trigger
from app.logs import change
from app.services import cd, services, settings
from app.web import journaling
from app.web.browse import expanded, read_page, render_row, render_sheet
from app.web.edit_form import Changes, EditForm, Where, fingerprint, text
from app.web.nodes import Node, breadcrumbs, node_url, pass_node
from app.web.references import missing_before_save
from app.web.sheet_view import SheetQuery

bp = Blueprint("editing", __name__)
bp.url_value_preprocessor(pass_node)
bp.after_request(journaling.observe_the_rest)
REFUSED = (PermissionDenied, ValidationError, Conflict)
LEASE_MARGIN = 15.0  # seconds the save lock outlives the upstream deadline
LOCK_LOST_BEFORE = (
    "Not saved: propdesk's save lock on this property ran out before the write, so nothing "
    "was written. Your text is kept; save again."
)


def refusal(err: CloudBeesError, verb: str = "saved", sheet: PropertyPath | None = None) -> str:
    """What a person reads when the server refuses a change (decided by the error's type,
    with the server's own message). An ``AccessDenied`` in ``sheet`` is remembered for this
    login, so the sheet's pages hide their write controls from now on (``app.read_only``)."""
    if isinstance(err, PermissionDenied):
        if sheet is not None:
            read_only.remember(sheet)
            g.refused_sheet = True
        return f"Not {verb}: {g.get('user')} may not change properties here ({err.message})."
    return f"Not {verb}: {err.message}"


@bp.after_request
def tell_read_only(response: Response) -> Response:
    """An htmx answer to a write CloudBees CD refused tells the page at once to hide the
    sheet's write controls (event ``readOnly``); later pages know it by themselves."""
    if g.get("refused_sheet") and is_htmx():
        trigger(response, "readOnly", {"reason": read_only.SHEET_REASON})
    return response


# -- the editor ------------------------------------------------------------------------------
@bp.get("/edit/<node:path>")
def edit(node: Node) -> ResponseReturnValue:
    """The editor of a property, in its row (``ctx=row``) or on its page."""
    where = Where.of(request.args.get("ctx"))
    prop = journaling.read(node.path)
    return editor(node.path, prop, EditForm.start(prop), where)


def editor(
    path: PropertyPath,
    prop: Property | None,
    form: EditForm,
    where: Where,
    *,
    error: str = "",
    status: int = 200,
    gone: bool = False,
    missing: tuple[str, ...] = (),
) -> Response:
    """The editor fragment for htmx, or the property's page with the editor open. ``prop``
    (when known) shows the exact value of an editor that cannot carry it; ``gone``: the
    property was deleted, so the editor offers to create it again; ``missing``: references
    of the typed value that name no property, so it asks whether to save anyway."""
    fragment = "browse/_row_edit.html" if where is Where.ROW else "browse/_detail_edit.html"
    return render(
        "browse/property.html",
        fragment,
        path=path,
        prop=prop,
        form=form,
        ctx=where,
        error=error,
        gone=gone,
        missing=missing,
        crumbs=breadcrumbs(path),
        expanded=None,
        status=status,
    )


def save_lease() -> float:
    """Seconds the save lock lives without renewal: the upstream deadline of one request
    (every upstream call of a save fits in it) plus a margin."""
    return settings().upstream_deadline + LEASE_MARGIN


@bp.post("/edit/<node:path>")
def save(node: Node) -> ResponseReturnValue:
    """Save the fields the user changed unless someone changed the property since the edit
    began. The re-read and the write happen under a lock shared by every propdesk worker
    and replica; an unchanged form writes nothing."""
    where = Where.of(request.form.get("ctx"))
    form = EditForm.from_form(request.form)
    if not form.touched and request.form.get("recreate") != "1":
        return unchanged(node.path, where, form)
    if missing := missing_before_save(form, request.form):  # "save anyway?" first
        gone = request.form.get("recreate") == "1"
        return editor(node.path, None, form, where, status=422, gone=gone, missing=missing)
    return save_form(node.path, where, form)


def save_lock(path: PropertyPath) -> AbstractContextManager[Lease]:
    """The lock every write of ``path`` holds, shared by every worker and replica."""
    return services().locks.hold(f"{settings().cd_url}|{path}", lease=save_lease())


def save_form(path: PropertyPath, where: Where, form: EditForm) -> Response:
    """Save ``form`` under the save lock (the editor's save, and a restore from the
    history, which builds its form from a journal entry)."""
    try:
        with save_lock(path) as lease:
            return save_locked(path, where, form, lease)
    except LockBusy:
        try:
            current = cd().properties.get(path)
        except NotFound:
            return gone(path, where, form)
        message = (
            "Not saved: someone else is saving this property right now. "
            "Your text is kept; save again in a moment."
        )
        return editor(path, current, form, where, status=409, error=message)


def unchanged(path: PropertyPath, where: Where, form: EditForm) -> Response:
    """A form nobody changed: nothing is written; the property as it is now comes back."""
    try:
        current = cd().properties.get(path)
    except NotFound:
        return gone(path, where, form)
    return after_write(path, current, where, f"Nothing to save: {path.name} is unchanged.")


def save_locked(path: PropertyPath, where: Where, form: EditForm, lease: Lease) -> Response:
    """Re-read, compare with the edit's base, write the changed fields (the caller holds
    the lock). What the server already holds is never written again."""
    try:
        current = journaling.read_to_write(path)
    except NotFound:
        if request.form.get("recreate") == "1":
            return recreate(path, where, form)
        return gone(path, where, form)
    if current.is_sheet:
        message = "This is a property sheet now; it has no value to edit."
        return editor(path, current, form, where, status=422, error=message)
    changes = form.changes_for(current)
    if changes.empty:
        message = f"{path.name} already holds your change; nothing else to save."
        return after_write(path, current, where, message)
    if form.changed_since(current):  # "Keep mine" too: it starts from what it was shown
        return conflict(path, current, form, where)
    if not lease.held():
        return editor(path, current, form, where, status=409, error=LOCK_LOST_BEFORE)
    return write(path, where, form, current, changes, lease)


def write(
    path: PropertyPath,
    where: Where,
    form: EditForm,
    current: Property,
    changes: Changes,
    lease: Lease,
) -> Response:
    """Write ``changes`` over ``current`` and say what the server holds afterwards."""
    try:
        saved = cd().properties.update(
            path,
            value=changes.value,
            description=changes.description,
            expandable=changes.expandable,
        )
    except REFUSED as err:
        message = refusal(err, sheet=path.parent)
        return editor(path, current, form, where, status=422, error=message)
    except NotFound:
        return gone(path, where, form)
    except UpstreamUnavailable as err:
        journaling.record_unknown(path, current, changes)
        return unconfirmed(path, where, form, current, changes, err)
    resolved = request.form.get("resolved") == "1"
    change(current_app.logger, "property.saved", path=str(path), resolved_conflict=resolved)
    saved = complete(path, saved)
    recorded = journaling.record(path, current, saved)
    if not lease.held():
        return lock_lost(path, where, form, saved, changes)
    return after_write(path, saved, where, journaling.said(f"Saved {path.name}.", recorded))


def complete(path: PropertyPath, answered: Property) -> Property:
    """The property as a write answered it, read again when the answer carried only some
    of its fields (no value or no modify time)."""
    if answered.modify_time is None or answered.value is None:
        return cd().properties.get(path)
    return answered


def unconfirmed(
    path: PropertyPath,
    where: Where,
    form: EditForm,
    before: Property,
    changes: Changes,
    err: UpstreamUnavailable,
) -> Response:
    """A write without an answer may or may not have landed: read the property back and
    say which ("saved", "not saved", or "could not confirm"), never more than is known."""
    try:
        now = journaling.read(path)  # settles the journal's entry of unknown outcome
    except NotFound:
        return gone(path, where, form)
    except CloudBeesError:
        message = (
            f"Could not confirm the save: {err.message}, and reading {path.name} back failed "
            "too. Your text is kept; saving again is safe (it tells you if your change landed)."
        )
        return failed(path, before, form, where, message)
    if changes.held_by(now):
        message = (
            f"Saved {path.name}: CloudBees CD answered late ({err.message}), but it holds "
            "your change."
        )
        return after_write(path, now, where, message)
    if fingerprint(now) == fingerprint(before):
        message = (
            f"Not saved so far: {err.message}, and {path.name} still holds what it held before "
            "(a late write may still land). Your text is kept; saving again is safe."
        )
        return failed(path, before, form, where, message)
    note = (
        f"Could not confirm the save: {err.message}, and {path.name} now holds something "
        "else than your change or what you started from."
    )
    return conflict(path, now, form, where, note=note)


def lock_lost(
    path: PropertyPath, where: Where, form: EditForm, saved: Property, changes: Changes
) -> Response:
    """The write landed, but the save lock ran out during it, so another save may have
    overlapped: read the property back and tell the user what it holds."""
    current_app.logger.warning("edit lock lost during the save of %s", path)
    try:
        now = cd().properties.get(path)
    except CloudBeesError:
        message = (
            f"Saved {path.name}, but propdesk's save lock on it ran out during the save and "
            "reading it back failed, so another save may have replaced your change. Check it."
        )
        return notice(after_write(path, saved, where, message), message, "error")
    if changes.held_by(now):
        message = (
            f"Saved {path.name}. propdesk's save lock on it ran out during the save, so "
            "another save may have overlapped; the property holds your change."
        )
        return after_write(path, now, where, message)
    note = (
        "Your change was written, but propdesk's save lock ran out during the save and "
        f"another save has replaced it: {path.name} now holds what is shown here."
    )
    return conflict(path, now, form, where, note=note)


def failed(
    path: PropertyPath, prop: Property | None, form: EditForm, where: Where, message: str
) -> Response:
    """503: the editor (with the user's text) and why; htmx keeps the open editor as it is."""
    response = editor(path, prop, form, where, status=503, error=message)
    if is_htmx():
        response.headers["HX-Reswap"] = "none"
    return notice(response, message, "error")


def gone(path: PropertyPath, where: Where, form: EditForm) -> Response:
    """409: the property was deleted meanwhile; the editor keeps the user's text and offers
    to create the property again with it, or to discard it."""
    message = (
        f"Not saved: someone deleted {path.name} while you were editing. Create it again "
        "with your text, or discard it."
    )
    response = editor(
        path, None, replace(form, value_kept=False), where, status=409, error=message, gone=True
    )
    return notice(response, message, "error")


def recreate(path: PropertyPath, where: Where, form: EditForm) -> Response:
    """Create a deleted property again from the editor's fields (the caller holds the lock)."""
    try:
        created = cd().properties.create(
            path, form.value, description=form.description, expandable=form.expandable
        )
    except (*REFUSED, NotFound) as err:
        message = refusal(err, "created", sheet=path.parent)
        kept = replace(form, value_kept=False)
        return editor(path, None, kept, where, status=422, error=message, gone=True)
    except UpstreamUnavailable as err:
        return recreate_unconfirmed(path, where, form, err)
    change(current_app.logger, "property.created", path=str(path), kind="value")
    created = complete(path, created)
    recorded = journaling.record(path, None, created)
    return after_write(
        path, created, where, journaling.said(f"Created {path.name} again.", recorded)
    )


def recreate_unconfirmed(
    path: PropertyPath, where: Where, form: EditForm, err: UpstreamUnavailable
) -> Response:
    """Creating a deleted property again got no answer: journaled as of unknown outcome,
    then read back (which settles that entry) to say whether it landed."""
    intended = Property(
        id=None,
        name=path.name,
        value=form.value,
        description=form.description,
        expandable=form.expandable,
    )
    journaling.record_unanswered(path, None, intended)
    try:
        found = journaling.read_or_none(path)
    except CloudBeesError:
        found = None
    if found is not None:
        message = f"Created {path.name} again: CloudBees CD answered late ({err.message})."
        return after_write(path, found, where, message)
    message = (
        f"Could not confirm that {path.name} was created again: {err.message}. Your text is "
        "kept; creating it again is safe (it says if it exists)."
    )
    return failed(path, None, replace(form, value_kept=False), where, message)


def conflict(
    path: PropertyPath, current: Property, form: EditForm, where: Where, *, note: str = ""
) -> Response:
    """409: the three versions side by side (theirs, yours, the base). ``note`` replaces
    "nothing was saved" when a write may have landed. The conflict of a restore keeps it
    a restore: "Keep mine" posts the restore again (recorded as ``revert``)."""
    response = render(
        "browse/conflict.html",
        "browse/_conflict.html",
        path=path,
        prop=current,
        form=form,
        theirs=EditForm.start(current),
        ctx=where,
        note=note,
        restore=journaling.restore_choice(),
        crumbs=breadcrumbs(path),
        status=409,
    )
    return notice(response, note or "Not saved: someone changed this property meanwhile.", "error")


def after_write(path: PropertyPath, prop: Property, where: Where, message: str) -> Response:
    """What a saved edit swaps in: its row or its detail; without htmx, the page."""
    if not is_htmx():
        back = node_url(path.parent, True) if where is Where.ROW else node_url(path, False)
        return notice(redirect_to(back), message)
    if where is Where.ROW:
        response = render_row(path, prop)
    else:
        response = render(
            "browse/_detail.html", path=path, prop=prop, expanded=expanded(path, prop)
        )
    return notice(response, message)


# -- new properties and sheets -------------------------------------------------------------
@bp.get("/new/<node:path>")
def new(node: Node) -> ResponseReturnValue:
    """The form for a new property (``kind=value``) or sheet (``kind=sheet``) in a sheet."""
    kind = "sheet" if request.args.get("kind") == "sheet" else "value"
    return new_form(node.path, {"kind": kind}, "")


def new_form(path: PropertyPath, values: dict[str, str], error: str, status: int = 200) -> Response:
    """The new-entry form fragment, or the sheet's page with the form open."""
    if not is_htmx():
        query = SheetQuery()
        page = read_page(path, query)
        return render_sheet(path, page, query, new_draft=values, error=error, status=status)
    return render("browse/_new_form.html", path=path, values=values, error=error, status=status)


@bp.post("/new/<node:path>")
def create(node: Node) -> ResponseReturnValue:
    """Create a property or a sheet in this sheet; for htmx the table comes back re-read."""
    path = node.path
    values = {k: text(request.form.get(k)) for k in ("name", "value", "description")}
    values["expandable"] = "1" if request.form.get("expandable") == "1" else "0"
    values["kind"] = kind = "sheet" if request.form.get("kind") == "sheet" else "value"
    try:
        name = check_property_name(values["name"].strip())
        target = path.child(name)
        if kind == "sheet":
            made = cd().properties.create_sheet(target, description=values["description"])
        else:
            made = cd().properties.create(
                target,
                values["value"],
                description=values["description"],
                expandable=values["expandable"] == "1",
            )
    except REFUSED as err:
        return new_form_again(path, values, refusal(err, "created", sheet=path), 422)
    except UpstreamUnavailable as err:
        return create_unconfirmed(path, name, values, err)
    change(current_app.logger, "property.created", path=str(target), kind=kind)
    created = journaling.said(
        f"Created {'sheet' if kind == 'sheet' else 'property'} {name}.",
        journaling.record(target, None, made),
    )
    return created_answer(path, name, created)


def new_form_again(path: PropertyPath, values: dict[str, str], error: str, status: int) -> Response:
    """The new-entry form again, with the user's entries and why it did not create."""
    response = new_form(path, values, error, status=status)
    if is_htmx():
        response.headers["HX-Retarget"] = "#new-form"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def created_answer(path: PropertyPath, name: str, message: str) -> Response:
    """What a create answers: the sheet's table with the new row, or (no htmx) the sheet."""
    if not is_htmx():
        return notice(redirect_to(node_url(path, True)), message)
    return notice(table_after_create(path, name), message)


def create_unconfirmed(
    path: PropertyPath, name: str, values: dict[str, str], err: UpstreamUnavailable
) -> Response:
    """A create without an answer: journaled as of unknown outcome, then read back (which
    settles that entry) to say whether it landed."""
    sheet = values["kind"] == "sheet"
    intended = Property(
        id=None,
        name=name,
        value=None if sheet else values["value"],
        description=values["description"],
        expandable=sheet or values["expandable"] == "1",
        property_sheet_id=0 if sheet else None,
    )
    target = path.child(name)
    journaling.record_unanswered(target, None, intended)
    try:
        found = journaling.read_or_none(target)
    except CloudBeesError:
        message = (
            f"Could not confirm the create: {err.message}, and reading {name} back failed "
            "too. Your entries are kept; creating again is safe (it says if it exists)."
        )
        return new_form_again(path, values, message, 503)
    if found is None:
        message = (
            f"Not created so far: {err.message}, and {name} does not exist (a late create "
            "may still land). Your entries are kept; creating again is safe."
        )
        return new_form_again(path, values, message, 503)
    message = f"Created {name}: CloudBees CD answered late ({err.message}), but it exists now."
    return created_answer(path, name, message)


def table_after_create(path: PropertyPath, name: str) -> Response:
    """The sheet's table re-read after ``name`` was created in it: the page that holds the
    new row (under the filter and sort the page shows), the row highlighted, and the
    browser's URL set to that page."""
    query = SheetQuery.from_args({**request.args.to_dict(), **request.form.to_dict()})
    page = read_page(path, query, locate=name)
    response = render_sheet(path, page, query, highlight=name, new_created=True)
    shown = replace(query, page=page.page).args()
    response.headers["HX-Replace-Url"] = header_url(node_url(path, True, **shown))
    return response


# -- deleting ------------------------------------------------------------------------------
@bp.get("/delete/<node:path>")
def confirm_delete(node: Node) -> ResponseReturnValue:
    """The delete prompt: in the row for htmx, else a page with a form. For a sheet it says
    how many properties go with it (one recursive read, only when deleting)."""
    path = node.path
    if path.is_owner:
        abort(404)
    if is_htmx() and request.args.get("ctx") == Where.DETAIL:  # the prompt on its page
        return render("browse/_detail_confirm.html", path=path)
    prop = cd().properties.get(path)
    count = (
        count_all(cd().properties.sheet(path, recurse=True).properties) if prop.is_sheet else None
    )
    if is_htmx():
        return render_row(path, prop, confirm=True, count=count)
    return render("browse/delete.html", path=path, prop=prop, count=count, crumbs=breadcrumbs(path))


def count_all(props: tuple[Property, ...]) -> int:
    """How many properties a recursively read sheet holds, sub-sheets included."""
    return sum(1 + (count_all(p.sheet.properties) if p.sheet else 0) for p in props)


@bp.post("/delete/<node:path>")
def delete(node: Node) -> ResponseReturnValue:
    """Delete a property, or a sheet with everything in it."""
    path = node.path
    if path.is_owner:
        abort(405)
    recorded = True
    try:
        with save_lock(path) as lease:  # no save lands between the read and the delete
            before = journaling.read(path)  # the state the journal records as before
            if not lease.held():  # another save may be under way: nothing is deleted
                return not_deleted(DELETE_LOCK_LOST.format(name=path.name))
            try:
                cd().properties.delete(path)
            except UpstreamUnavailable as err:
                return delete_unconfirmed(path, before, err)
    except LockBusy:
        return not_deleted(f"Not deleted: someone else is saving {path.name} right now. Try again.")
    except PermissionDenied as err:
        message = refusal(err, "deleted", sheet=path.parent)
        if not is_htmx():
            raise
        response = Response("", 403)
        response.headers["HX-Reswap"] = "none"
        return notice(response, message, "error")
    except NotFound:
        pass  # already gone: the row goes away all the same
    else:
        change(current_app.logger, "property.deleted", path=str(path))
        recorded = journaling.record(path, before, None)
    return deleted_answer(path, journaling.said(f"Deleted {path.name}.", recorded))


DELETE_LOCK_LOST = (
    "Not deleted: propdesk's save lock on {name} ran out before the delete, so nothing was "
    "deleted. Try again."
)


def not_deleted(message: str) -> Response:
    """409 with ``message``: nothing was deleted, the row stays as it is."""
    response = Response("", 409)
    response.headers["HX-Reswap"] = "none"
    return notice(response, message, "error")


def deleted_answer(path: PropertyPath, message: str) -> Response:
    """What a delete answers: the row goes (htmx), or (from its page) off to the sheet."""
    if request.args.get("ctx") == Where.DETAIL or not is_htmx():  # from its page: to the sheet
        response = redirect_to(node_url(path.parent, True))
    else:
        response = row_removed(path.parent)
    return notice(response, message)


def delete_unconfirmed(path: PropertyPath, before: Property, err: UpstreamUnavailable) -> Response:
    """A delete without an answer: journaled as of unknown outcome, then read back (which
    settles that entry) to say whether it landed (the caller holds the save lock)."""
    journaling.record_unanswered(path, before, None)
    try:
        still = journaling.read_or_none(path)
    except CloudBeesError:
        message = (
            f"Could not confirm the delete: {err.message}, and reading {path.name} back "
            "failed too. Reload to see whether it is gone."
        )
    else:
        if still is None:
            return deleted_answer(
                path, f"Deleted {path.name}: CloudBees CD answered late ({err.message})."
            )
        message = (
            f"Not deleted so far: {err.message}, and {path.name} is still there (a late "
            "delete may still land). Try again."
        )
    if not is_htmx():
        return notice(redirect_to(node_url(path, False)), message, "error")
    response = Response("", 503)
    response.headers["HX-Reswap"] = "none"
    return notice(response, message, "error")


def row_removed(sheet: PropertyPath) -> Response:
    """200 for a row deleted by htmx: an empty body (the row goes) and, when the page's URL
    is known (``HX-Current-URL``), the sheet's count re-read (one call) and swapped in out
    of band, so "5 entries" becomes "4 entries"."""
    if not request.headers.get("HX-Current-URL"):
        return Response("", 200)
    args = dict(parse_qsl(urlsplit(current_page()).query))
    query = SheetQuery.from_args(args)
    try:
        page = read_page(sheet, query)
    except CloudBeesError:
        return Response("", 200)  # the delete stands; only the count stays as it was
    return render("browse/_summary.html", page=page, query=query, oob=True)
