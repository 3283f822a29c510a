"""Fixtures for deployment tests: dashboards under gunicorn as shipped (the real Redis they
may use is ``redis_server`` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.servers import DashboardProcess, EmulatorProcess, dashboard_env

GunicornFactory = Callable[..., DashboardProcess]


@pytest.fixture
def make_gunicorn(emulator: EmulatorProcess, tmp_path: Path) -> Iterator[GunicornFactory]:
    """Start dashboards under gunicorn on the shared emulator with the settings given (each
    with its own session folder and log file); all are stopped after the test."""
    started: list[DashboardProcess] = []

    def make(**overrides: str) -> DashboardProcess:
        n = len(started)
        dash = DashboardProcess(
            dashboard_env(emulator.base_url, tmp_path / f"sessions{n}", **overrides),
            tmp_path / f"gunicorn{n}.log",
        )
        started.append(dash)
        return dash

    yield make
    for dash in started:
        dash.stop()
