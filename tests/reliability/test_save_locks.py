"""The save lock outlives the save it guards, a lost lock is reported (never a 500), and lock
files do not pile up. A real redis-server, the emulator and the dashboard over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from app.edit_lock import EditLocks, LockBusy
from tests.conftest import DashboardFactory
from tests.support.client import Client, notice_of, typed_edit
from tests.support.servers import EmulatorProcess, RedisProcess, wait_until
from tests.web.conftest import services_of


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


# -- the lock itself -----------------------------------------------------------------------
def test_a_held_lock_outlives_its_lease_while_the_work_runs(
    backend: tuple[EditLocks, EditLocks],
) -> None:
    mine, other = backend
    lease = 1.5  # renewed every 0.5 s: a busy machine has 1 s to spare
    with mine.hold("property", lease=lease) as held:
        started = time.monotonic()
        while time.monotonic() - started < 3 * lease:  # work that outlasts the lease
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
def redis_edit(
    make_dashboard: DashboardFactory, redis_url: str, emulator: EmulatorProcess
) -> tuple[Client, str, dict[str, str]]:
    """A Redis-backed dashboard and an editor open on a fresh property, "after" typed."""
    dash = make_dashboard(
        upstream=emulator, PROPDESK_SESSION_BACKEND="redis", PROPDESK_REDIS_URL=redis_url
    )
    client = Client(dash)
    path, form = typed_edit(client, emulator, "lock", ctx="row")
    return client, path, form


def test_the_redis_lease_covers_the_upstream_deadline(
    make_dashboard: DashboardFactory, redis_server: RedisProcess, fresh_emulator: EmulatorProcess
) -> None:
    client, path, form = redis_edit(make_dashboard, redis_server.url, fresh_emulator)
    fresh_emulator.set_latency(1500)
    answer = client.save_in_background(path, form)
    assert wait_until(lambda: lock_keys(redis_server.url), timeout=60)
    with redis.Redis.from_url(redis_server.url) as r:
        ttl = r.pttl(lock_keys(redis_server.url)[0]) / 1000
    saved = answer()
    fresh_emulator.set_latency(0)
    assert ttl > client.dash.settings.upstream_deadline
    assert saved.status_code == 200
    assert fresh_emulator.value(path) == "after"


@pytest.mark.parametrize("during", ["GET", "PUT"], ids=["before-the-write", "during-the-write"])
def test_a_lost_lock_is_reported_never_a_500(
    make_dashboard: DashboardFactory,
    redis_server: RedisProcess,
    fresh_emulator: EmulatorProcess,
    during: str,
) -> None:
    client, path, form = redis_edit(make_dashboard, redis_server.url, fresh_emulator)
    seen = len(fresh_emulator.requests_to(path, during))
    fresh_emulator.set_latency(1500)
    answered = client.save_in_background(path, form)
    assert wait_until(lambda: len(fresh_emulator.requests_to(path, during)) > seen, timeout=60)
    with redis.Redis.from_url(redis_server.url) as r:
        r.delete(*lock_keys(redis_server.url))  # the lock is gone while the save runs
    answer = answered()
    fresh_emulator.set_latency(0)
    if during == "GET":  # lost before writing: nothing written, the text kept
        assert answer.status_code == 409
        assert "ran out before the write, so nothing was written" in answer.text
        assert "after</textarea>" in answer.text
        assert fresh_emulator.value(path) == "before"
    else:  # lost while writing: the user learns what the property holds
        assert answer.status_code == 200, answer.text
        text = notice_of(answer)
        assert "save lock on it ran out during the save" in text
        assert "the property holds your change" in text
        assert fresh_emulator.value(path) == "after"


def test_saves_leave_no_lock_files(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    dash = make_dashboard()
    folder = services_of(dash).locks.folder
    assert folder is not None
    client = Client(dash)
    project = emulator.new_project("files", kept="v")
    path = f"/projects/{project}/kept"
    form = client.editor(path, ctx="row")
    for i in range(20):
        form["value"] = f"v{i}"
        client.save(f"/projects/{project}/missing-{i}", form)
        saved = client.save(path, form)
        assert saved.status_code == 200, saved.text
        form = client.editor(path, ctx="row")
    assert list(folder.iterdir()) == []
