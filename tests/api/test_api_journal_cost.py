"""What an API write costs the journal's database: its read rides with its record, as a
page's save does (``journaling.read_to_write``): one statement on PostgreSQL, one
transaction on SQLite. A write that writes nothing shows its read after the view. Real
emulator, dashboard and (when installed) PostgreSQL; statements counted as
tests/journal counts them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.journal import Outcome
from tests.api.conftest import DATA_KEY
from tests.api.support import Api, make_key
from tests.conftest import DashboardFactory
from tests.journal.support import statements
from tests.support.client import Client
from tests.support.postgres import PostgresServer, running_postgres
from tests.support.servers import DashboardThread, EmulatorProcess
from tests.web.conftest import services_of
from tests.web.test_history_unknown import entries_of


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def journaled(
    request: pytest.FixtureRequest, make_dashboard: DashboardFactory
) -> tuple[DashboardThread, Api]:
    """A dashboard on the default SQLite journal or on PostgreSQL, and a key of admin's."""
    extra = {}
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        extra["PROPDESK_DATABASE_URL"] = server.create_database()
    dash = make_dashboard(PROPDESK_DATA_KEYS=DATA_KEY, **extra)
    return dash, Api(dash, make_key(Client(dash), "cost-bot"))


PRUNE = "DELETE FROM journal_entries WHERE journal_entries.at <"
"""The retention prune: sent at most once a ``PRUNE_EVERY`` by whichever call comes first,
not part of a write."""


def journal_statements(sent: list[tuple[str, object]]) -> list[str]:
    """The statements of ``sent`` that touch the journal (not the API keys' table, not
    the retention prune)."""
    return [sql for sql, _ in sent if "journal_" in sql and not sql.startswith(PRUNE)]


def test_an_api_write_costs_the_journal_one_record(
    journaled: tuple[DashboardThread, Api], emulator: EmulatorProcess
) -> None:
    dash, api = journaled
    journal = services_of(dash).journal
    path = f"/projects/{emulator.new_project('cost', v='0')}/v"
    assert api.get("/properties" + path).status_code == 200  # the journal's baseline
    for value in ("1", "2"):
        with statements(journal.database.engine) as sent:
            assert api.put("/properties" + path, json={"value": value}).status_code == 200
        found = journal_statements(sent)
        if journal.database.backend == "postgresql":
            assert len(found) == 1 and found[0].lstrip().startswith("WITH"), found
        else:  # one transaction: the known state (checked against the read), entry, state
            assert len(found) == 3, found
    with statements(journal.database.engine) as sent:
        assert api.delete("/properties" + path).status_code == 204
    assert len(journal_statements(sent)) == (1 if journal.database.backend == "postgresql" else 3)
    entries = entries_of(dash, path)
    assert [(e.after and e.after.value) for e in entries] == ["1", "2", None]
    assert {e.outcome for e in entries} == {Outcome.DONE}


def test_a_write_that_writes_nothing_still_shows_its_read_to_the_journal(
    journaled: tuple[DashboardThread, Api], emulator: EmulatorProcess
) -> None:
    # Changed at the server behind propdesk's back, then a PUT refused by If-Match: the
    # refused write's read (shown after the view) records the outside change.
    dash, api = journaled
    path = f"/projects/{emulator.new_project('cost', v='0')}/v"
    etag = api.get("/properties" + path).headers["ETag"]
    emulator.put_value(path, "outside")
    stale = api.put("/properties" + path, json={"value": "mine"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    (outside,) = entries_of(dash, path)
    assert outside.external and outside.after is not None and outside.after.value == "outside"
