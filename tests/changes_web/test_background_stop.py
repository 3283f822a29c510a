"""A background apply that stops early, or outlives its login, against the emulator over
HTTP: a cancel takes effect between operations, a logout or an expired login does not stop
the run (the logout's end of the CloudBees CD session waits for it), a stopping worker
marks its runs interrupted, and a run whose heartbeat went stale reads as interrupted. The
report of a run that ended early lists what the journal holds of its change set.

What is mocked, and why: ``paused_after_first`` holds the run's thread at its first
result (a wrapper around the real ``apply``, which still writes to the emulator and the
journal), so the test acts while the run is surely under way; the emulator cannot be told
to hold one apply mid-way on demand, and a sleep would make these tests depend on timing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.changes import Action, Operation, Plan, Result, State, Status, Target, background
from app.changes import apply as real_apply
from app.changes.run_report import UNKNOWN, StoredReport, decode, ended_early
from app.cloudbees import CloudBeesClient, Property, PropertyPath
from app.config import Settings
from app.edit_lock import EditLocks
from app.journal import Action as JournalAction
from app.journal import (
    Actor,
    Change,
    Database,
    Entry,
    JournalUnavailable,
    Kind,
    Outcome,
    Snapshot,
    Source,
    migrate,
)
from app.journal.runs import STALE, NewRun, RunState, RunStore
from app.services import Services
from tests.changes_web import test_background_apply as large
from tests.changes_web.conftest import Grow
from tests.changes_web.test_background_apply import (
    apply_preview,
    ended_report,
    import_preview,
    started_run,
    values,
)
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import (
    Clock,
    DashboardProcess,
    DashboardThread,
    EmulatorProcess,
    dashboard_env,
    wait_until,
)

small_dash = large.small_dash  # the same fixtures: a dashboard with a threshold of 3
owner = large.owner


@dataclass
class Pause:
    """The first result of a run: ``reached`` once the run got there, and the run goes
    on when ``release`` is set."""

    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@contextmanager
def paused_after_first() -> Iterator[Pause]:
    """Hold every background run at its first result, before the run hears of it (so a
    cancel or a stop seen meanwhile takes effect right after that first operation)."""
    pause = Pause()

    def paused(plan: Plan, target: Target, progress: Callable[[Result], None]) -> object:
        def heard(result: Result) -> None:
            if not pause.reached.is_set():
                pause.reached.set()
                pause.release.wait(30)
            progress(result)

        return real_apply(plan, target, heard)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(background, "apply", paused)
        try:
            yield pause
        finally:
            pause.release.set()


@contextmanager
def paused_import(owner: Client, project: str, count: int) -> Iterator[str]:
    """An import of ``count`` values into ``project`` started in the background and held
    at its first result (``paused_after_first``): its run id."""
    with paused_after_first() as pause:
        run_id = started_run(apply_preview(owner, import_preview(owner, project, values(count))))
        assert pause.reached.wait(10)
        yield run_id


def handle(run_id: str) -> background.Handle:
    """The run under way in this process (the dashboard runs in the test's process)."""
    found = background.active().get(run_id)
    assert found is not None
    return found


def test_a_cancel_takes_effect_between_operations(owner: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("cancel")
    with paused_import(owner, project, 8) as run_id:
        cancelled = owner.hx("POST", f"/changes/runs/{run_id}/cancel")
        assert cancelled.headers["HX-Redirect"].endswith(f"/changes/runs/{run_id}")
        assert "Cancelling" in owner.get(f"/changes/runs/{run_id}").text
        assert wait_until(lambda: handle(run_id).cancel.is_set(), timeout=5)  # a beat saw it
    report = ended_report(owner, run_id)
    assert "Import: cancelled</h1>" in report and "Import: applied" not in report
    assert "Cancelled at your request after 1 of 8 operations" in report
    assert "<strong>1</strong> applied" in report and "<code>k0</code>" in report
    assert emulator.value(f"/projects/{project}/k0") == "v0"
    with pytest.raises(Exception, match="404"):
        emulator.property_at(f"/projects/{project}/k1")


def test_a_logout_during_a_run_does_not_stop_it_and_waits_to_end_the_session(
    owner: Client, emulator: EmulatorProcess, small_dash: DashboardThread
) -> None:
    project = emulator.new_project("logout")
    with paused_import(owner, project, 6) as run_id:
        emulator.reset_counts()
        assert owner.hx("POST", "/logout").status_code == 200
        assert emulator.requests_to("/sessions", "DELETE") == []  # deferred: the run needs it
    wait_until(lambda: run_id not in background.active(), timeout=30)
    assert [emulator.value(f"/projects/{project}/k{i}") for i in range(6)] == [
        f"v{i}" for i in range(6)
    ]
    assert len(emulator.requests_to("/sessions", "DELETE")) == 1  # the run ended it
    again = Client(small_dash)
    assert "<strong>6</strong> applied" in ended_report(again, run_id)


def test_an_expired_login_does_not_stop_a_run(
    owner: Client, emulator: EmulatorProcess, small_dash: DashboardThread, clock: Clock
) -> None:
    project = emulator.new_project("expired")
    with paused_import(owner, project, 5) as run_id:
        emulator.reset_counts()
        services: Services = small_dash.app.extensions["propdesk"]
        clock.advance(services.login_state.idle_timeout + services.login_state.touch_every + 1)
        store = RunStore(services.journal.database, services.journal.clock)
        later = services.journal.clock() - timedelta(seconds=1)
        wait_until(lambda: store.get(run_id).heartbeat >= later)  # type: ignore[union-attr]
        expired = owner.get("/browse/", allow_redirects=False)  # the run beats on the new time
        assert expired.status_code == 303 and "expired=1" in expired.headers["Location"]
        assert emulator.requests_to("/sessions", "DELETE") == []
    wait_until(lambda: run_id not in background.active(), timeout=30)
    assert emulator.value(f"/projects/{project}/k4") == "v4"
    assert len(emulator.requests_to("/sessions", "DELETE")) == 1


def test_a_stopping_worker_marks_its_runs_interrupted(
    owner: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("stop")
    with paused_import(owner, project, 6) as run_id:
        assert background.interrupt_running(wait=0.2) == 1  # worker_exit's call
        assert "Interrupted after" in owner.get(f"/changes/runs/{run_id}").text
    wait_until(lambda: run_id not in background.active(), timeout=30)
    report = owner.get(f"/changes/runs/{run_id}").text
    assert "Import: interrupted</h1>" in report
    assert "Interrupted after 1 of 6 operations" in report
    assert "<strong>1</strong> applied" in report and "<code>k0</code>" in report
    with pytest.raises(Exception, match="404"):
        emulator.property_at(f"/projects/{project}/k1")


def test_a_run_whose_heartbeat_expired_reads_as_interrupted_from_the_journal(
    owner: Client, emulator: EmulatorProcess, small_dash: DashboardThread
) -> None:
    """A worker killed outright: its row still says running, its heartbeat is old; the
    report lists what the journal holds of its change set."""
    services: Services = small_dash.app.extensions["propdesk"]
    project = emulator.new_project("killed")
    root = PropertyPath.project(project)
    actor = Actor("admin", "")
    written = [root.child("a"), root.child("b")]
    services.journal.record(
        Change.between(
            path,
            None,
            Property(id=1, name=path.name, value="1"),
            actor,
            source=Source.IMPORT,
            change_set="killed-set-1",
        )
        for path in written
    )
    long_ago = datetime.now(UTC) - STALE - timedelta(seconds=5)
    store = RunStore(services.journal.database, lambda: long_ago)
    new = NewRun(actor, str(root), "import", "Import (merge)", "/browse/", "Back", 10,
                 "gone-host:1", "killed-set-1", "some-session")  # fmt: skip
    run_id = store.start(new)
    report = owner.get(f"/changes/runs/{run_id}").text
    assert "Interrupted after 0 of 10 operations" in report and "killed-set-1" in report
    assert "<strong>2</strong> applied" in report
    assert "<code>a</code>" in report and "<code>b</code>" in report
    status = owner.get(f"/changes/runs/{run_id}/status", htmx=True)
    assert status.headers["HX-Redirect"].endswith(f"/changes/runs/{run_id}")  # no more polls


def test_a_large_move_keeps_the_source_when_a_copy_operation_failed(
    owner: Client, emulator: EmulatorProcess, grow: Grow, cd: CloudBeesClient
) -> None:
    project = emulator.new_project("keep")
    grow(f"/projects/{project}", {"conf": {f"v{i}": str(i) for i in range(4)}})
    grow(f"/projects/{project}", {"moved": {f"v{i}": "old" for i in range(4)}})
    data = {"csrf_token": owner.token, "destination": f"/projects/{project}/moved", "mode": "move"}
    page = owner.post(f"/copy/projects/{project}/conf/", data).text
    assert "<strong>4</strong> to change" in page
    with paused_after_first() as pause:
        answer = apply_preview(owner, page, "/copy-apply/", ("confirm_deletes", "1"))
        run_id = started_run(answer)
        assert pause.reached.wait(10)
        cd.properties.delete(PropertyPath.project(project, "moved"))  # the next writes fail
    report = ended_report(owner, run_id)
    assert "The source was kept" in report and "<strong>1</strong> applied" in report
    assert "<strong>3</strong> failed" in report
    assert emulator.value(f"/projects/{project}/conf/v0") == "0"  # not deleted


def test_gunicorn_stopping_a_worker_marks_its_run_interrupted(
    fresh_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    """The shipped server: a graceful stop (TERM) runs ``worker_exit`` in the worker, which
    stops the run at its next operation and stores it as interrupted. The emulator answers
    each call 50 ms late so the run is still going when the stop comes."""
    env = dashboard_env(
        fresh_emulator.base_url,
        tmp_path / "sessions",
        WEB_CONCURRENCY="1",
        PROPDESK_BACKGROUND_APPLY_OPERATIONS="3",
    )
    dash = DashboardProcess(env, tmp_path / "gunicorn.log")
    try:
        client = Client(dash)  # type: ignore[arg-type]  # only its url is used
        project = fresh_emulator.new_project("term")
        fresh_emulator.set_latency(50)
        run_id = started_run(apply_preview(client, import_preview(client, project, values(200))))
        status = f"/changes/runs/{run_id}/status"
        assert "run-bar" in client.get(status, htmx=True).text  # running
    finally:
        dash.stop()
    fresh_emulator.set_latency(0)
    database = Database(Settings.from_env(env).database)
    run = RunStore(database).get(run_id)
    database.dispose()
    assert run is not None and run.state is RunState.INTERRUPTED, run
    assert 0 < run.done < 200 and run.finished is not None
    assert "Worker exiting" in (tmp_path / "gunicorn.log").read_text()


def test_a_stop_never_falls_between_a_delete_and_its_re_create(
    emulator: EmulatorProcess, cd: CloudBeesClient, tmp_path: Path
) -> None:
    """An entry that changes kind is deleted, then created again: a cancel seen after the
    delete takes effect only after the create (no run leaves it missing)."""
    value, sheet = State(False, "1"), State(True)
    plan = Plan(
        (
            Operation(Action.DELETE, ("a",), value, None),
            Operation(Action.CREATE, ("a",), None, sheet),
            Operation(Action.CREATE, ("b",), None, value),
        )
    )
    root = PropertyPath.project(emulator.new_project("pair"))
    target = local_target(cd, root, tmp_path)
    store = RunStore(Database(f"sqlite:///{tmp_path / 'runs.sqlite3'}"))
    handle = background.Handle("run", background.Job((background.Step(plan, root),), target, cd),
                               store, "set")  # fmt: skip
    handle.cancel.set()
    handle.heard(Result(plan.operations[0], Status.APPLIED))  # the delete: goes on
    with pytest.raises(background.Stopped):
        handle.heard(Result(plan.operations[1], Status.APPLIED))  # after the create: stops
    assert len(handle.results) == 2 and handle.counts["applied"] == 2


def test_another_replica_shows_and_cancels_a_run(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    """Two dashboards on one database (replicas): the one that did not start the run shows
    its progress and report, and its cancel reaches the run (through the database)."""
    shared = {
        "PROPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "PROPDESK_BACKGROUND_APPLY_OPERATIONS": "3",
    }
    first, second = Client(make_dashboard(**shared)), Client(make_dashboard(**shared))
    project = emulator.new_project("replica")
    with paused_import(first, project, 6) as run_id:
        assert "Import: applying</h1>" in second.get(f"/changes/runs/{run_id}").text
        assert second.hx("POST", f"/changes/runs/{run_id}/cancel").status_code == 200
        assert wait_until(lambda: handle(run_id).cancel.is_set(), timeout=5)
    assert "Cancelled at your request after 1 of 6" in ended_report(second, run_id)


def local_target(cd: CloudBeesClient, root: PropertyPath, tmp_path: Path) -> Target:
    """Where a run made in the test writes: under ``root`` as admin, with save locks in a
    folder of ``tmp_path``."""
    locks = EditLocks(folder=tmp_path / "locks")
    lock = lambda path: locks.hold(str(path), lease=30)  # noqa: E731
    return Target(cd.properties, root, lock, None, Actor("admin", ""))


def create_a(cd: CloudBeesClient, root: PropertyPath, tmp_path: Path) -> background.Job:
    """A job of one operation: create the value ``a`` = 1 under ``root``."""
    plan = Plan((Operation(Action.CREATE, ("a",), None, State(False, "1")),))
    return background.Job((background.Step(plan, root),), local_target(cd, root, tmp_path), cd)


def runs_database(tmp_path: Path) -> Database:
    """A journal database of its own in ``tmp_path``, migrated."""
    database = Database(f"sqlite:///{tmp_path / 'runs.sqlite3'}")
    migrate.upgrade(database)
    return database


def journaled(path: PropertyPath, outcome: Outcome, entry_id: int) -> Entry:
    """A journal entry of a run's change set: the create of ``path`` with ``outcome``."""
    return Entry(
        entry_id, datetime.now(UTC), path, Kind.PROPERTY, JournalAction.CREATE, Source.IMPORT,
        outcome, Actor("admin", ""), None, Snapshot("1"), None, "set-1",
    )  # fmt: skip


def test_a_write_without_an_answer_is_listed_once_in_the_report_of_a_run_that_ended_early() -> None:
    """The runner stored its report (a write that got no answer is one of its failures)
    and the journal holds that write too: the report lists it once, as the journal has
    settled it since (``d`` landed). A runner that stored nothing leaves the journal's
    account as the only one."""
    root = PropertyPath.project("p")
    created = [Operation(Action.CREATE, (name,), None, State(False, "1")) for name in "abcd"]
    no_answer = "no answer from CloudBees CD (timeout): it may or may not have landed"
    stored = StoredReport(
        (
            Result(created[0], Status.APPLIED),
            Result(created[1], Status.FAILED, reason=no_answer),
            Result(created[2], Status.CONFLICT, reason="changed since the plan was made"),
            Result(created[3], Status.FAILED, reason=no_answer),
        )
    )
    entries = [journaled(root.child("a"), Outcome.DONE, 1)]
    entries.append(journaled(root.child("b"), Outcome.UNKNOWN, 2))
    entries.append(journaled(root.child("d"), Outcome.DONE, 3))  # settled: it landed
    results = ended_early(entries, root, stored)
    assert [(r.operation.names, r.status, r.reason) for r in results] == [
        (("a",), Status.APPLIED, ""),
        (("b",), Status.FAILED, UNKNOWN),
        (("d",), Status.APPLIED, ""),
        (("c",), Status.CONFLICT, "changed since the plan was made"),
    ]
    alone = ended_early(entries[:2], root, None)
    assert [(r.operation.names, r.status, r.reason) for r in alone] == [
        (("a",), Status.APPLIED, ""),
        (("b",), Status.FAILED, UNKNOWN),
    ]


class EndFailsOnce(RunStore):
    """The real store, except that storing the run's end fails the first time (a database
    cannot be made to fail exactly once on demand: this is the one mocked part)."""

    failed = False

    def end(
        self, run_id: str, state: RunState, counts: Mapping[str, int], report: str | None
    ) -> bool:
        if not self.failed:
            self.failed = True
            raise JournalUnavailable("the database is restarting")
        return super().end(run_id, state, counts, report)


def test_a_run_whose_end_fails_once_to_be_stored_is_stored_finished_with_its_report(
    emulator: EmulatorProcess, cd: CloudBeesClient, tmp_path: Path
) -> None:
    root = PropertyPath.project(emulator.new_project("end-again"))
    database = runs_database(tmp_path)
    store = EndFailsOnce(database)
    new = NewRun(Actor("admin", ""), str(root), "import", "Import", "/browse/", "Back", 1,
                 "here:1", "set-2", "")  # fmt: skip
    run_id = store.start(new)
    job = create_a(cd, root, tmp_path)
    background.Handle(run_id, job, store, "set-2").run()  # in this thread, to its end
    run = store.get(run_id)
    database.dispose()
    assert store.failed and run is not None and run.state is RunState.FINISHED
    assert run.counts["applied"] == 1 and run.report is not None
    assert [r.status for r in decode(run.report).results] == [Status.APPLIED]
    assert emulator.value(f"{root}/a") == "1"


def test_a_run_whose_thread_cannot_start_is_stored_failed_and_writes_nothing(
    emulator: EmulatorProcess, cd: CloudBeesClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not left running (then read as interrupted by a worker that stopped): stored failed,
    with why. A thread that cannot start is mocked (the interpreter refuses new threads
    only while it stops)."""
    root = PropertyPath.project(emulator.new_project("no-thread"))
    database = runs_database(tmp_path)
    store = RunStore(database)

    def new(worker: str, change_set: str) -> NewRun:
        return NewRun(Actor("admin", ""), str(root), "import", "Import", "/browse/", "Back", 1,
                      worker, change_set, "")  # fmt: skip

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't create new thread at interpreter shutdown")

    monkeypatch.setattr(threading.Thread, "start", refused)
    run_id = background.start(create_a(cd, root, tmp_path), store, new)
    monkeypatch.undo()
    run = store.get(run_id)
    database.dispose()
    assert run is not None and run.state is RunState.FAILED and run_id not in background.active()
    assert "it could not start (can't create new thread" in decode(run.report).error
    with pytest.raises(Exception, match="404"):
        emulator.property_at(f"{root}/a")
