"""A background apply's report as the database keeps it, and what the journal says a run
applied (no Flask import).

A run keeps, per result, only what a report shows: the operation's action and names, the
status and the reason (``encode`` / ``decode``); the states a plan expected and desired
are not kept (they can be megabytes, and the report never shows them). A run that ended
early (cancelled, interrupted) is reported from the journal's entries of its change set
(``ended_early``): exactly what was written, whatever the runner managed to store, each
result listed once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from app.changes.applying import Result, Status
from app.changes.planning import Action, Operation
from app.cloudbees import PropertyPath
from app.journal import Entry, Outcome

VERSION = 1
"""The layout of a stored report."""

UNKNOWN = "no answer from CloudBees CD: it may or may not have landed"
NOT_APPLIED = "no answer from CloudBees CD, and a later read found it did not land"


@dataclass(frozen=True)
class StoredReport:
    """A run's report read back: its results (operations keep their action and names
    only), changes the journal did not take, a note for the page and the error that
    stopped the run, if one did."""

    results: tuple[Result, ...] = ()
    not_recorded: int = 0
    note: str = ""
    error: str = ""


def encode(report: StoredReport) -> str:
    """``report`` as the JSON text a run row keeps."""
    results = [
        [list(r.operation.names), r.operation.action.value, r.status.value, r.reason]
        for r in report.results
    ]
    data = {
        "version": VERSION,
        "results": results,
        "not_recorded": report.not_recorded,
        "note": report.note,
        "error": report.error,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(text: str | None) -> StoredReport:
    """The report a run row keeps (an empty one for ``None``)."""
    if not text:
        return StoredReport()
    data = json.loads(text)
    results = tuple(
        Result(Operation(Action(action), tuple(names), None, None), Status(status), None, reason)
        for names, action, status, reason in data["results"]
    )
    return StoredReport(results, int(data["not_recorded"]), str(data["note"]), str(data["error"]))


def names_below(root: PropertyPath, path: PropertyPath) -> tuple[str, ...]:
    """``path`` as names below ``root`` (a report's rows), or whole when it is elsewhere
    (the source of a move)."""
    size = len(root.segments)
    if path.segments[:size] == root.segments and len(path.segments) > size:
        return path.segments[size:]
    return (str(path),)


def from_journal(entries: Iterable[Entry], root: PropertyPath) -> tuple[Result, ...]:
    """The results the journal holds for a run's change set: what was written (``done``:
    applied), and writes that got no answer (failed, with why)."""
    found = []
    for entry in entries:
        op = Operation(Action(entry.action.value), names_below(root, entry.path), None, None)
        if entry.outcome is Outcome.DONE:
            found.append(Result(op, Status.APPLIED))
        else:
            reason = UNKNOWN if entry.outcome is Outcome.UNKNOWN else NOT_APPLIED
            found.append(Result(op, Status.FAILED, reason=reason))
    return tuple(found)


def ended_early(
    entries: Iterable[Entry], root: PropertyPath, stored: StoredReport | None
) -> tuple[Result, ...]:
    """The report of a run that ended early: what the journal holds of its change set
    (what was written: applied; writes without an answer, as the journal has settled them
    since), then the runner's own results for operations the journal holds nothing of
    (already as desired, conflicts, refusals). ``stored``: the report the runner stored,
    ``None`` when it stored none (its worker died or was marked interrupted from outside).
    An operation is listed once: a write that got no answer is one of the runner's
    failures and in the journal too, where a later read may have settled it as landed."""
    journal = from_journal(entries, root)
    if stored is None:
        return journal
    held = {(r.operation.action, r.operation.names) for r in journal}
    rest = (r for r in stored.results if r.status is not Status.APPLIED)
    return journal + tuple(r for r in rest if (r.operation.action, r.operation.names) not in held)
