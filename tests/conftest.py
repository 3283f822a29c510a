"""Fixtures shared by every test: the emulator over real HTTP on a free loopback port."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from app.cloudbees import CloudBeesClient
from tests.support.chromium import browser_exe, chromium  # noqa: F401 (one per run)
from tests.support.servers import (
    Clock,
    DashboardThread,
    EmulatorProcess,
    RedisProcess,
    dashboard_env,
    login,
)
from tests.support.tools import not_installed

DashboardFactory = Callable[..., DashboardThread]


@pytest.fixture(scope="session", autouse=True)
def private_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the default data folder (``$XDG_DATA_HOME/propdesk``: the journal) into the
    run's temp folder, so no test writes a database under the real home."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
        yield


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One seeded emulator for the whole run (tests create uniquely named objects)."""
    proc = EmulatorProcess(tmp_path_factory.mktemp("emulator"))
    yield proc
    proc.stop()


@pytest.fixture
def fresh_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator of one's own, for tests that change global state (latency, sessions)."""
    proc = EmulatorProcess(tmp_path)
    yield proc
    proc.stop()


@pytest.fixture
def admin(emulator: EmulatorProcess) -> requests.Session:
    """A raw HTTP session logged in as admin through the ``sessionId`` header."""
    s = requests.Session()
    r = s.post(
        emulator.api + "/sessions", json={"userName": "admin", "password": "changeme"}, timeout=10
    )
    r.raise_for_status()
    s.cookies.clear()
    s.headers.update({"sessionId": r.json()["sessionId"], "Accept": "application/json"})
    return s


@pytest.fixture
def cd(emulator: EmulatorProcess) -> Iterator[CloudBeesClient]:
    """A client of the shared emulator logged in as admin (logged out at the end)."""
    client = CloudBeesClient.login(emulator.base_url, "admin", "changeme")
    yield client
    client.logout()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    """A real redis-server of the test's own (skipped on a laptop without one)."""
    if shutil.which("redis-server") is None:
        not_installed(
            "redis-server is missing in CI: .ci/run should have installed it",
            "Redis tests skipped: no redis-server (apt install redis-server)",
        )
    server = RedisProcess(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_dashboard(
    emulator: EmulatorProcess, tmp_path: Path, clock: Clock
) -> Iterator[DashboardFactory]:
    started: list[DashboardThread] = []

    def make(upstream: EmulatorProcess | None = None, **overrides: str) -> DashboardThread:
        env = dashboard_env(
            (upstream or emulator).base_url,
            tmp_path / f"sessions{len(started)}",
            **{"PROPDESK_READ_TIMEOUT": "5", **overrides},
        )
        dash = DashboardThread(env, clock)
        started.append(dash)
        return dash

    yield make
    for dash in started:
        dash.stop()


@pytest.fixture
def dashboard(make_dashboard: DashboardFactory) -> DashboardThread:
    return make_dashboard()


@pytest.fixture
def browser() -> requests.Session:
    """A cookie-keeping HTTP client, like a browser."""
    return requests.Session()


@pytest.fixture
def logged_in(dashboard: DashboardThread, browser: requests.Session) -> requests.Session:
    r = login(browser, dashboard.url)
    assert r.status_code == 303, r.text
    return browser
