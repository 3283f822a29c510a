"""Real servers for tests: the emulator (and later the dashboard) on free loopback ports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]


class EmulatorProcess:
    """The emulator run by ``propdesk emulator`` in a child process, with its controls on."""

    def __init__(
        self,
        workdir: Path,
        *,
        seed: str | None = "demo",
        latency_ms: int = 0,
        session_lifetime: float | None = None,
        port: int = 0,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.workdir = workdir
        self.db = workdir / "emulator.sqlite3"
        cmd = [
            sys.executable,
            "-m",
            "app.cli",
            "emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(self.db),
            "--controls",
            "--latency-ms",
            str(latency_ms),
        ]
        if seed:
            cmd += ["--seed", seed]
        if session_lifetime is not None:
            cmd += ["--session-lifetime", str(session_lifetime)]
        if tls is not None:
            cmd += ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        match = re.search(r"(https?)://127\.0\.0\.1:(\d+)", line)
        if not match:
            self.proc.kill()
            rest = self.proc.stdout.read().decode()
            raise RuntimeError(f"emulator did not start: {line}{rest}")
        self.port = int(match.group(2))
        self.base_url = f"{match.group(1)}://127.0.0.1:{self.port}"
        self.api = self.base_url + "/rest/v1.0"

    # -- controls --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return dict(requests.get(self.base_url + "/_emulator/counts", timeout=10).json()["counts"])

    def reset_counts(self) -> None:
        requests.delete(self.base_url + "/_emulator/counts", timeout=10).raise_for_status()

    def requests_seen(self) -> list[dict[str, Any]]:
        return list(
            requests.get(self.base_url + "/_emulator/requests", timeout=10).json()["requests"]
        )

    def expire_sessions(self, user: str | None = None) -> int:
        params = {"userName": user} if user else {}
        r = requests.post(self.base_url + "/_emulator/sessions/expire", params=params, timeout=10)
        return int(r.json()["expired"])

    def inject_faults(
        self, status: int, count: int, retry_after: str = "", location: str = ""
    ) -> None:
        """The next ``count`` API calls answer ``status`` (with optional headers)."""
        r = requests.put(
            self.base_url + "/_emulator/faults",
            timeout=10,
            params={
                "status": status,
                "count": count,
                "retryAfter": retry_after,
                "location": location,
            },
        )
        r.raise_for_status()

    def set_latency(self, ms: int) -> None:
        r = requests.put(self.base_url + "/_emulator/latency", params={"ms": ms}, timeout=10)
        r.raise_for_status()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def wait_until(predicate: Any, timeout: float = 10.0, step: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns a truthy value (then return it) or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)
