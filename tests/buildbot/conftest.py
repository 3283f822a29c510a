"""Buildbot fixtures: real masters (no login, ``UserPasswordAuth``, OAuth2 only) shared by
the run, builds forced on them, and propdesk dashboards pointed at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.buildbot.local_master import LocalMaster
from tests.support.buildbot import MasterAPI, running_master
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, dashboard_env

XSS_DESCRIPTION = 'Says hello <script>alert("description")</script>'
XSS_GREETING = '<img src=x onerror=alert("greeting")>'
LOGIN = ("alice", "secret")


@pytest.fixture(scope="session")
def master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMaster]:
    """A master without a login whose first builder's description holds markup."""
    with running_master(tmp_path_factory.mktemp("bb-open"), description=XSS_DESCRIPTION) as m:
        yield m


@pytest.fixture(scope="session")
def login_master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMaster]:
    """A master with ``UserPasswordAuth`` (alice / secret may force builds)."""
    folder = tmp_path_factory.mktemp("bb-login")
    with running_master(folder, auth="password", users=dict([LOGIN])) as m:
        yield m


@pytest.fixture(scope="session")
def strict_master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMaster]:
    """A master as Buildbot configures one by default: ``username`` must hold an e-mail
    address; and a builder ``idle`` whose worker never connects (requests stay waiting)."""
    folder = tmp_path_factory.mktemp("bb-strict")
    with running_master(folder, username_needs_email=True, idle_builder=True) as m:
        yield m


@pytest.fixture(scope="session")
def oauth_master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMaster]:
    """A master that only offers an OAuth2 (GitHub) login."""
    with running_master(tmp_path_factory.mktemp("bb-oauth"), auth="oauth2") as m:
        yield m


@dataclass(frozen=True)
class TwoBuilds:
    """Two finished builds of ``hello`` with different properties."""

    first: int
    second: int


@pytest.fixture(scope="session")
def api(master: LocalMaster) -> MasterAPI:
    return MasterAPI(master.url)


@pytest.fixture(scope="session")
def two_builds(api: MasterAPI) -> TwoBuilds:
    """``hello`` built with greeting "world" (loud, 3, spicy), then with markup as greeting
    (quiet, 1, plain); forced back to back (``collapseRequests=False`` keeps both)."""
    first = api.force("hello", greeting="world", loud=True, count="3", flavour="spicy")
    second = api.force("hello", greeting=XSS_GREETING, loud=False, count="1")
    return TwoBuilds(
        int(api.finished_build(first)["number"]), int(api.finished_build(second)["number"])
    )


DashboardOn = Callable[..., DashboardThread]


@pytest.fixture
def dashboard_on(emulator: EmulatorProcess, tmp_path: Path) -> Iterator[DashboardOn]:
    """Start dashboards on the emulator with ``PROPDESK_BUILDBOT_URL`` set to a URL."""
    started: list[DashboardThread] = []

    def start(buildbot_url: str, **env: str) -> DashboardThread:
        folder = tmp_path / f"dash-{len(started)}" / "sessions"
        full = dashboard_env(emulator.base_url, folder, PROPDESK_BUILDBOT_URL=buildbot_url, **env)
        dash = DashboardThread(full)
        started.append(dash)
        return dash

    yield start
    for dash in started:
        dash.stop()


@pytest.fixture
def user(dashboard_on: DashboardOn, master: LocalMaster) -> Client:
    """A propdesk user logged in on a dashboard that knows the master without a login."""
    return Client(dashboard_on(master.url))
