"""What every multi-value page shares between its preview and its apply (compare and copy,
import, edit as text): a plan's rows with per-value diffs, the plan's fingerprint that the
preview form carries, and the apply that refuses to run when the plan changed since.

The preview form carries how to build the plan again (the desired tree, or the rows to
copy) and ``fingerprint(plan)``: a hash of every operation with the exact state it expects
to find. The apply reads the trees again, plans again and compares fingerprints, so a
change made elsewhere since the preview is a conflict (nothing written, the new plan shown)
and never overwritten; the engine then checks each operation once more as it writes.

A page applies a previewed plan with ``apply_and_report(changes, basis, root, source,
Ending(heading, back_url, back_label))``: a plan of more operations than
``PROPDESK_BACKGROUND_APPLY_OPERATIONS`` then runs in the background (``start_run``; the
answer is the run's page, ``app.web.runs``), a smaller one in the request, with the report
as before. ``apply_unchanged`` and ``apply_plan`` always apply in the request.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass

from flask import Response, current_app, request, url_for

from app.changes import (
    Action,
    ApplyReport,
    Operation,
    Plan,
    Result,
    State,
    Status,
    Target,
    apply,
    background,
    to_json,
)
from app.changes.applying import Locker
from app.changes.background import Job, Step
from app.cloudbees import CloudBeesClient, PropertyPath
from app.cloudbees.transport import SessionAuth
from app.edit_lock import Lease
from app.htmx import redirect_to, render
from app.journal import Snapshot, Source
from app.journal.runs import NewRun, RunStore
from app.services import cd, services, settings
from app.web import journaling
from app.web.diffs import Diff, diff
from app.web.editing import save_lock

SHOWN = 1000
"""Operations a preview or report lists one by one (the counts cover all of them)."""

STALE = (
    "Nothing was written: what this change would touch changed since the preview. "
    "Here is the change as it stands now; review it and apply again."
)
UNCONFIRMED = "Nothing was written: tick the box to confirm the deletes first."


@dataclass(frozen=True)
class Row:
    """One operation as a preview shows it: the path below the root, what it does, whether
    it is a sheet, and what changes (value lines, description, flag)."""

    path: str
    action: str
    sheet: bool
    diff: Diff


@dataclass(frozen=True)
class Outcome:
    """One operation's result as a report shows it."""

    path: str
    action: str
    status: str
    reason: str


def relative(names: tuple[str, ...]) -> str:
    """A path below a plan's root, as rows show it (``deploy/prod/host``)."""
    return "/".join(names)


def snapshot(state: State | None) -> Snapshot | None:
    """The diffable snapshot of an operation's state (a sheet has no value)."""
    if state is None:
        return None
    return Snapshot(None if state.sheet else state.value, state.description, state.expandable)


def row(op: Operation) -> Row:
    """One operation as a preview row."""
    state = op.desired or op.expected
    sheet = state is not None and state.sheet
    return Row(
        relative(op.names),
        op.action.value,
        sheet,
        diff(snapshot(op.expected), snapshot(op.desired)),
    )


def rows(changes: Plan) -> list[Row]:
    """The first ``SHOWN`` operations of a plan as preview rows."""
    return [row(op) for op in changes.operations[:SHOWN]]


def counts(changes: Plan) -> dict[str, int]:
    """How many creates, modifies and deletes a plan holds."""
    return {action.value: changes.count(action) for action in Action}


def outcomes(report: ApplyReport) -> list[Outcome]:
    """The first ``SHOWN`` results, conflicts and failures first."""
    order = {Status.FAILED: 0, Status.CONFLICT: 1, Status.APPLIED: 2, Status.ALREADY: 3}
    ranked = sorted(report.results, key=lambda r: order[r.status])
    return [outcome(r) for r in ranked[:SHOWN]]


def outcome(result: Result) -> Outcome:
    """One result as a report row."""
    op = result.operation
    return Outcome(relative(op.names), op.action.value, result.status.value, result.reason)


def state_data(state: State | None) -> object:
    """An expected or desired state as plain data for the fingerprint."""
    if state is None:
        return None
    return [state.sheet, state.value, state.description, state.expandable]


def fingerprint(changes: Plan) -> str:
    """A hash of every operation: its action, path, expected and desired state and (for
    the delete of a sheet) what it expects to delete with it."""
    digest = hashlib.sha256()
    for op in changes.operations:
        contents = to_json(op.contents) if op.contents is not None else None
        item = [op.action.value, list(op.names), state_data(op.expected)]
        item += [state_data(op.desired), contents]
        digest.update(json.dumps(item, ensure_ascii=True).encode() + b"\n")
    return digest.hexdigest()


def target(root: PropertyPath, source: Source, change_set: str = "") -> Target:
    """Where this request applies a plan: the pages' save lock, the journal, this login
    (under ``change_set`` when given, else a new one)."""
    journal = services().journal
    actor = journaling.actor()
    return Target(cd().properties, root, save_lock, journal, actor, source, change_set=change_set)


def apply_unchanged(
    changes: Plan, basis: str, root: PropertyPath, source: Source
) -> ApplyReport | None:
    """Apply ``changes`` when they are the plan the preview showed (``basis``); ``None``
    (nothing written) when they are not. Nothing left to do (a form sent twice) is an
    empty report."""
    if not changes.operations:
        return ApplyReport((), "")
    if fingerprint(changes) != basis:
        return None
    return apply_plan(changes, root, source)


def apply_plan(
    changes: Plan, root: PropertyPath, source: Source, change_set: str = ""
) -> ApplyReport:
    """Apply ``changes`` under ``root`` for this login (an empty plan writes nothing),
    journaled under ``change_set`` when given (a move's delete joins its copy's set)."""
    if not changes.operations:
        return ApplyReport((), "")
    return apply(changes, target(root, source, change_set))


@dataclass(frozen=True)
class Ending:
    """What an apply's report says around its results: its heading and where "back"
    leads."""

    heading: str
    back_url: str
    back_label: str


def in_background(changes: Plan) -> bool:
    """True when ``changes`` are applied in the background: more operations than
    ``PROPDESK_BACKGROUND_APPLY_OPERATIONS``."""
    return len(changes) > settings().background_apply_operations


def apply_and_report(
    changes: Plan, basis: str, root: PropertyPath, source: Source, ending: Ending
) -> Response | None:
    """The apply of a preview's form: ``None`` (nothing written) when ``changes`` are not
    the plan the preview showed (``basis``); else the report of the apply, or, for a plan
    that runs in the background, the status page of the run it started."""
    if in_background(changes):
        if fingerprint(changes) != basis:
            return None
        return start_run((Step(changes, root),), source, ending)
    report = apply_unchanged(changes, basis, root, source)
    if report is None:
        return None
    return report_page(ending.heading, root, report, ending.back_url, ending.back_label)


def run_store() -> RunStore:
    """The background runs in the journal's database."""
    journal = services().journal
    return RunStore(journal.database, journal.clock)


def thread_lock() -> Locker:
    """``save_lock`` for a thread outside this request (it reads the app's settings and
    lock store), so a background apply takes the very lock every save takes."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def lock(path: PropertyPath) -> AbstractContextManager[Lease]:
        with app.app_context():
            return save_lock(path)

    return lock


def start_run(
    steps: tuple[Step, ...], source: Source, ending: Ending, *, gate_note: str = ""
) -> Response:
    """Start applying ``steps`` in a thread of this worker, for this login (its own client
    on the login's CloudBees CD session, the save lock, the journal); to the run's page.
    ``gate_note``: what the report says when a later step did not run (a move)."""
    auth = cd().auth
    session_id = auth.session_id if isinstance(auth, SessionAuth) else ""
    client = CloudBeesClient.for_session(services().transport, session_id)
    root, actor = steps[0].root, journaling.actor()
    target = Target(client.properties, root, thread_lock(), services().journal, actor, source)
    job = Job(steps, target, client, gate_note)

    def new(worker: str, change_set: str) -> NewRun:
        return NewRun(
            actor, str(root), source.value, ending.heading, ending.back_url,
            ending.back_label, job.total, worker, change_set, session_id,
        )  # fmt: skip

    run_id = background.start(job, run_store(), new)
    return redirect_to(url_for("runs.show", run_id=run_id))


@dataclass(frozen=True)
class Bar:
    """A background run's progress: operations with a result, of how many."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if self.total <= 0 else min(100, self.done * 100 // self.total)


def report_counts(report: ApplyReport) -> dict[str, int]:
    """How many results an apply had of each status."""
    return {status.value: len(report.of(status)) for status in Status}


def unconfirmed(changes: Plan) -> bool:
    """True when the plan deletes and the apply form did not confirm the deletes."""
    return bool(changes.count(Action.DELETE)) and request.form.get("confirm_deletes") != "1"


@dataclass(frozen=True)
class Preview:
    """What a preview page says besides its plan: its heading, the sheet it is about, the
    fields its apply form carries (how to build the plan again), where the apply goes and
    where "back" leads."""

    heading: str
    root: PropertyPath
    carry: dict[str, list[str]]
    apply_url: str
    back_url: str


def preview_page(
    preview: Preview,
    changes: Plan,
    *,
    basis: str | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    """The preview of a plan (copy, move, import): its rows and counts, and the apply form
    with ``basis`` (by default ``fingerprint(changes)``) to check at apply time."""
    return render(
        "changes/preview.html",
        heading=preview.heading,
        root=preview.root,
        rows=rows(changes),
        counts=counts(changes),
        total=len(changes),
        basis=fingerprint(changes) if basis is None else basis,
        carry=preview.carry,
        apply_url=preview.apply_url,
        back_url=preview.back_url,
        error=error,
        status=status,
    )


def report_page(
    heading: str,
    root: PropertyPath,
    report: ApplyReport,
    back_url: str,
    back_label: str,
    *,
    note: str = "",
    bar: Bar | None = None,
    ended: str = "applied",
) -> Response:
    """The report of an apply: counts, then every result (conflicts and failures first);
    ``bar``: the progress bar of the background run it reports, as it ended; ``ended``:
    how the heading says it ended (a background run may be "cancelled")."""
    return render(
        "changes/report.html",
        heading=heading,
        root=root,
        report=report,
        counts=report_counts(report),
        outcomes=outcomes(report),
        back_url=back_url,
        back_label=back_label,
        note=note,
        bar=bar,
        ended=ended,
    )
