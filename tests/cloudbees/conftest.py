"""Fixtures for the service layer: transports and clients against the real emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.cloudbees import CloudBeesClient, Transport, TransportSettings
from tests.support.servers import EmulatorProcess


@pytest.fixture
def transport(emulator: EmulatorProcess) -> Transport:
    return Transport(TransportSettings(server_url=emulator.base_url, read_timeout=10))


@pytest.fixture
def cd(emulator: EmulatorProcess) -> Iterator[CloudBeesClient]:
    """A client logged in as admin (logged out at the end)."""
    client = CloudBeesClient.login(emulator.base_url, "admin", "changeme")
    yield client
    client.logout()
