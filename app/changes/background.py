"""Applies too large to wait for: run in a thread of the worker that took the request,
their status in the database (``app.journal.runs``), so any worker or replica shows them.

::

    job = Job((Step(plan, root),), target, client)          # target: lock, journal, actor
    run_id = start(job, RunStore(database), new_run)         # returns at once

The run's thread applies the plan with ``app.changes.apply``, hearing of each result; a
second thread beats every ``BEAT`` seconds: it stores the counts and the heartbeat and
learns, in the same statement, whether the owner asked to cancel. The next result after
that stops the apply between operations (what was written is journaled first). A move is
two steps: the second (the delete of the source) runs only when every operation of the
first applied or already held its state.

The thread writes with its own CloudBees CD client (the login's ``sessionId``): a logout
or an expired login does not stop it. A logout that would end that session while the run
needs it is deferred (``RunStore.defer_logout``); the run ends the session when it ends.

A worker that stops (gunicorn's ``worker_exit``, or the interpreter's exit) calls
``interrupt_running``: its runs stop at their next operation and are marked
``interrupted``. A worker killed outright stops beating; readers then see its runs as
interrupted (``RunRecord.effective_state``). No Flask import here.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.changes.applying import Result, Status, Target, apply, replaces
from app.changes.errors import ChangeError
from app.changes.planning import Plan
from app.changes.run_report import StoredReport, encode
from app.cloudbees import CloudBeesClient, CloudBeesError, PropertyPath
from app.cloudbees.models import CdSession
from app.cloudbees.transport import SessionAuth
from app.journal import JournalUnavailable, new_change_set
from app.journal.runs import COUNTED, NewRun, RunState, RunStore

log = logging.getLogger(__name__)

BEAT = 0.5
"""Seconds between heartbeats (each stores the progress and reads the cancel flag)."""

END_TRIES = 3
"""Attempts at storing a run's end (``BEAT`` apart) before it is left to read as stale."""

STOP_WAIT = 3.0
"""Seconds a stopping worker waits for its runs to stop at their next operation."""

DONE = (Status.APPLIED, Status.ALREADY)
COUNTER = {
    Status.APPLIED: "applied",
    Status.ALREADY: "already",
    Status.CONFLICT: "conflicts",
    Status.FAILED: "failed",
}
"""The counter of ``RunRecord.counts`` each status adds to."""


class Stopped(Exception):
    """Raised between operations to end a run early (its state says why)."""

    def __init__(self, state: RunState) -> None:
        super().__init__(state.value)
        self.state = state


@dataclass(frozen=True)
class Step:
    """One plan and the root it applies under."""

    plan: Plan
    root: PropertyPath


@dataclass(frozen=True)
class Job:
    """What a run applies: its steps in order (a later step only when every operation of
    the earlier ones applied or already held), the target (lock, journal, actor, source;
    root and change set are set per run), the run's own client, and the note its report
    carries when a later step did not run."""

    steps: tuple[Step, ...]
    target: Target
    client: CloudBeesClient
    gate_note: str = ""

    @property
    def total(self) -> int:
        return sum(len(step.plan) for step in self.steps)

    @property
    def session_id(self) -> str:
        auth = self.client.auth
        return auth.session_id if isinstance(auth, SessionAuth) else ""


class Handle:
    """One run under way in this process: its results so far and its stop signals."""

    def __init__(self, run_id: str, job: Job, store: RunStore, change_set: str) -> None:
        self.id = run_id
        self.job = job
        self.store = store
        self.change_set = change_set
        self.results: list[Result] = []
        self.counts = dict.fromkeys(COUNTED, 0)
        self.held = pairs(job)
        self.cancel = threading.Event()  # the owner asked (a beat saw the flag)
        self.stop = threading.Event()  # this worker is stopping
        self.applied = threading.Event()  # the apply is over: the beats stop
        self.ended = threading.Event()  # ... and its end is stored
        self._lock = threading.Lock()

    def heard(self, result: Result) -> None:
        """One operation's result (``apply``'s progress): counted, then the run stops
        here when it was asked to."""
        with self._lock:
            self.results.append(result)
            self.counts[COUNTER[result.status]] += 1
            if len(self.results) - 1 in self.held:  # never between a delete and its re-create
                return
        if self.stop.is_set():
            raise Stopped(RunState.INTERRUPTED)
        if self.cancel.is_set():
            raise Stopped(RunState.CANCELLED)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def beat(self) -> None:
        """Store the progress and the heartbeat; note a cancel request."""
        try:
            if self.store.beat(self.id, self.snapshot()):
                self.cancel.set()
        except JournalUnavailable as err:  # the next beat tries again
            log.warning("background apply %s: heartbeat failed: %s", self.id, err)

    def keep_beating(self) -> None:
        while not self.applied.wait(BEAT):
            self.beat()

    def apply_steps(self) -> StoredReport:
        """Apply every step due; the report of what happened."""
        not_recorded = 0
        for number, step in enumerate(self.job.steps):
            if number and any(r.status not in DONE for r in self.results):
                return StoredReport(tuple(self.results), not_recorded, self.job.gate_note)
            target = replace(self.job.target, root=step.root, change_set=self.change_set)
            not_recorded += apply(step.plan, target, self.heard).not_recorded
        return StoredReport(tuple(self.results), not_recorded)

    def run(self) -> None:
        """The run's thread: apply, then store how it ended."""
        keeper = threading.Thread(target=self.keep_beating, name=f"beat-{self.id[:6]}", daemon=True)
        keeper.start()
        state, report = RunState.FINISHED, StoredReport()
        try:
            report = self.apply_steps()
        except Stopped as stop:
            state, report = stop.state, StoredReport(tuple(self.results))
        except Exception as err:  # a bug or a refusal: the run fails, the worker lives on
            log.exception("background apply %s failed", self.id)
            reason = err.message if isinstance(err, ChangeError | CloudBeesError) else repr(err)
            state, report = RunState.FAILED, StoredReport(tuple(self.results), error=reason)
        finally:
            self.applied.set()
            keeper.join()
            self.end(state, report)

    def end(self, state: RunState, report: StoredReport) -> None:
        """Store the end; end the upstream session when a logout waited for this run."""
        try:
            end_session = self.store_end(state, encode(report))
            if end_session and not self.store.still_used(self.job.session_id):
                user = self.job.target.actor.cd_user
                self.job.client.sessions.logout(CdSession(user, self.job.session_id))
        except (JournalUnavailable, CloudBeesError) as err:
            log.warning("background apply %s: storing its end failed: %s", self.id, err)
        finally:
            self.job.client.transport.close()  # this thread's pooled connections
            forget(self)
            self.ended.set()

    def store_end(self, state: RunState, report: str) -> bool:
        """``RunStore.end``, tried ``END_TRIES`` times ``BEAT`` apart: a database that
        fails once must not leave the row running (read as interrupted once its heartbeat
        is stale) with the report lost."""
        for _ in range(END_TRIES - 1):
            try:
                return self.store.end(self.id, state, self.snapshot(), report)
            except JournalUnavailable as err:
                log.warning("background apply %s: storing its end failed, again: %s", self.id, err)
                time.sleep(BEAT)
        return self.store.end(self.id, state, self.snapshot(), report)


def pairs(job: Job) -> frozenset[int]:
    """The places (in the order of results) of the deletes that the next operation
    undoes by creating the entry again as another kind: a run never stops between the two."""
    ops = [op for step in job.steps for op in step.plan.operations]
    return frozenset(i for i in range(len(ops) - 1) if replaces(ops[i], ops[i + 1]))


_active: dict[str, Handle] = {}
_lock = threading.Lock()
_hooked = False


def start(job: Job, store: RunStore, new: Callable[[str, str], NewRun]) -> str:
    """Store a new run and start its thread; its id. ``new(worker, change_set)`` makes
    the row's contents. A thread that cannot start leaves the run stored as failed, with
    nothing written."""
    global _hooked
    change_set = job.target.change_set or new_change_set()
    run_id = store.start(new(worker(), change_set))
    handle = Handle(run_id, job, store, change_set)
    with _lock:
        _active[run_id] = handle
        if not _hooked:
            atexit.register(interrupt_running)
            _hooked = True
    try:
        threading.Thread(target=handle.run, name=f"apply-{run_id[:6]}", daemon=True).start()
    except RuntimeError as err:  # no thread to be had (the interpreter is stopping, or out)
        log.error("background apply %s could not start: %s", run_id, err)
        handle.end(RunState.FAILED, StoredReport(error=f"it could not start ({err})"))
    return run_id


def worker() -> str:
    """This process as run rows name their worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


def forget(handle: Handle) -> None:
    with _lock:
        _active.pop(handle.id, None)


def active() -> dict[str, Handle]:
    """The runs under way in this process, by id."""
    with _lock:
        return dict(_active)


def interrupt_running(wait: float = STOP_WAIT) -> int:
    """This worker is stopping: stop its runs at their next operation (each stores itself
    as interrupted) and, after ``wait`` seconds, mark those still running interrupted in
    the database. How many runs there were."""
    handles = list(active().values())
    for handle in handles:
        handle.stop.set()
    deadline = time.monotonic() + wait
    for handle in handles:
        handle.ended.wait(max(0.0, deadline - time.monotonic()))
    stuck: dict[int, tuple[RunStore, list[str]]] = {}
    for handle in handles:
        if not handle.ended.is_set():
            stuck.setdefault(id(handle.store), (handle.store, []))[1].append(handle.id)
    for store, ids in stuck.values():
        try:
            store.interrupt(ids)
        except JournalUnavailable as err:  # readers see the stale heartbeat instead
            log.warning("could not mark runs %s interrupted: %s", ids, err)
    return len(handles)
