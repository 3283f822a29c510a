"""The save lock outlives the save it guards, a lost lock is reported (never a 500), and lock
files do not pile up. A real redis-server, the emulator and the dashboard over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests

from app.edit_lock import EditLocks, LockBusy
from tests.conftest import DashboardFactory
from tests.support.servers import EmulatorProcess, RedisProcess, wait_until
from tests.web.conftest import services_of
from tests.web.test_browse import Client, action, fields


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    """A real redis-server of the test's own (skipped on a laptop without one)."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("redis-server is missing in CI: .ci/run should have installed it")
        pytest.skip("Redis tests skipped: no redis-server (apt install redis-server)")
    server = RedisProcess(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator of the test's own: its latency is changed while a save runs."""
    emu = EmulatorProcess(tmp_path / "emu")
    yield emu
    emu.stop()


@pytest.fixture(params=["redis", "file"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[EditLocks, EditLocks]]:
    """Two lock services on one backend, as two replicas (or workers) would have."""
    if request.param == "file":
        yield EditLocks(folder=tmp_path / "locks"), EditLocks(folder=tmp_path / "locks")
        return
    server: RedisProcess = request.getfixturevalue("redis_server")
    clients = [redis.Redis.from_url(server.url) for _ in range(2)]
    yield EditLocks(redis_client=clients[0]), EditLocks(redis_client=clients[1])
    for client in clients:
        client.close()


def lock_keys(url: str) -> list[bytes]:
    """The edit-lock keys in the Redis at ``url``."""
    with redis.Redis.from_url(url) as client:
        return list(client.scan_iter("propdesk:lock:*"))


def notice_of(response: requests.Response) -> str:
    """The text of the toast an htmx answer triggers."""
    return str(json.loads(response.headers["HX-Trigger"])["notice"]["text"])


# -- the lock itself -----------------------------------------------------------------------
def test_a_held_lock_outlives_its_lease_while_the_work_runs(
    backend: tuple[EditLocks, EditLocks],
) -> None:
    mine, other = backend
    lease = 0.6
    with mine.hold("property", lease=lease) as held:
        started = time.monotonic()
        while time.monotonic() - started < 4 * lease:  # work that outlasts the lease
            with pytest.raises(LockBusy), other.hold("property", lease=lease, wait=0):
                pass
            time.sleep(lease / 4)
        assert held.held()
    with other.hold("property", lease=lease, wait=0) as second:
        assert second.held()


def test_a_lost_redis_lock_is_reported_and_its_release_never_raises(
    redis_server: RedisProcess,
) -> None:
    with redis.Redis.from_url(redis_server.url) as client:
        locks = EditLocks(redis_client=client)
        with locks.hold("property", lease=30) as held:
            assert held.held()
            client.delete(*lock_keys(redis_server.url))  # e.g. an operator's FLUSHALL
            assert not held.held()
        with locks.hold("property", lease=30, wait=0) as again:
            assert again.held()


def test_file_locks_exclude_each_other_and_leave_no_files(tmp_path: Path) -> None:
    folder = tmp_path / "locks"
    inside = {"a": 0, "b": 0}
    most = {"a": 0, "b": 0}
    count = threading.Lock()

    def save(i: int) -> None:
        """One save of property "a" or "b", counting who is inside the lock."""
        key = "ab"[i % 2]
        with EditLocks(folder=folder).hold(key, lease=30, wait=60):
            with count:
                inside[key] += 1
                most[key] = max(most[key], inside[key])
            time.sleep(0.001)
            with count:
                inside[key] -= 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(save, range(400)))
    assert most == {"a": 1, "b": 1}
    assert list(folder.iterdir()) == []


# -- through the dashboard -----------------------------------------------------------------
def slow_save(
    client: Client, url: str, form: dict[str, str]
) -> tuple[threading.Thread, list[requests.Response]]:
    """Send a save in the background; its answer lands in the returned list."""
    answers: list[requests.Response] = []
    thread = threading.Thread(
        target=lambda: answers.append(client.hx("POST", action("edit", url), form)), daemon=True
    )
    thread.start()
    return thread, answers


def calls_to(emulator: EmulatorProcess, method: str, path: str) -> int:
    """How many ``method`` calls on ``path`` the emulator received so far."""
    return sum(
        1 for r in emulator.requests_seen() if r["method"] == method and r["path"].endswith(path)
    )


def redis_edit(
    make_dashboard: DashboardFactory, redis_url: str, emulator: EmulatorProcess
) -> tuple[Client, str, dict[str, str]]:
    """A Redis-backed dashboard and an editor open on a fresh property, "after" typed."""
    dash = make_dashboard(
        upstream=emulator, PROPDESK_SESSION_BACKEND="redis", PROPDESK_REDIS_URL=redis_url
    )
    client = Client(dash)
    project = emulator.new_project("lock", slow="before")
    url = f"/browse/projects/{project}/slow"
    form = fields(client.hx("GET", action("edit", url) + "?ctx=row").text)
    form["value"] = "after"
    return client, url, form


def test_the_redis_lease_covers_the_upstream_deadline(
    make_dashboard: DashboardFactory, redis_server: RedisProcess, own_emulator: EmulatorProcess
) -> None:
    client, url, form = redis_edit(make_dashboard, redis_server.url, own_emulator)
    own_emulator.set_latency(1500)
    thread, answers = slow_save(client, url, form)
    assert wait_until(lambda: lock_keys(redis_server.url), timeout=60)
    with redis.Redis.from_url(redis_server.url) as r:
        ttl = r.pttl(lock_keys(redis_server.url)[0]) / 1000
    thread.join()
    own_emulator.set_latency(0)
    assert ttl > client.dash.settings.upstream_deadline
    assert answers[0].status_code == 200
    assert own_emulator.value(url.removeprefix("/browse")) == "after"


@pytest.mark.parametrize("during", ["GET", "PUT"], ids=["before-the-write", "during-the-write"])
def test_a_lost_lock_is_reported_never_a_500(
    make_dashboard: DashboardFactory,
    redis_server: RedisProcess,
    own_emulator: EmulatorProcess,
    during: str,
) -> None:
    client, url, form = redis_edit(make_dashboard, redis_server.url, own_emulator)
    path = url.removeprefix("/browse")
    seen = calls_to(own_emulator, during, path)
    own_emulator.set_latency(1500)
    thread, answers = slow_save(client, url, form)
    assert wait_until(lambda: calls_to(own_emulator, during, path) > seen, timeout=60)
    with redis.Redis.from_url(redis_server.url) as r:
        r.delete(*lock_keys(redis_server.url))  # the lock is gone while the save runs
    thread.join()
    own_emulator.set_latency(0)
    (answer,) = answers
    if during == "GET":  # lost before writing: nothing written, the text kept
        assert answer.status_code == 409
        assert "ran out before the write, so nothing was written" in answer.text
        assert "after</textarea>" in answer.text
        assert own_emulator.value(path) == "before"
    else:  # lost while writing: the user learns what the property holds
        assert answer.status_code == 200, answer.text
        text = notice_of(answer)
        assert "save lock on it ran out during the save" in text
        assert "the property holds your change" in text
        assert own_emulator.value(path) == "after"


def test_saves_leave_no_lock_files(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    dash = make_dashboard()
    folder = services_of(dash).locks.folder
    assert folder is not None
    client = Client(dash)
    project = emulator.new_project("files", kept="v")
    url = f"/browse/projects/{project}/kept"
    form = fields(client.hx("GET", action("edit", url) + "?ctx=row").text)
    for i in range(20):
        form["value"] = f"v{i}"
        client.hx("POST", action("edit", f"/browse/projects/{project}/missing-{i}"), form)
        saved = client.hx("POST", action("edit", url), form)
        assert saved.status_code == 200, saved.text
        form = fields(client.hx("GET", action("edit", url) + "?ctx=row").text)
    assert list(folder.iterdir()) == []
