"""Dashboard fixtures live in tests/conftest.py (shared with the deployment tests); here the
htmx-speaking admin of the web tests, a project of each test's own and an editor on it."""

from collections.abc import Callable

import pytest

from app.services import Services, services
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def services_of(dash: DashboardThread) -> Services:
    """The typed services of a dashboard running in this process."""
    with dash.app.app_context():
        return services()


@pytest.fixture
def admin(dashboard: DashboardThread) -> Client:
    """A logged-in admin speaking htmx."""
    return Client(dashboard)


@pytest.fixture
def project(emulator: EmulatorProcess) -> str:
    """A project of the test's own."""
    return emulator.new_project("web")


OpenEditor = Callable[..., tuple[str, dict[str, str]]]


@pytest.fixture
def open_editor(admin: Client, emulator: EmulatorProcess, project: str) -> OpenEditor:
    """``open_editor(name, value, ctx="detail", **extra)`` sets the property ``name`` of the
    test's project to ``value`` (``extra``: other fields, such as ``description``) and opens
    admin's editor on it (``ctx="row"``: from its row); returns its path and the fields."""

    def open_on(
        name: str, value: str, ctx: str = "detail", **extra: str
    ) -> tuple[str, dict[str, str]]:
        path = f"/projects/{project}/{name}"
        emulator.put_value(path, value, **extra)
        return path, admin.editor(path, ctx=ctx)

    return open_on


__all__ = ["DashboardFactory", "OpenEditor", "services_of"]
