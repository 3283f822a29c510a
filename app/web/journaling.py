"""The journal's hooks in the views, so views stay thin: record every change propdesk made
upstream, show every read of a property to the journal, and ask for a sheet's row markers.

A journal that fails never fails the request. The upstream change has landed, so a hook
logs the failure, counts it (``propdesk_journal_failures_total``) and tells the view, which
says "saved, but not recorded in the history"; a read or a marker query just goes without.

A save's re-read (``read_to_write``) reaches the journal with the save's record, so on
PostgreSQL a save costs the journal one statement; a save that writes nothing shows its
re-read to the journal after the view (``observe_the_rest``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from flask import Response, current_app, g

from app.cloudbees import NotFound, Property, PropertyPath
from app.journal import Actor, Change, Outcome, Source, new_change_set
from app.metrics import JOURNAL_FAILURES
from app.services import cd, services
from app.web.edit_form import Changes

NOT_RECORDED = "but not recorded in the history (propdesk's journal database did not answer)"
RECENT = timedelta(hours=24)
"""How far back a sheet's row markers look."""


def actor() -> Actor:
    """Who is making this request's changes: the CloudBees CD user and the SSO user."""
    return Actor(str(g.get("user") or ""), str(g.get("sso_user") or ""))


def use_source(source: Source) -> None:
    """Record this request's changes with ``source`` (a restore from the history sets
    ``revert``; everything else is ``ui``)."""
    g.journal_source = source


def current_source() -> Source:
    """The source this request's changes are recorded with."""
    found = g.get("journal_source")
    return found if isinstance(found, Source) else Source.UI


def use_restore(choice: str) -> None:
    """This request writes back the journal state ``choice`` (``<entry id>:<side>``):
    recorded as ``revert``, and a conflict view it meets offers "Keep mine" as that same
    restore (``restore_choice``), so keeping it is recorded as ``revert`` too."""
    use_source(Source.REVERT)
    g.journal_restore = choice


def restore_choice() -> str:
    """The restore this request writes back (``<entry id>:<side>``), or "" for an edit."""
    return str(g.get("journal_restore") or "")


def _failed(operation: str, path: PropertyPath, err: Exception) -> None:
    JOURNAL_FAILURES.labels(operation).inc()
    current_app.logger.warning(
        "journal %s failed for %s: %s",
        operation,
        path,
        err,
        extra={"event": "journal.failed", "operation": operation},
    )


def record(
    path: PropertyPath,
    before: Property | None,
    after: Property | None,
    *,
    outcome: Outcome = Outcome.DONE,
) -> bool:
    """Record one change after the upstream answered (``None`` = absent before / after).
    False when the journal failed: the view then says the change was not recorded."""
    try:
        change = Change.between(
            path, before, after, actor(), source=current_source(), outcome=outcome
        )
        services().journal.record([change], seen=_unobserved(path))
    except Exception as err:  # the upstream change has landed: never a 500 from here
        _failed("record", path, err)
        return False
    return True


def record_set(
    writes: Sequence[tuple[PropertyPath, Property | None, Property | None]],
    *,
    outcome: Outcome = Outcome.DONE,
) -> bool:
    """``record`` for one action that changes several paths (a rename: the old name's
    delete and the new name's create): ``(path, before, after)`` each, one change set, one
    transaction. False when the journal failed."""
    change_set, who, source = new_change_set(), actor(), current_source()
    try:
        changes = [
            Change.between(
                path, before, after, who, source=source, change_set=change_set, outcome=outcome
            )
            for path, before, after in writes
        ]
        seen: dict[PropertyPath, Property | None] = {}
        for path, _, _ in writes:
            seen.update(_unobserved(path))
        services().journal.record(changes, seen=seen)
    except Exception as err:  # the upstream change has landed: never a 500 from here
        _failed("record", writes[0][0], err)
        return False
    return True


def record_unknown(path: PropertyPath, before: Property, changes: Changes) -> bool:
    """Record a write that got no answer (its outcome unknown) as what it meant to write;
    the next read of the property settles it."""
    intended = replace(
        before,
        value=before.value if changes.value is None else changes.value,
        description=before.description if changes.description is None else changes.description,
        expandable=before.expandable if changes.expandable is None else changes.expandable,
        modify_time=None,
    )
    return record(path, before, intended, outcome=Outcome.UNKNOWN)


def said(message: str, recorded: bool) -> str:
    """``message`` ("Saved x.") as it reads when the change was, or was not, recorded."""
    return message if recorded else f"{message.rstrip('.')}, {NOT_RECORDED}."


def observe(path: PropertyPath, prop: Property | None) -> None:
    """Show the journal what a raw read of ``path`` returned (``None``: not found), so it
    notices changes made outside propdesk and settles writes of unknown outcome."""
    try:
        services().journal.observe(path, prop)
    except Exception as err:  # a read never fails because of the journal
        _failed("observe", path, err)


def read_to_write(path: PropertyPath) -> Property:
    """``read`` for a write about to follow (a save's re-read): the journal sees this read
    with the write's record (on PostgreSQL in the same statement), or, when no write
    follows, after the view (``observe_the_rest``, an ``after_request`` hook)."""
    try:
        prop = cd().properties.get(path)
    except NotFound:
        observe(path, None)
        raise
    unobserved: dict[PropertyPath, Property] = g.setdefault("journal_unobserved", {})
    unobserved[path] = prop
    return prop


def _unobserved(path: PropertyPath) -> dict[PropertyPath, Property | None]:
    """The read of ``path`` that ``read_to_write`` kept from the journal (taken)."""
    unobserved: dict[PropertyPath, Property] = g.get("journal_unobserved") or {}
    return {path: unobserved.pop(path)} if path in unobserved else {}


def observe_the_rest(response: Response) -> Response:
    """After a view: show the journal the reads ``read_to_write`` kept that no write
    recorded (a conflict, a refusal, nothing to save)."""
    for path, prop in (g.pop("journal_unobserved", None) or {}).items():
        observe(path, prop)
    return response


def read(path: PropertyPath) -> Property:
    """The property at ``path`` read raw (one upstream call) and shown to the journal; a
    property that is not there is shown too, then ``NotFound`` raised."""
    try:
        prop = cd().properties.get(path)
    except NotFound:
        observe(path, None)
        raise
    observe(path, prop)
    return prop


def read_or_none(path: PropertyPath) -> Property | None:
    """``read``, with ``None`` when the property is not there."""
    try:
        return read(path)
    except NotFound:
        return None


def record_unanswered(
    path: PropertyPath, before: Property | None, intended: Property | None
) -> bool:
    """Record a create (``before`` ``None``) or a delete (``intended`` ``None``) that got
    no answer, its outcome unknown; the next read of ``path`` settles it (``read_or_none``
    right after, to say what happened, is such a read)."""
    return record(path, before, intended, outcome=Outcome.UNKNOWN)


def recent(sheet: PropertyPath, rows: Iterable[Property]) -> dict[str, datetime]:
    """Name -> newest change time within the last 24 h, for the rows of one sheet page (one
    query); empty when the journal does not answer."""
    journal = services().journal
    prefix = f"{sheet}/"  # str(sheet.child(name)), without a path object built per row
    names = {prefix + prop.name: prop.name for prop in rows}
    try:
        found = journal.recent_times(names, journal.clock() - RECENT)
    except Exception as err:
        _failed("recent", sheet, err)
        return {}
    return {names[path]: at for path, at in found.items()}
