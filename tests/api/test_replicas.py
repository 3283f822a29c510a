"""Two replicas sharing a PostgreSQL database and a Redis session store: a key made on
one works on the other, reuses the upstream session the first one made, and a revocation
on one is refused by the other at its next request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.api.conftest import DATA_KEY
from tests.api.support import Api, make_key
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.postgres import PostgresServer, running_postgres
from tests.support.servers import EmulatorProcess, RedisProcess, csrf_from


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


def test_revocation_is_seen_by_the_other_replica(
    make_dashboard: DashboardFactory,
    postgres: PostgresServer,
    redis_server: RedisProcess,
    emulator: EmulatorProcess,
) -> None:
    shared = {
        "PROPDESK_DATA_KEYS": DATA_KEY,
        "PROPDESK_DATABASE_URL": postgres.create_database(),
        "PROPDESK_SESSION_BACKEND": "redis",
        "PROPDESK_REDIS_URL": redis_server.url,
        "PROPDESK_REPLICAS": "2",
    }
    one, two = make_dashboard(**shared), make_dashboard(**shared)
    owner = Client(one)
    key = make_key(owner, "replicated")
    emulator.reset_counts()
    on_two = Api(two, key)
    assert on_two.get("/sheets/projects/Default").status_code == 200
    assert emulator.counts().get("POST /sessions", 0) == 0  # the session made on one
    page = owner.get("/settings/api-keys/").text
    key_id = re.search(r"/settings/api-keys/(\d+)/revoke", page)
    assert key_id
    owner.post(f"/settings/api-keys/{key_id.group(1)}/revoke", {"csrf_token": csrf_from(page)})
    refused = on_two.get("/sheets/projects/Default")
    assert (refused.status_code, refused.text) == (401, "Invalid API key")
