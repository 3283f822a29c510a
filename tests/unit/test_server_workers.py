"""gunicorn's worker count: ``WEB_CONCURRENCY`` when given, else one per usable core."""

from __future__ import annotations

import os

from app.config import server_settings, usable_cores


def test_workers_default_to_the_usable_cores() -> None:
    cores = usable_cores()
    assert 1 <= cores <= (os.cpu_count() or 1)
    assert cores <= len(os.sched_getaffinity(0))
    assert server_settings({}).workers == cores


def test_web_concurrency_wins() -> None:
    assert server_settings({"WEB_CONCURRENCY": "5"}).workers == 5
