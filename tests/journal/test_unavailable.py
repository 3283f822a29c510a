"""A database that is down is one typed error, ``JournalUnavailable``, never a crash: at
start (propdesk starts anyway and migrates once it can), and mid-life (PostgreSQL stopped,
a SQLite file that cannot be opened or is not a database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.journal import ActivityFilter, Actor, Change, Journal, JournalUnavailable, open_journal
from app.journal.journal import RETRY_SCHEMA
from tests.journal.support import PATH, START, Clock, prop
from tests.support.postgres import PostgresServer, running_postgres

CHANGE = Change.between(PATH, prop("a"), prop("b"), Actor("admin"))


def every_call_fails(journal: Journal) -> None:
    calls: list[Callable[[], object]] = [
        lambda: journal.record([CHANGE]),
        lambda: journal.observe(PATH, prop("a")),
        lambda: journal.history(PATH),
        lambda: journal.activity(ActivityFilter()),
        lambda: list(journal.iter_activity(ActivityFilter())),
        lambda: journal.recent_changes([PATH], START),
        lambda: journal.prune(30),
    ]
    for call in calls:
        with pytest.raises(JournalUnavailable):
            call()
    state = journal.probe()
    assert state.status == "unavailable" and not state.ok and state.detail


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A cluster of its own, for a test that stops it."""
    with running_postgres() as server:
        yield server


def test_postgresql_going_down_and_coming_back(own_postgres: PostgresServer) -> None:
    journal = open_journal(own_postgres.create_database())
    journal.record([CHANGE])
    own_postgres.stop()
    every_call_fails(journal)
    own_postgres.start()
    assert journal.probe().ok
    assert len(journal.history(PATH).items) == 1
    journal.database.dispose()


def test_postgresql_down_at_start(own_postgres: PostgresServer) -> None:
    url = own_postgres.create_database()
    own_postgres.stop()
    clock = Clock()
    journal = open_journal(url, clock=clock)  # logs a warning, does not raise
    every_call_fails(journal)
    own_postgres.start()
    with pytest.raises(JournalUnavailable):
        journal.record([CHANGE])  # the last try was just now: no new one yet
    clock.advance(seconds=RETRY_SCHEMA + 1)
    assert len(journal.record([CHANGE])) == 1  # migrated on the way
    assert journal.probe().ok
    journal.database.dispose()


def test_sqlite_that_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    journal = open_journal(f"sqlite:///{tmp_path / 'not-a-folder' / 'propdesk.sqlite3'}")
    every_call_fails(journal)


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'propdesk.sqlite3'}"
    journal = open_journal(url)
    journal.record([CHANGE])
    journal.database.dispose()
    for leftover in tmp_path.glob("propdesk.sqlite3*"):
        leftover.unlink()
    (tmp_path / "propdesk.sqlite3").write_bytes(b"this is no database" * 512)
    every_call_fails(journal)
