"""An API write whose save lock ran out before it wrote writes nothing and says so (409
``Conflict`` in the envelope), and one whose lock ran out while it wrote reads back and
says whether it still stands, as the pages' saves do. A real redis-server holds the lock,
the emulator answers over HTTP; the lock is lost the way an operator loses it (its Redis
key deleted) while the write's read, or its write, is held up by the emulator's latency.
Nothing is mocked."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import redis
import requests

from app.journal import Action
from tests.api.conftest import DATA_KEY
from tests.api.support import Api, make_key
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


def lose_lock_during_read(
    emulator: EmulatorProcess, redis_url: str, path: str, send: Callable[[], requests.Response]
) -> requests.Response:
    """``lose_lock_at`` the write's read of ``path``: before anything is written."""
    return lose_lock_at(emulator, redis_url, ("GET", path), send)


def refused(answer: requests.Response) -> str:
    """The message of a 409 ``Conflict`` envelope that says nothing was written."""
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "Conflict"
    assert "save lock" in error["message"] and "nothing was written" in error["message"]
    return str(error["message"])


def test_a_put_whose_lock_ran_out_writes_nothing(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> None:
    dash, api = redis_api
    path = f"/projects/{fresh_emulator.new_project('lease', v='before')}/v"
    send = lambda: api.put("/properties" + path, json={"value": "after"})  # noqa: E731
    answer = lose_lock_during_read(fresh_emulator, redis_server.url, path, send)
    assert "send the request again" in refused(answer)
    assert fresh_emulator.value(path) == "before"
    assert entries_of(dash, path) == []  # nothing written, nothing journaled
    again = api.put("/properties" + path, json={"value": "after"})
    assert again.status_code == 200 and fresh_emulator.value(path) == "after"


def test_a_create_whose_lock_ran_out_creates_nothing(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> None:
    dash, api = redis_api
    path = f"/projects/{fresh_emulator.new_project('lease')}/new"
    send = lambda: api.put("/properties" + path, json={"value": "v"})  # noqa: E731
    refused(lose_lock_during_read(fresh_emulator, redis_server.url, path, send))
    assert api.get("/properties" + path).status_code == 404
    assert entries_of(dash, path) == []


def test_a_delete_whose_lock_ran_out_deletes_nothing(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> None:
    dash, api = redis_api
    path = f"/projects/{fresh_emulator.new_project('lease', v='kept')}/v"
    send = lambda: api.delete("/properties" + path)  # noqa: E731
    refused(lose_lock_during_read(fresh_emulator, redis_server.url, path, send))
    assert fresh_emulator.value(path) == "kept"
    assert entries_of(dash, path) == []


def test_a_sheet_whose_lock_ran_out_is_not_made(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> None:
    dash, api = redis_api
    path = f"/projects/{fresh_emulator.new_project('lease')}/sheet"
    send = lambda: api.put("/sheets" + path, json={"description": "d"})  # noqa: E731
    refused(lose_lock_during_read(fresh_emulator, redis_server.url, path, send))
    assert api.get("/properties" + path).status_code == 404
    assert entries_of(dash, path) == []


# -- lost while writing: the write landed; the answer says whether it still stands -------
def test_a_put_whose_lock_ran_out_while_writing_reads_back_its_change(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> None:
    dash, api = redis_api
    path = f"/projects/{fresh_emulator.new_project('lease', v='before')}/v"
    send = lambda: api.put("/properties" + path, json={"value": "after"})  # noqa: E731
    answer = lose_lock_at(fresh_emulator, redis_server.url, ("PUT", path), send)
    assert answer.status_code == 200, answer.text
    assert answer.json()["property"]["value"] == "after"
    assert answer.headers["ETag"] == api.get("/properties" + path).headers["ETag"]
    assert [e.after and e.after.value for e in entries_of(dash, path)] == ["after"]


def test_a_put_replaced_after_its_lock_ran_out_is_a_conflict(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> None:
    # Another writer (straight at the server) lands after this write and before its
    # read-back: the answer must not claim the property holds this write.
    dash, api = redis_api
    path = f"/projects/{fresh_emulator.new_project('lease', v='before')}/v"
    send = lambda: api.put("/properties" + path, json={"value": "mine"})  # noqa: E731
    theirs = lambda: fresh_emulator.put_value(path, "theirs")  # noqa: E731
    answer = lose_lock_at(fresh_emulator, redis_server.url, ("PUT", path), send, theirs)
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "Conflict" and error["message"].startswith("Written, but")
    assert "another write" in error["message"]
    assert fresh_emulator.value(path) == "theirs"
    values = [e.after and e.after.value for e in entries_of(dash, path)]
    assert values == ["mine", "theirs"]  # this write, then the other one seen by the read-back


def test_a_delete_whose_lock_ran_out_while_deleting_is_204_when_gone(
    redis_api: tuple[DashboardThread, Api],
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
) -> None:
    dash, api = redis_api
    path = f"/projects/{fresh_emulator.new_project('lease', v='doomed')}/v"
    send = lambda: api.delete("/properties" + path)  # noqa: E731
    answer = lose_lock_at(fresh_emulator, redis_server.url, ("DELETE", path), send)
    assert answer.status_code == 204, answer.text
    assert api.get("/properties" + path).status_code == 404
    assert [e.action for e in entries_of(dash, path)] == [Action.DELETE]
