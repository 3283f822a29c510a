"""What a save costs the journal's database, and connections that die in the pool.

A save records its change with its own re-read (``record(..., seen=...)``): one statement
on PostgreSQL, with no ping of a connection used moments ago. A pooled
connection that the server dropped is replaced (pinged after idling, or found dead and the
work run once more), and a record retried after its connection died unanswered is written
once even when its first try had landed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from app.journal import Change, Journal, database, open_journal
from tests.journal.conftest import fresh_url
from tests.journal.support import ADMIN, LATER, PATH, Clock, prop, statements

SAVE = Change.between(PATH, prop("v1"), prop("v2", modified=LATER), ADMIN)


def plain(journal: Journal) -> psycopg.Connection[Any]:
    """A psycopg connection of its own to the journal's PostgreSQL database."""
    url = make_url(journal.database.url.render_as_string(hide_password=False))
    return psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    )


def kill_pool(journal: Journal) -> int:
    """Terminate every other server connection to the journal's database (what a server
    restart or an idle timeout does to pooled connections); how many went."""
    with plain(journal) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(killed[0]) if killed else 0


@pytest.fixture
def pg_journal(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Journal]:
    """A migrated journal on PostgreSQL only (SQLite has no connections to lose)."""
    opened = open_journal(fresh_url("postgresql", request, tmp_path), clock=clock)
    yield opened
    opened.database.dispose()


def count_pings(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, one item per ping the journal's pool sends."""
    sent: list[int] = []
    dialect = journal.database.engine.dialect
    real = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        sent.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return sent


def test_a_save_sends_one_statement_on_postgresql(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = count_pings(journal, monkeypatch)
    journal.observe(PATH, prop("v1"))  # the baseline
    with statements(journal.database.engine) as sent:
        journal.record([SAVE], seen={PATH: prop("v1")})  # with the save's re-read
    if journal.database.backend == "postgresql":
        assert len(sent) == 1 and sent[0][0].lstrip().startswith("WITH")
    else:  # one transaction: the known state (checked against the re-read), entry, state
        assert len(sent) == 3
    assert pings == []  # connections used moments ago are not pinged
    assert [e.after for e in journal.history(PATH).items] == [SAVE.after]


def test_a_connection_idle_for_long_is_pinged_first(
    pg_journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = count_pings(pg_journal, monkeypatch)
    pg_journal.observe(PATH, prop("v1"))
    monkeypatch.setattr(database, "PING_IDLE", -1.0)  # every checkout counts as idle
    assert kill_pool(pg_journal) >= 1
    pg_journal.record([SAVE])  # the ping finds the connection dead: the pool replaces it
    assert pings and len(pg_journal.history(PATH).items) == 1


def test_a_connection_dropped_by_the_server_is_replaced(pg_journal: Journal) -> None:
    pg_journal.observe(PATH, prop("v1"))
    assert kill_pool(pg_journal) >= 1
    assert pg_journal.observe(PATH, prop("v1")) is None  # run once more on a fresh connection
    assert kill_pool(pg_journal) >= 1
    (entry,) = pg_journal.record([SAVE])
    assert [e.id for e in pg_journal.history(PATH).items] == [entry.id]


@pytest.mark.parametrize("with_reread", [False, True])
def test_a_record_whose_connection_died_after_it_landed_is_written_once(
    pg_journal: Journal, with_reread: bool
) -> None:
    pg_journal.observe(PATH, prop("v1"))
    engine = pg_journal.database.engine

    done: list[int] = []

    def land_then_die(conn: Any, cursor: Any, sql: str, params: Any, *_: Any) -> None:
        """The statement lands (sent on another connection), then this connection dies
        before the answer: the outcome the retry cannot know."""
        if done or not sql.lstrip().startswith("WITH"):
            return
        done.append(1)
        pid = conn.connection.dbapi_connection.info.backend_pid
        with plain(pg_journal) as other:
            other.execute(sql, params)
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))

    event.listen(engine, "before_cursor_execute", land_then_die)
    try:
        (entry,) = pg_journal.record([SAVE], seen={PATH: prop("v1")} if with_reread else None)
    finally:
        event.remove(engine, "before_cursor_execute", land_then_die)
    assert done
    assert [e.id for e in pg_journal.history(PATH).items] == [entry.id]
    assert pg_journal.observe(PATH, prop("v2", modified=LATER)) is None  # the state moved
