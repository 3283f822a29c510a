"""Dashboard fixtures live in tests/conftest.py (shared with the deployment tests)."""

from tests.conftest import DashboardFactory

__all__ = ["DashboardFactory"]
