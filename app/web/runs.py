"""The pages of a background apply (``/changes/runs/<id>``): its progress bar, polled by
htmx every second from the status URL until the run ends; a Cancel button; then the same
report an apply in the request shows. Only the run's owner (CloudBees CD user and SSO
user) sees or cancels it; anybody else gets a 404. The status comes from the database, so
any worker or replica answers.

A run that ended early (cancelled, interrupted) is reported from the journal's entries of
its change set: exactly what was applied, plus the results the runner stored that the
journal does not hold (conflicts, failures, entries already as desired).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, url_for
from flask.typing import ResponseReturnValue

from app.changes import ApplyReport, Result
from app.changes.run_report import StoredReport, decode, ended_early
from app.cloudbees import PropertyPath
from app.htmx import redirect_to, render
from app.journal import JournalUnavailable
from app.journal.runs import RunRecord, RunState
from app.services import services
from app.web import journaling, plan_view

bp = Blueprint("runs", __name__)

ENDED_EARLY = {
    RunState.CANCELLED: "Cancelled at your request after {done:,} of {total:,} operations; "
    "the rest were not attempted.",
    RunState.INTERRUPTED: "Interrupted after {done:,} of {total:,} operations: the propdesk "
    "worker running it stopped. The rest were not attempted; apply the change again to "
    "finish it (what is done already counts as already as desired).",
}
ENDED = {
    RunState.CANCELLED: "cancelled",
    RunState.INTERRUPTED: "interrupted",
    RunState.FAILED: "stopped on an error",
}
"""How the report's heading says a run ended that did not finish ("applied" when it did)."""
JOURNALED = " What was applied is listed as the journal recorded it (change set {change_set})."
FAILED = "The apply stopped on an error after {done:,} of {total:,} operations: {error}"


def owned(run_id: str) -> RunRecord:
    """The run ``run_id`` of this login, else a 404 (a run of somebody else's too)."""
    found = plan_view.run_store().get(run_id)
    if found is None or not found.owned_by(journaling.actor()):
        abort(404)
    return found


def state_of(run: RunRecord) -> RunState:
    """The run's state now (a run whose worker stopped beating reads as interrupted)."""
    return run.effective_state(plan_view.run_store().clock())


@bp.get("/changes/runs/<run_id>")
def show(run_id: str) -> ResponseReturnValue:
    """The run's progress page while it runs, its report once it ended."""
    run = owned(run_id)
    state = state_of(run)
    if state is RunState.RUNNING:
        return progress_page(run)
    return ended_page(run, state)


@bp.get("/changes/runs/<run_id>/status")
def status(run_id: str) -> ResponseReturnValue:
    """The progress fragment that the page polls (the whole page without htmx); once the
    run ended, to its report."""
    run = owned(run_id)
    if state_of(run) is RunState.RUNNING:
        return progress_page(run, "changes/_run_status.html")
    return redirect_to(url_for("runs.show", run_id=run.id))


@bp.post("/changes/runs/<run_id>/cancel")
def cancel(run_id: str) -> ResponseReturnValue:
    """Ask the run to stop between operations (it stops within a second or so)."""
    run = owned(run_id)
    plan_view.run_store().cancel(run.id)
    return redirect_to(url_for("runs.show", run_id=run.id))


def progress_page(run: RunRecord, fragment: str | None = None) -> Response:
    """The progress page of a running run (``fragment``: what an htmx poll gets)."""
    return render(
        "changes/run.html",
        fragment,
        run=run,
        bar=plan_view.Bar(run.done, run.total),
        status_url=url_for("runs.status", run_id=run.id),
        cancel_url=url_for("runs.cancel", run_id=run.id),
    )


def ended_page(run: RunRecord, state: RunState) -> Response:
    """The report of a run that ended: the one an apply in the request shows."""
    stored = decode(run.report)
    results = stored.results
    note = stored.note
    if state in ENDED_EARLY:
        results = applied_by_journal(run, stored)
        note = ENDED_EARLY[state].format(done=run.done, total=run.total)
        note += JOURNALED.format(change_set=run.change_set)
    elif state is RunState.FAILED:
        note = FAILED.format(done=run.done, total=run.total, error=stored.error)
    report = ApplyReport(results, run.change_set, stored.not_recorded)
    bar = plan_view.Bar(run.done, run.total)
    root = PropertyPath.parse(run.root)
    return plan_view.report_page(
        run.heading,
        root,
        report,
        run.back_url,
        run.back_label,
        note=note,
        bar=bar,
        ended=ENDED.get(state, "applied"),
    )


def applied_by_journal(run: RunRecord, stored: StoredReport) -> tuple[Result, ...]:
    """What the journal holds for the run's change set, and the stored results it cannot
    hold (everything but "applied"), each listed once."""
    try:
        entries = services().journal.change_set(run.change_set)
    except JournalUnavailable:
        return stored.results  # the runner's own account, when the journal does not answer
    return ended_early(entries, PropertyPath.parse(run.root), stored if run.report else None)


def keeps_session(session_id: str) -> bool:
    """True when a running background apply still writes with the CloudBees CD session
    ``session_id``: a logout (or an expired login) leaves it to the run, which ends it when
    it ends. False when none does, or the database does not answer."""
    try:
        return plan_view.run_store().defer_logout(session_id)
    except JournalUnavailable:
        return False
