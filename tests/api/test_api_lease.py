"""An API write whose save lock ran out before it wrote writes nothing and says so (409
``Conflict`` in the envelope), and one whose lock ran out while it wrote reads back and
says whether it still stands, as the pages' saves do. A real redis-server holds the lock,
the emulator answers over HTTP; the lock is lost the way an operator loses it (its Redis
key deleted) while the write's read, or its write, is held up by the emulator's latency.
Nothing is mocked."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import redis
import requests

from app.journal import Action
from tests.api.conftest import DATA_KEY
from tests.api.support import Api, ApiOnEmulator, ApiWrite, make_key
from tests.conftest import DashboardFactory
from tests.reliability.test_save_locks import lock_keys
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, RedisProcess, wait_until
from tests.web.test_history_unknown import entries_of


@pytest.fixture
def redis_api(
    make_dashboard: DashboardFactory, redis_server: RedisProcess, fresh_emulator: EmulatorProcess
) -> tuple[DashboardThread, Api]:
    """A Redis-backed dashboard on an emulator of its own, and a read-write key of admin's
    whose upstream session is already made (so the write's first call is its read)."""
    dash = make_dashboard(
        fresh_emulator,
        PROPDESK_DATA_KEYS=DATA_KEY,
        PROPDESK_SESSION_BACKEND="redis",
        PROPDESK_REDIS_URL=redis_server.url,
    )
    api = Api(dash, make_key(Client(dash), "lease-bot"))
    assert api.get("/version").status_code == 200
    assert api.get("/sheets/server").status_code == 200  # logs the key in upstream
    return dash, api


def lose_lock_at(
    emulator: EmulatorProcess,
    redis_url: str,
    call: tuple[str, str],
    send: Callable[[], requests.Response],
    meanwhile: Callable[[], None] = lambda: None,
) -> requests.Response:
    """Send an API write while the emulator answers each call after 1.5 s; once the
    write's ``call`` (method, path) has arrived, delete the save lock's Redis key and run
    ``meanwhile``. Returns the answer."""
    method, path = call
    seen = len(emulator.requests_to(path, method))
    emulator.set_latency(1500)
    answers: list[requests.Response] = []
    thread = threading.Thread(target=lambda: answers.append(send()), daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: len(emulator.requests_to(path, method)) > seen, timeout=60)
        keys = lock_keys(redis_url)
        assert keys, "the write holds no save lock"
        with redis.Redis.from_url(redis_url) as r:
            r.delete(*keys)
        meanwhile()
    finally:
        thread.join()
        emulator.set_latency(0)
    return answers[0]


@dataclass(frozen=True)
class Lease(ApiOnEmulator):
    """Sends API writes of one dashboard that lose their save lock on the way."""

    PREFIX = "lease"
    redis_url: str

    def lose_at(
        self,
        call: tuple[str, str],
        send: Callable[[], requests.Response],
        meanwhile: Callable[[], None] = lambda: None,
    ) -> requests.Response:
        """``lose_lock_at`` the write's ``call`` (method, path)."""
        return lose_lock_at(self.emulator, self.redis_url, call, send, meanwhile)

    def lose_during_read(
        self, path: str, send: Callable[[], requests.Response]
    ) -> requests.Response:
        """``lose_lock_at`` the write's read of ``path``: before anything is written."""
        return self.lose_at(("GET", path), send)


@pytest.fixture
def lease(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> Lease:
    dash, api = redis_api
    return Lease(dash, api, fresh_emulator, redis_server.url)


def refused(answer: requests.Response) -> str:
    """The message of a 409 ``Conflict`` envelope that says nothing was written."""
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "Conflict"
    assert "save lock" in error["message"] and "nothing was written" in error["message"]
    assert "send the request again" in error["message"]
    return str(error["message"])


def test_a_put_whose_lock_ran_out_writes_nothing(lease: Lease) -> None:
    path = lease.path("v", v="before")
    send = lambda: lease.api.put("/properties" + path, json={"value": "after"})  # noqa: E731
    refused(lease.lose_during_read(path, send))
    assert lease.emulator.value(path) == "before"
    assert entries_of(lease.dash, path) == []  # nothing written, nothing journaled
    again = lease.api.put("/properties" + path, json={"value": "after"})
    assert again.status_code == 200 and lease.emulator.value(path) == "after"


@pytest.mark.parametrize(
    ("write", "left"),
    [
        pytest.param(ApiWrite("PUT", "/properties", "new", body={"value": "v"}), None, id="create"),
        pytest.param(ApiWrite("DELETE", "/properties", "v", {"v": "kept"}), "kept", id="delete"),
        pytest.param(
            ApiWrite("PUT", "/sheets", "sheet", body={"description": "d"}), None, id="sheet"
        ),
    ],
)
def test_a_write_whose_lock_ran_out_writes_nothing(
    lease: Lease, write: ApiWrite, left: str | None
) -> None:
    """``left``: the value the property still holds; None where it still does not exist."""
    path = lease.path_of(write)
    refused(lease.lose_during_read(path, lambda: write.call(lease.api, path)))
    if left is None:
        assert lease.api.get("/properties" + path).status_code == 404
    else:
        assert lease.emulator.value(path) == left
    assert entries_of(lease.dash, path) == []


# -- lost while writing: the write landed; the answer says whether it still stands -------
def test_a_put_whose_lock_ran_out_while_writing_reads_back_its_change(lease: Lease) -> None:
    path = lease.path("v", v="before")
    send = lambda: lease.api.put("/properties" + path, json={"value": "after"})  # noqa: E731
    answer = lease.lose_at(("PUT", path), send)
    assert answer.status_code == 200, answer.text
    assert answer.json()["property"]["value"] == "after"
    assert answer.headers["ETag"] == lease.api.get("/properties" + path).headers["ETag"]
    assert [e.after and e.after.value for e in entries_of(lease.dash, path)] == ["after"]


def test_a_put_replaced_after_its_lock_ran_out_is_a_conflict(lease: Lease) -> None:
    # Another writer (straight at the server) lands after this write and before its
    # read-back: the answer must not claim the property holds this write.
    path = lease.path("v", v="before")
    send = lambda: lease.api.put("/properties" + path, json={"value": "mine"})  # noqa: E731
    theirs = lambda: lease.emulator.put_value(path, "theirs")  # noqa: E731
    answer = lease.lose_at(("PUT", path), send, theirs)
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "Conflict" and error["message"].startswith("Written, but")
    assert "another write" in error["message"]
    assert lease.emulator.value(path) == "theirs"
    values = [e.after and e.after.value for e in entries_of(lease.dash, path)]
    assert values == ["mine", "theirs"]  # this write, then the other one seen by the read-back


def test_a_delete_whose_lock_ran_out_while_deleting_is_204_when_gone(lease: Lease) -> None:
    path = lease.path("v", v="doomed")
    send = lambda: lease.api.delete("/properties" + path)  # noqa: E731
    answer = lease.lose_at(("DELETE", path), send)
    assert answer.status_code == 204, answer.text
    assert lease.api.get("/properties" + path).status_code == 404
    assert [e.action for e in entries_of(lease.dash, path)] == [Action.DELETE]
