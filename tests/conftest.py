"""Fixtures shared by every test: the emulator over real HTTP on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.servers import EmulatorProcess


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
