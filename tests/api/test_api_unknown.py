"""API writes that get no answer from CloudBees CD in time: journaled with outcome
``unknown``, settled by the read-back right after, and answered with what that read found
(landed: the ordinary success answer; not landed so far, or not confirmable: 503
``UpstreamUnavailable`` saying which). Real emulator over HTTP, its latency steered call
by call while the write runs (it sleeps before it handles a call, so a slow write lands
late), with the helpers of the pages' tests (tests/web/test_history_unknown.py)."""

from __future__ import annotations

import pytest
import requests

from app.journal import Action, Entry, Outcome, Source
from tests.api.conftest import DATA_KEY
from tests.api.support import Api, make_key
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, wait_until
from tests.web.test_history_unknown import TIMEOUT, entries_of, steered

LATE = TIMEOUT * 1000 + 1000
"""A write's latency (ms): it lands a second after the dashboard gave up on it."""
BEFORE_IT_LANDS = 0
"""The read-back's latency when it must run before the late write lands."""
AFTER_IT_LANDS = 1500
"""The read-back's latency when it must run after the late write landed (the read-back is
sent when the write times out, so it is handled 3.5 s after the write arrived: 0.5 s after
the write landed, and within the 2 s timeout)."""


@pytest.fixture
def slow(make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess) -> DashboardThread:
    """A dashboard with a short read timeout and no retries, on an emulator of its own."""
    return make_dashboard(
        fresh_emulator,
        PROPDESK_DATA_KEYS=DATA_KEY,
        PROPDESK_READ_TIMEOUT=str(TIMEOUT),
        PROPDESK_RETRIES="0",
    )


@pytest.fixture
def api(slow: DashboardThread) -> Api:
    """A read-write key of admin's, already logged in upstream (so a write's first
    upstream call is its read)."""
    api = Api(slow, make_key(Client(slow), "late-bot"))
    assert api.get("/sheets/server").status_code == 200
    return api


def only_entry(dash: DashboardThread, path: str) -> Entry:
    (found,) = [e for e in entries_of(dash, path) if e.source is Source.API]
    return found


def unavailable(answer: requests.Response) -> str:
    """The message of a 503 ``UpstreamUnavailable`` envelope."""
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == "UpstreamUnavailable"
    return str(error["message"])


# -- PUT: create ---------------------------------------------------------------------------
def test_a_create_answered_late_that_landed_is_created(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late')}/made"
    answer = steered(
        fresh_emulator,
        lambda: api.put("/properties" + path, json={"value": "v1", "description": "d"}),
        1000,
        ("GET", path, LATE),
        ("POST", "/properties", AFTER_IT_LANDS),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["property"]["value"] == "v1"
    assert answer.headers["ETag"] == api.get("/properties" + path).headers["ETag"]
    entry = only_entry(slow, path)
    assert entry.action is Action.CREATE and entry.outcome is Outcome.DONE
    assert entry.modify_time is not None


def test_a_create_answered_late_that_did_not_land_says_nothing_was_written(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    # Into a sheet that does not exist: the late create fails there, so it never lands.
    path = f"/projects/{fresh_emulator.new_project('late')}/no-such-sheet/never"
    answer = steered(
        fresh_emulator,
        lambda: api.put("/properties" + path, json={"value": "v1"}),
        1000,
        ("GET", path, LATE),
        ("POST", "/properties", BEFORE_IT_LANDS),
    )
    message = unavailable(answer)
    assert "nothing was written so far" in message and "did not answer" in message
    entry = only_entry(slow, path)
    assert entry.action is Action.CREATE and entry.outcome is Outcome.NOT_APPLIED


# -- PUT: modify ---------------------------------------------------------------------------
def test_a_change_answered_late_that_landed_is_changed(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late', v='before')}/v"
    etag = api.get("/properties" + path).headers["ETag"]
    answer = steered(
        fresh_emulator,
        lambda: api.put("/properties" + path, json={"value": "after"}, headers={"If-Match": etag}),
        1000,
        ("GET", path, LATE),
        ("PUT", path, AFTER_IT_LANDS),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["property"]["value"] == "after"
    assert answer.headers["ETag"] == api.get("/properties" + path).headers["ETag"] != etag
    entry = only_entry(slow, path)
    assert entry.action is Action.MODIFY and entry.outcome is Outcome.DONE


def test_a_change_answered_late_not_landed_yet_says_so_then_lands(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late', v='before')}/v"
    answer = steered(
        fresh_emulator,
        lambda: api.put("/properties" + path, json={"value": "after"}),
        1000,
        ("GET", path, LATE),
        ("PUT", path, BEFORE_IT_LANDS),
    )
    message = unavailable(answer)
    assert "nothing was written so far" in message and "may still land" in message
    assert only_entry(slow, path).outcome is Outcome.NOT_APPLIED
    assert wait_until(lambda: fresh_emulator.value(path) == "after")  # the late write


def test_a_change_whose_read_back_fails_cannot_be_confirmed_until_the_next_read(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late', v='before')}/v"
    answer = steered(
        fresh_emulator,
        lambda: api.put("/properties" + path, json={"value": "after"}),
        1000,
        ("GET", path, LATE),
        ("PUT", path, LATE),  # the read-back times out too
    )
    fresh_emulator.set_latency(0)
    message = unavailable(answer)
    assert "cannot be confirmed" in message and "reading it back failed too" in message
    pending = only_entry(slow, path)
    assert pending.outcome is Outcome.UNKNOWN and pending.source is Source.API
    assert wait_until(lambda: fresh_emulator.value(path) == "after")
    assert api.get("/properties" + path).status_code == 200  # the next read settles it
    settled = only_entry(slow, path)
    assert settled.id == pending.id and settled.outcome is Outcome.DONE


# -- DELETE --------------------------------------------------------------------------------
def test_a_delete_answered_late_that_landed_is_204(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late', doomed='v1')}/doomed"
    answer = steered(
        fresh_emulator,
        lambda: api.delete("/properties" + path),
        1000,
        ("GET", path, LATE),
        ("DELETE", path, AFTER_IT_LANDS),
    )
    assert answer.status_code == 204, answer.text
    assert api.get("/properties" + path).status_code == 404
    entry = only_entry(slow, path)
    assert entry.action is Action.DELETE and entry.outcome is Outcome.DONE


def test_a_delete_answered_late_still_there_says_nothing_was_deleted_so_far(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late', stubborn='v1')}/stubborn"
    answer = steered(
        fresh_emulator,
        lambda: api.delete("/properties" + path),
        1000,
        ("GET", path, LATE),
        ("DELETE", path, BEFORE_IT_LANDS),
    )
    assert "nothing was written so far" in unavailable(answer)
    entry = only_entry(slow, path)
    assert entry.action is Action.DELETE and entry.outcome is Outcome.NOT_APPLIED


# -- PUT sheet -----------------------------------------------------------------------------
def test_a_sheet_answered_late_that_landed_is_created(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late')}/made"
    answer = steered(
        fresh_emulator,
        lambda: api.put("/sheets" + path, json={"description": "a sheet"}),
        1000,
        ("GET", path, LATE),
        ("POST", "/properties", AFTER_IT_LANDS),
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()["property"]
    assert (made["kind"], made["description"]) == ("sheet", "a sheet")
    entry = only_entry(slow, path)
    assert entry.action is Action.CREATE and entry.outcome is Outcome.DONE


def test_a_sheet_answered_late_that_did_not_land_says_nothing_was_written(
    slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess
) -> None:
    path = f"/projects/{fresh_emulator.new_project('late')}/no-such-sheet/never"
    answer = steered(
        fresh_emulator,
        lambda: api.put("/sheets" + path, json={"description": "a sheet"}),
        1000,
        ("GET", path, LATE),
        ("POST", "/properties", BEFORE_IT_LANDS),
    )
    assert "nothing was written so far" in unavailable(answer)
    assert only_entry(slow, path).outcome is Outcome.NOT_APPLIED
