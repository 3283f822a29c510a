"""Real Buildbot masters for the tests: ``buildbot``, ``buildbot-www`` and
``buildbot-worker`` (pinned by ``deploy/buildbot-constraints.txt``) in their own cached
virtualenv (``app.buildbot.local_master``), started on free loopback ports with a
generated ``master.cfg``. Without that virtualenv the tests skip with one line on a laptop
and fail in CI, where ``.ci/run`` prepares it.

``MasterAPI`` talks to a master directly (not through propdesk) so tests can set up builds
and check what a propdesk action did there.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import requests

from app.buildbot.local_master import LocalMaster, MasterConfig, installed_venv
from tests.support.servers import free_port, wait_until
from tests.support.tools import not_installed

PREPARE_HINT = "python -m app.buildbot.local_master prepare"
USER = "alice <alice@example.com>"
JSON = {"Accept": "application/json"}


def master_venv() -> Path:
    """The master's virtualenv; skip (laptop) or fail (CI) when it is not prepared."""
    venv = installed_venv()
    if venv is None:
        not_installed(
            f"Buildbot's virtualenv is missing in CI: .ci/run should run `{PREPARE_HINT}`",
            f"Buildbot tests skipped: no master virtualenv (run `{PREPARE_HINT}`)",
        )
    return venv


@contextlib.contextmanager
def running_master(
    folder: Path, ca_bundle: Path | None = None, **config: Any
) -> Iterator[LocalMaster]:
    """A master in ``folder`` for the block (``config``: ``MasterConfig``'s ``auth``,
    ``users``, ``description``, ``tls``; ``ca_bundle`` verifies it over HTTPS), stopped
    after it."""
    venv = master_venv()
    folder.mkdir(parents=True, exist_ok=True)
    master = LocalMaster(venv, folder / "master", MasterConfig(free_port(), free_port(), **config))
    master.start(ca_bundle=ca_bundle)
    try:
        yield master
    finally:
        master.stop()


class MasterAPI:
    """Direct calls to a master's REST API (as ``auth`` when given)."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers.update(JSON)
        if auth is not None:
            login = self.http.get(url + "/auth/login", auth=auth, allow_redirects=False)
            assert login.status_code == 302, login.text

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.http.get(self.url + "/api/v2/" + path, params=params, timeout=10)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def builderid(self, builder: str) -> int:
        return int(self.get(f"builders/{builder}")["builders"][0]["builderid"])

    def force(self, builder: str, scheduler: str = "force", **params: Any) -> int:
        """Force a build of ``builder`` through ``scheduler`` with ``params``; its build
        request id."""
        body = {
            "jsonrpc": "2.0",
            "method": "force",
            "id": 1,
            "params": {"builderid": str(self.builderid(builder)), "username": USER, **params},
        }
        url = f"{self.url}/api/v2/forceschedulers/{scheduler}"
        answer = self.http.post(url, json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return int(next(iter(answer.json()["result"][1].values())))

    def finished_build(self, buildrequestid: int, timeout: float = 60) -> dict[str, Any]:
        """The build of a request once it is complete (waits for it)."""

        def done() -> dict[str, Any] | None:
            builds = self.get(f"buildrequests/{buildrequestid}/builds")["builds"]
            return builds[0] if builds and builds[0]["complete"] else None

        found = wait_until(done, timeout=timeout, step=0.2)
        assert found, f"build request {buildrequestid} did not finish in {timeout} s"
        return found

    def build_with(self, builder: str, **params: Any) -> int:
        """Force a build and wait for it; its number."""
        return int(self.finished_build(self.force(builder, **params))["number"])

    def properties(self, buildid: int) -> Mapping[str, Any]:
        """``name -> value`` of a build's properties."""
        found = self.get(f"builds/{buildid}/properties")["properties"][0]
        return {name: pair[0] for name, pair in found.items()}


def accepted(listener: socket.socket) -> int:
    """How many connections wait on ``listener`` (accepted and closed here)."""
    listener.setblocking(False)
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1
