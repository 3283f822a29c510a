"""A delete whose save lock ran out before it deleted deletes nothing and says so (409),
as a save and an API delete do: another save may be under way. A real redis-server holds
the lock, the emulator answers over HTTP; the lock is lost the way an operator loses it
(its Redis key deleted) while the delete's read is held up by the emulator's latency."""

from __future__ import annotations

import threading

import redis
import requests

from tests.conftest import DashboardFactory
from tests.reliability.test_save_locks import lock_keys
from tests.support.client import Client, notice_of
from tests.support.servers import EmulatorProcess, RedisProcess, wait_until


def test_a_delete_whose_lock_ran_out_deletes_nothing(
    make_dashboard: DashboardFactory, redis_server: RedisProcess, fresh_emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(
        upstream=fresh_emulator,
        PROPDESK_SESSION_BACKEND="redis",
        PROPDESK_REDIS_URL=redis_server.url,
    )
    client = Client(dash)
    path = f"/projects/{fresh_emulator.new_project('lease', kept='v')}/kept"
    seen = len(fresh_emulator.requests_to(path, "GET"))
    fresh_emulator.set_latency(1500)
    answers: list[requests.Response] = []
    thread = threading.Thread(
        target=lambda: answers.append(client.hx("POST", "/delete" + path)), daemon=True
    )
    thread.start()
    try:
        assert wait_until(lambda: len(fresh_emulator.requests_to(path, "GET")) > seen, timeout=60)
        with redis.Redis.from_url(redis_server.url) as r:
            r.delete(*lock_keys(redis_server.url))  # the lock is gone while the read runs
    finally:
        thread.join()
        fresh_emulator.set_latency(0)
    (answer,) = answers
    assert answer.status_code == 409, answer.text
    assert "ran out before the delete, so nothing was deleted" in notice_of(answer)
    assert fresh_emulator.value(path) == "v"
    assert fresh_emulator.requests_to(path, "DELETE") == []
