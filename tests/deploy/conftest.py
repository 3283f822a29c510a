"""Fixtures for deployment tests: a real Redis and dashboards wired to it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import RedisProcess


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("redis-server is missing in CI: .ci/run should have installed it")
        pytest.skip("Redis tests skipped: no redis-server (apt install redis-server)")
    server = RedisProcess(tmp_path / "redis")
    yield server
    server.stop()
