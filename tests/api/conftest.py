"""Fixtures of the API tests: a dashboard with a data key, a logged-in browser client and
a read-write key of admin's (made through the settings page)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tests.api.support import Api, make_key
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread

DATA_KEY = Fernet.generate_key().decode()


@pytest.fixture
def api_dashboard(make_dashboard: DashboardFactory) -> DashboardThread:
    return make_dashboard(PROPDESK_DATA_KEYS=DATA_KEY)


@pytest.fixture
def admin_client(api_dashboard: DashboardThread) -> Client:
    return Client(api_dashboard)


@pytest.fixture
def rw_key(admin_client: Client) -> str:
    return make_key(admin_client, "deploy-bot")


@pytest.fixture
def api(api_dashboard: DashboardThread, rw_key: str) -> Api:
    return Api(api_dashboard, rw_key)
