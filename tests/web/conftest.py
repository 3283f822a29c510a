"""Dashboard fixtures live in tests/conftest.py (shared with the deployment tests)."""

from app.services import Services, services
from tests.conftest import DashboardFactory
from tests.support.servers import DashboardThread


def services_of(dash: DashboardThread) -> Services:
    """The typed services of a dashboard running in this process."""
    with dash.app.app_context():
        return services()


__all__ = ["DashboardFactory", "services_of"]
