"""The journal suite runs every test against SQLite and a real PostgreSQL server that it
starts itself (``tests.support.postgres``). Without PostgreSQL installed those tests skip
with one line; in CI (``CI=true``) they fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.journal import Journal, open_journal
from tests.journal.support import Clock
from tests.support.postgres import PostgresServer, running_postgres

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the run (each test gets its own database in it)."""
    with running_postgres() as server:
        yield server


def fresh_url(backend: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """An empty database of ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'data' / 'propdesk.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    return fresh_url(str(request.param), request, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journal(database_url: str, clock: Clock) -> Iterator[Journal]:
    """A migrated journal that keeps values, on a clock the test moves."""
    opened = open_journal(database_url, clock=clock)
    yield opened
    opened.database.dispose()


@pytest.fixture
def hashed_journal(database_url: str, clock: Clock) -> Iterator[Journal]:
    """A journal with ``PROPDESK_JOURNAL_VALUES=0``: SHA-256 of values only."""
    opened = open_journal(database_url, clock=clock, keep_values=False)
    yield opened
    opened.database.dispose()
