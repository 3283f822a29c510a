"""``/api/v1/properties/<path>`` and ``/api/v1/sheets/<path>``: read, compare-and-set
write, delete, make a sheet, list a sheet as a collection.

Every write holds the save lock the pages hold (one per property, shared by every worker
and replica), reads the current state, checks ``If-Match`` / ``If-None-Match`` against it,
writes, reads back and journals with source ``api``: two callers of ``If-Match`` can never
both win. As on the pages, a write whose save lock ran out before it writes nothing (409
``Conflict``), one whose lock ran out while it wrote reads back (409 when another write
replaced it), and one CloudBees CD did not answer is journaled as of unknown outcome and
settled by reading back (``app.api.unanswered``).
"""

from __future__ import annotations

from dataclasses import replace

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.api import unanswered, upstream
from app.api.access import allow
from app.api.blueprint import bp
from app.api.collections import apply, parse_query
from app.api.errors import ApiFailure
from app.api.inputs import (
    PropertyWrite,
    check_conditions,
    flag,
    only,
    property_path,
    sheet_description,
)
from app.api.representation import FIELDS, etag, property_json
from app.cloudbees import (
    CloudBeesError,
    NotFound,
    Property,
    PropertyPath,
    UpstreamUnavailable,
)
from app.edit_lock import Lease
from app.keys.models import ApiKey
from app.services import cd
from app.web import journaling
from app.web.editing import complete, save_lock


def answer(path: PropertyPath, prop: Property, status: int = 200, weak: bool = False) -> Response:
    """``{"property": ...}`` with the property's ETag."""
    response = jsonify({"property": property_json(path, prop)})
    response.status_code = status
    response.set_etag(etag(prop), weak=weak)
    return response


def value_path(raw: str) -> PropertyPath:
    path = property_path(raw)
    if path.is_owner:
        raise ApiFailure(400, f"{path} is an owner's root sheet, not a property", "InvalidArgument")
    return path


def read_expanded(path: PropertyPath, key: ApiKey) -> Property:
    """The property with its ``$[...]`` references resolved. The server resolves them as
    the key's owner, anywhere, so a key with path prefixes may expand only a value without
    references (else refused, 403): the raw read is then the answer (nothing to expand;
    no second read that could meet a value changed in between)."""
    if not key.prefixes:
        return cd().properties.get(path, expand=True)
    raw = journaling.read(path)
    if "$[" in (raw.value or ""):
        raise ApiFailure(403, EXPAND_REFUSED.format(name=key.name), "AccessDenied")
    return raw


EXPAND_REFUSED = (
    "The API key {name!r} has path prefixes, so it may not expand a value holding $[...] "
    "references (they could read outside the prefixes); read it without expand"
)


@bp.get("/properties/<path:raw>")
def get_property(raw: str) -> ResponseReturnValue:
    """One property; ``?expand=1`` resolves ``$[...]`` references (its ETag is weak)."""
    path = value_path(raw)
    key = allow(path, write=False)
    only(("expand",))
    expand = flag("expand")

    def read() -> Property:
        return read_expanded(path, key) if expand else journaling.read(path)

    prop = upstream.run(key, read)
    if not expand and request.if_none_match.contains(etag(prop)):
        return answer(path, prop, 304)
    return answer(path, prop, weak=expand)


bp.after_request(journaling.observe_the_rest)  # a write's read that no record took

LOCK_LOST = (
    "Not written: propdesk's save lock on {path} ran out before the write, so nothing was "
    "written; send the request again"
)
LOCK_LOST_DURING = (
    "Written, but propdesk's save lock on {path} ran out during the write, so another write "
    "may have overlapped, and {found}. Read the property before writing again"
)


def read_for_write(path: PropertyPath) -> Property | None:
    """The state a write checks its conditions against (``None``: not there). As on the
    pages, the journal sees this read with the write's record (on PostgreSQL one statement
    for both), or after the view when nothing is written (``observe_the_rest``)."""
    try:
        return journaling.read_to_write(path)
    except NotFound:
        return None


def hold(lease: Lease, path: PropertyPath) -> None:
    """Refuse to write (409) when the save lock ran out before the write, as the pages do:
    another write of ``path`` may be under way, so nothing is written."""
    if not lease.held():
        raise ApiFailure(409, LOCK_LOST.format(path=path), "Conflict")


def confirm_held(lease: Lease, path: PropertyPath, written: Property | None) -> Property | None:
    """After a write that landed: nothing when the save lock held throughout. Else another
    write may have overlapped (as the pages' ``lock_lost`` says): read ``path`` back and
    return it when it still holds ``written`` (``None``: deleted), else refuse with 409."""
    if lease.held():
        return None
    current_app.logger.warning("api: edit lock lost during the write of %s", path)
    try:
        now = journaling.read_or_none(path)
    except CloudBeesError as err:
        found = f"reading it back failed ({err.message})"
        raise ApiFailure(409, LOCK_LOST_DURING.format(path=path, found=found), "Conflict") from err
    if not unanswered.same(now, written):
        found = "it now holds what another write put there"
        raise ApiFailure(409, LOCK_LOST_DURING.format(path=path, found=found), "Conflict")
    return now


def write_property(path: PropertyPath, wanted: PropertyWrite) -> tuple[int, Property]:
    """Under the save lock: check the conditions, then create or change (nothing when the
    property already holds ``wanted``)."""
    with save_lock(path) as lease:
        before = read_for_write(path)
        check_conditions(before)
        if before is not None and before.is_sheet:
            raise ApiFailure(409, f"{path} is a property sheet, not a value", "Conflict")
        if before is not None and not _differs(before, wanted):
            return 200, before
        hold(lease, path)
        after = send_value(path, before, wanted)
        after = confirm_held(lease, path, after) or after
    return (201 if before is None else 200), after


def send_value(path: PropertyPath, before: Property | None, wanted: PropertyWrite) -> Property:
    """Create or change the property (the caller holds the save lock), read back when the
    answer lacks fields, journal; a write without an answer is settled by reading back."""
    meant = intended(path, before, wanted)
    try:
        if before is None:
            written = cd().properties.create(
                path, wanted.value, description=meant.description, expandable=meant.expandable
            )
        else:
            written = cd().properties.update(
                path,
                value=None if wanted.value == before.value else wanted.value,
                description=wanted.description,
                expandable=wanted.expandable,
            )
    except UpstreamUnavailable as err:
        return unanswered.written(path, before, meant, err)
    after = complete(path, written)
    journaling.record(path, before, after)
    return after


def intended(path: PropertyPath, before: Property | None, wanted: PropertyWrite) -> Property:
    """What the property holds once ``wanted`` is written over ``before``."""
    if before is None:
        expandable = True if wanted.expandable is None else wanted.expandable
        return Property(
            id=None,
            name=path.name,
            value=wanted.value,
            description=wanted.description or "",
            expandable=expandable,
        )
    return replace(
        before,
        value=wanted.value,
        description=before.description if wanted.description is None else wanted.description,
        expandable=before.expandable if wanted.expandable is None else wanted.expandable,
        modify_time=None,
    )


def _differs(before: Property, wanted: PropertyWrite) -> bool:
    return (
        wanted.value != (before.value or "")
        or (wanted.description is not None and wanted.description != before.description)
        or (wanted.expandable is not None and wanted.expandable != before.expandable)
    )


@bp.put("/properties/<path:raw>")
def put_property(raw: str) -> ResponseReturnValue:
    """Create or change a value property (``If-Match`` / ``If-None-Match: *`` honoured)."""
    path = value_path(raw)
    key = allow(path, write=True)
    only()
    wanted = PropertyWrite.from_request()
    status, prop = upstream.run(key, lambda: write_property(path, wanted))
    return answer(path, prop, status)


def delete_locked(path: PropertyPath) -> None:
    """Under the save lock: check the conditions, delete, journal (a delete without an
    answer is settled by reading back)."""
    with save_lock(path) as lease:
        before = read_for_write(path)
        check_conditions(before)
        if before is None:
            raise ApiFailure(404, f"No property at {path}", "NotFound")
        hold(lease, path)
        try:
            cd().properties.delete(path)
        except UpstreamUnavailable as err:
            unanswered.read_back(path, before, None, err)
            return
        journaling.record(path, before, None)
        confirm_held(lease, path, None)


@bp.delete("/properties/<path:raw>")
def delete_property(raw: str) -> ResponseReturnValue:
    """Delete a property or a sheet with everything in it (``If-Match`` honoured)."""
    path = value_path(raw)
    key = allow(path, write=True)
    only()
    upstream.run(key, lambda: delete_locked(path))
    return Response(status=204)


def create_sheet(path: PropertyPath, description: str) -> tuple[int, Property]:
    """Under the save lock: make the sheet unless it is there, journal (a create without
    an answer is settled by reading back)."""
    with save_lock(path) as lease:
        before = read_for_write(path)
        check_conditions(before)
        if before is not None:
            if not before.is_sheet:
                raise ApiFailure(409, f"{path} is a value, not a property sheet", "Conflict")
            return 200, before
        hold(lease, path)
        meant = Property(id=None, name=path.name, description=description, property_sheet_id=0)
        try:
            after = cd().properties.create_sheet(path, description=description)
        except UpstreamUnavailable as err:
            return 201, unanswered.written(path, None, meant, err)
        journaling.record(path, None, after)  # the answer, as the page's create records it
        after = confirm_held(lease, path, after) or after
    return 201, after


@bp.put("/sheets/<path:raw>")
def put_sheet(raw: str) -> ResponseReturnValue:
    """Make a property sheet (201), or find it there already (200)."""
    path = value_path(raw)
    key = allow(path, write=True)
    only()
    description = sheet_description()
    status, prop = upstream.run(key, lambda: create_sheet(path, description))
    return answer(path, prop, status)


@bp.get("/sheets/<path:raw>")
def get_sheet(raw: str) -> ResponseReturnValue:
    """The entries of a sheet as a collection: ``{"properties": [...], "meta": {...}}``."""
    path = property_path(raw)
    key = allow(path, write=False)
    query = parse_query(request.args, FIELDS)
    sheet = upstream.run(key, lambda: cd().properties.sheet(path))
    rows = [property_json(path.child(p.name), p) for p in sheet.properties]
    page, total = apply(rows, query)
    return jsonify({"properties": page, "meta": {"total": total}})
