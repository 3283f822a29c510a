"""The background applies' store (``app.journal.runs``) on SQLite and PostgreSQL: a run's
life (start, beats with progress, a cancel request, its end and report), its owner, a
heartbeat gone stale read as interrupted, a worker that stops, the logout that waits for a
run, and revision 0003 upgrading a database at 0002."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from app.journal import Actor, Database, migrate
from app.journal.run_tables import APPLY_RUNS
from app.journal.runs import STALE, NewRun, RunState, RunStore
from tests.journal.support import Clock

OWNER = Actor("admin", "alice@example.com")
NEW = NewRun(
    actor=OWNER,
    root="/projects/p/deploy",
    source="import",
    heading="Import (merge)",
    back_url="/browse/projects/p/deploy/",
    back_label="Back to the sheet",
    total=500,
    worker="host:123",
    change_set="cs-1",
    session_id="upstream-session-1",
)


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[RunStore]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield RunStore(database, clock)
    database.dispose()


def test_a_run_starts_beats_and_ends_with_its_report(store: RunStore, clock: Clock) -> None:
    run_id = store.start(NEW)
    assert len(run_id) >= 32 and run_id != store.start(NEW)
    run = store.get(run_id)
    assert run is not None and run.state is RunState.RUNNING and run.done == 0
    assert (run.actor, run.total, run.change_set, run.report) == (OWNER, 500, "cs-1", None)
    clock.advance(seconds=1)
    assert store.beat(run_id, {"applied": 40, "already": 5, "conflicts": 1}) is False
    run = store.get(run_id)
    assert run is not None and run.done == 46 and run.counts["failed"] == 0
    assert run.heartbeat == clock.now
    ended = store.end(run_id, RunState.FINISHED, {"applied": 500}, '{"results":[]}')
    assert ended is False  # no logout waited for it
    run = store.get(run_id)
    assert run is not None and run.state is RunState.FINISHED and run.finished == clock.now
    assert (run.done, run.report) == (500, '{"results":[]}')
    assert store.get("no-such-run") is None


def test_a_cancel_request_reaches_the_next_beat_and_only_while_running(store: RunStore) -> None:
    run_id = store.start(NEW)
    assert store.beat(run_id, {}) is False
    assert store.cancel(run_id) is True
    assert store.beat(run_id, {"applied": 3}) is True
    store.end(run_id, RunState.CANCELLED, {"applied": 3}, None)
    assert store.cancel(run_id) is False  # over: nothing to cancel


def test_only_the_owner_owns_a_run(store: RunStore) -> None:
    run = store.get(store.start(NEW))
    assert run is not None and run.owned_by(Actor("admin", "alice@example.com"))
    assert not run.owned_by(Actor("admin", "mallory@example.com"))
    assert not run.owned_by(Actor("bob", "alice@example.com"))


def test_a_stale_heartbeat_reads_as_interrupted(store: RunStore, clock: Clock) -> None:
    run = store.get(store.start(NEW))
    assert run is not None
    assert run.effective_state(clock.now + STALE) is RunState.RUNNING
    assert run.effective_state(clock.now + STALE * 2) is RunState.INTERRUPTED
    assert replace(run, state=RunState.FINISHED).effective_state(clock.now + STALE * 2) is (
        RunState.FINISHED
    )


def test_a_stopping_worker_marks_its_running_runs_interrupted(store: RunStore) -> None:
    first, second, done = store.start(NEW), store.start(NEW), store.start(NEW)
    store.end(done, RunState.FINISHED, {}, None)
    assert store.interrupt([first, second, done]) == 2
    assert [store.get(i).state for i in (first, second, done)] == [  # type: ignore[union-attr]
        RunState.INTERRUPTED,
        RunState.INTERRUPTED,
        RunState.FINISHED,
    ]
    assert store.interrupt([]) == 0


def test_a_logout_waits_for_the_live_runs_of_its_session(store: RunStore, clock: Clock) -> None:
    run_id = store.start(NEW)
    other = store.start(replace(NEW, session_id="another-session"))
    assert store.defer_logout("unknown-session") is False
    assert store.defer_logout("upstream-session-1") is True
    assert store.still_used("upstream-session-1")
    assert store.end(other, RunState.FINISHED, {}, None) is False  # not that session's logout
    assert store.end(run_id, RunState.FINISHED, {}, None) is True  # the run ends the session
    assert not store.still_used("upstream-session-1")
    assert store.defer_logout("upstream-session-1") is False  # nothing runs: end it now
    stale = store.start(NEW)
    clock.advance(seconds=STALE.total_seconds() + 1)  # its worker is gone: do not wait for it
    assert store.defer_logout("upstream-session-1") is False and store.get(stale) is not None


def test_the_session_itself_is_never_stored(store: RunStore) -> None:
    store.start(NEW)
    with store.database.single_read() as conn:
        row = conn.execute(select(APPLY_RUNS)).one()
    assert "upstream-session-1" not in [str(value) for value in row]


def test_revision_0003_adds_the_table_to_a_database_at_0002(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(db, "0002")
    assert "apply_runs" not in inspect(db.engine).get_table_names()
    done = migrate.upgrade(db)
    assert (done.before, done.after) == ("0002", "0003")
    assert "apply_runs" in inspect(db.engine).get_table_names()
    migrate.downgrade(db, "0002")
    assert "apply_runs" not in inspect(db.engine).get_table_names()
    db.dispose()
