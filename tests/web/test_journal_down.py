"""A journal whose database fails never costs a change: the save, create and delete land
upstream, the answer says "not recorded in the history", a metric counts it, /readyz stays
ready and reports the database. SQLite whose file is broken mid-life, and a real PostgreSQL
that is stopped and started again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import DashboardFactory
from tests.support.client import Client, notice_of
from tests.support.postgres import PostgresServer, running_postgres
from tests.support.servers import DashboardThread, EmulatorProcess
from tests.web.conftest import services_of

TOKEN = "m" * 32
NOT_RECORDED = "not recorded in the history"


def break_sqlite(dash: DashboardThread) -> None:
    """Turn the dashboard's journal file into something that is not a database."""
    database = services_of(dash).journal.database
    file = database.sqlite_file
    assert file is not None
    database.dispose()
    for leftover in file.parent.glob(file.name + "*"):
        leftover.unlink()
    file.write_bytes(b"this is no database" * 512)


def failures(dash: DashboardThread) -> float:
    """``propdesk_journal_failures_total{operation="record"}`` as /metrics says it."""
    text = requests.get(
        dash.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).text
    found = re.search(r'propdesk_journal_failures_total\{operation="record"\} ([0-9.e+]+)', text)
    return float(found.group(1)) if found else 0.0


def database_state(dash: DashboardThread) -> dict[str, str]:
    ready = requests.get(dash.url + "/readyz", timeout=30)
    assert ready.status_code == 200 and ready.json()["status"] == "ok", ready.text
    state: dict[str, str] = ready.json()["database"]
    return state


def test_readyz_reports_the_database(dashboard: DashboardThread) -> None:
    state = database_state(dashboard)
    assert state["status"] == "ok" and state["backend"] == "sqlite"
    assert state["revision"] == state["head"]


def test_broken_sqlite_loses_no_change(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess, project: str
) -> None:
    dash = make_dashboard(PROPDESK_METRICS_TOKEN=TOKEN)
    admin = Client(dash)
    path = f"/projects/{project}/kept"
    emulator.put_value(path, "before")
    form = admin.editor(path)
    break_sqlite(dash)
    counted = failures(dash)
    form["value"] = "after"
    saved = admin.save(path, form)
    assert saved.status_code == 200 and emulator.value(path) == "after"
    assert notice_of(saved) == (
        "Saved kept, but not recorded in the history (propdesk's journal database did not answer)."
    )
    assert failures(dash) == counted + 1
    state = database_state(dash)
    assert state["status"] == "unavailable" and state["detail"]
    made = admin.hx("POST", f"/new/projects/{project}/", {"kind": "value", "name": "new"})
    assert made.status_code == 200 and NOT_RECORDED in notice_of(made)
    gone = admin.hx("POST", f"/delete/projects/{project}/new")
    assert gone.status_code == 200 and NOT_RECORDED in notice_of(gone)
    assert admin.get("/browse" + path).status_code == 200  # reading goes on without it
    assert admin.get(f"/browse/projects/{project}/").status_code == 200
    down = admin.get("/history" + path)
    assert down.status_code == 503 and "History unavailable" in down.text
    assert admin.get("/activity").status_code == 503


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of the test's own (it is stopped and started)."""
    with running_postgres() as server:
        yield server


def test_stopped_postgresql_loses_no_save(
    make_dashboard: DashboardFactory,
    emulator: EmulatorProcess,
    project: str,
    own_postgres: PostgresServer,
) -> None:
    dash = make_dashboard(PROPDESK_DATABASE_URL=own_postgres.create_database())
    admin = Client(dash)
    path = f"/projects/{project}/pg"
    emulator.put_value(path, "one")
    form = admin.editor(path)
    own_postgres.stop()
    form["value"] = "two"
    saved = admin.save(path, form)
    assert saved.status_code == 200 and emulator.value(path) == "two"
    assert NOT_RECORDED in notice_of(saved)
    state = database_state(dash)
    assert state["status"] == "unavailable" and state["backend"] == "postgresql"
    own_postgres.start()
    assert database_state(dash)["status"] == "ok"
    form = admin.editor(path)
    form["value"] = "three"
    assert notice_of(admin.save(path, form)) == "Saved pg."
    history = admin.get("/history" + path).text
    # The save that was not recorded shows as a change noticed at the next read.
    assert history.count('<li class="entry') == 2 and "Changed outside propdesk" in history
