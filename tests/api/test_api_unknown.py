"""API writes that get no answer from CloudBees CD in time: journaled with outcome
``unknown``, settled by the read-back right after, and answered with what that read found
(landed: the ordinary success answer; not landed so far, or not confirmable: 503
``UpstreamUnavailable`` saying which). Real emulator over HTTP, its latency steered call
by call while the write runs (it sleeps before it handles a call, so a slow write lands
late), with the helpers of the pages' tests (tests/web/test_history_unknown.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from app.journal import Action, Entry, Outcome, Source
from tests.api.conftest import DATA_KEY
from tests.api.support import Api, ApiOnEmulator, ApiWrite, make_key
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


@dataclass(frozen=True)
class Late(ApiOnEmulator):
    """Sends API writes whose upstream write is answered late, and reads their journal."""

    PREFIX = "late"

    def send(
        self,
        method: str,
        url: str,
        write: str,
        read_back_ms: int,
        **kwargs: Any,
    ) -> requests.Response:
        """Call the API (``method`` on ``url``: a collection and a path); its read of the
        path is answered after 1 s, its upstream ``write`` (POST /properties for a create,
        else ``write`` on the path) lands ``LATE``, and the read-back after it is answered
        after ``read_back_ms``."""
        path = url.removeprefix("/properties").removeprefix("/sheets")
        target = "/properties" if write == "POST" else path
        return steered(
            self.emulator,
            lambda: self.api.call(method, url, **kwargs),
            1000,
            ("GET", path, LATE),
            (write, target, read_back_ms),
        )

    def journaled(self, path: str, action: Action, outcome: Outcome) -> Entry:
        """The one API entry of ``path``, checked to be ``action`` with ``outcome``."""
        (found,) = [e for e in entries_of(self.dash, path) if e.source is Source.API]
        assert (found.action, found.outcome) == (action, outcome)
        return found


@pytest.fixture
def late(slow: DashboardThread, api: Api, fresh_emulator: EmulatorProcess) -> Late:
    return Late(slow, api, fresh_emulator)


def unavailable(answer: requests.Response) -> str:
    """The message of a 503 ``UpstreamUnavailable`` envelope."""
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == "UpstreamUnavailable"
    return str(error["message"])


# -- landed: the ordinary success answer ----------------------------------------------------
def test_a_create_answered_late_that_landed_is_created(late: Late) -> None:
    path = late.path("made")
    body = {"value": "v1", "description": "d"}
    answer = late.send("PUT", "/properties" + path, "POST", AFTER_IT_LANDS, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["property"]["value"] == "v1"
    assert answer.headers["ETag"] == late.api.get("/properties" + path).headers["ETag"]
    assert late.journaled(path, Action.CREATE, Outcome.DONE).modify_time is not None


def test_a_change_answered_late_that_landed_is_changed(late: Late) -> None:
    path = late.path("v", v="before")
    etag = late.api.get("/properties" + path).headers["ETag"]
    answer = late.send(
        "PUT",
        "/properties" + path,
        "PUT",
        AFTER_IT_LANDS,
        json={"value": "after"},
        headers={"If-Match": etag},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["property"]["value"] == "after"
    assert answer.headers["ETag"] == late.api.get("/properties" + path).headers["ETag"] != etag
    late.journaled(path, Action.MODIFY, Outcome.DONE)


def test_a_delete_answered_late_that_landed_is_204(late: Late) -> None:
    path = late.path("doomed", doomed="v1")
    answer = late.send("DELETE", "/properties" + path, "DELETE", AFTER_IT_LANDS)
    assert answer.status_code == 204, answer.text
    assert late.api.get("/properties" + path).status_code == 404
    late.journaled(path, Action.DELETE, Outcome.DONE)


def test_a_sheet_answered_late_that_landed_is_created(late: Late) -> None:
    path = late.path("made")
    body = {"description": "a sheet"}
    answer = late.send("PUT", "/sheets" + path, "POST", AFTER_IT_LANDS, json=body)
    assert answer.status_code == 201, answer.text
    made = answer.json()["property"]
    assert (made["kind"], made["description"]) == ("sheet", "a sheet")
    late.journaled(path, Action.CREATE, Outcome.DONE)


# -- not landed so far, or not confirmable: 503 saying which ---------------------------------
@pytest.mark.parametrize(
    ("write", "upstream", "action", "says", "lands_as"),
    [
        # Into a sheet that does not exist: the late create fails there, so it never lands.
        pytest.param(
            ApiWrite("PUT", "/properties", "no-such-sheet/never", body={"value": "v1"}),
            "POST", Action.CREATE, ("did not answer",), None, id="create",
        ),
        pytest.param(
            ApiWrite("PUT", "/properties", "v", {"v": "before"}, {"value": "after"}),
            "PUT", Action.MODIFY, ("may still land",), "after", id="change",
        ),
        pytest.param(
            ApiWrite("DELETE", "/properties", "stubborn", {"stubborn": "v1"}),
            "DELETE", Action.DELETE, (), None, id="delete",
        ),
        pytest.param(
            ApiWrite("PUT", "/sheets", "no-such-sheet/never", body={"description": "a sheet"}),
            "POST", Action.CREATE, (), None, id="sheet",
        ),
    ],
)  # fmt: skip
def test_a_write_answered_late_that_did_not_land_says_nothing_was_written(
    late: Late,
    write: ApiWrite,
    upstream: str,
    action: Action,
    says: tuple[str, ...],
    lands_as: str | None,
) -> None:
    """``upstream``: the method of the upstream write; ``says``: what the message says
    besides that nothing was written so far; ``lands_as``: the value the late write
    leaves, where it lands later."""
    path = late.path_of(write)
    url = write.collection + path
    answer = late.send(write.method, url, upstream, BEFORE_IT_LANDS, json=write.body)
    message = unavailable(answer)
    for phrase in ("nothing was written so far", *says):
        assert phrase in message
    late.journaled(path, action, Outcome.NOT_APPLIED)
    if lands_as is not None:  # the late write
        assert wait_until(lambda: late.emulator.value(path) == lands_as)


def test_a_change_whose_read_back_fails_cannot_be_confirmed_until_the_next_read(
    late: Late,
) -> None:
    path = late.path("v", v="before")
    # The read-back times out too.
    answer = late.send("PUT", "/properties" + path, "PUT", LATE, json={"value": "after"})
    late.emulator.set_latency(0)
    message = unavailable(answer)
    assert "cannot be confirmed" in message and "reading it back failed too" in message
    pending = late.journaled(path, Action.MODIFY, Outcome.UNKNOWN)
    assert pending.source is Source.API
    assert wait_until(lambda: late.emulator.value(path) == "after")
    assert late.api.get("/properties" + path).status_code == 200  # the next read settles it
    settled = late.journaled(path, Action.MODIFY, Outcome.DONE)
    assert settled.id == pending.id
