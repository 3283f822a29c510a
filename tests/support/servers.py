"""Real servers for tests: the emulator (and later the dashboard) on free loopback ports."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests
from werkzeug.serving import make_server

from app import create_app
from app.cli import emulator_command
from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
ADMIN = ("admin", "changeme")


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
        controls: bool = True,
    ) -> None:
        self.workdir = workdir
        self.db = workdir / "emulator.sqlite3"
        cmd = emulator_command(
            port, self.db, "--latency-ms", str(latency_ms), seed=seed, controls=controls
        )
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

    # -- data, written and read as admin over the REST API ----------------------------------
    def new_project(self, prefix: str = "t", **values: str) -> str:
        """A project of its own for one test, with optional ``name=value`` properties."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        requests.post(
            self.api + "/projects", json={"projectName": name}, auth=ADMIN, timeout=10
        ).raise_for_status()
        for key, value in values.items():
            self.put_value(f"/projects/{name}/{key}", value)
        return name

    def put_value(self, path: str, value: str, **extra: str) -> None:
        """setProperty on an absolute path."""
        requests.put(
            self.api + "/properties//" + path.lstrip("/"),
            json={"value": value, **extra},
            auth=ADMIN,
            timeout=10,
        ).raise_for_status()

    def property_at(self, path: str) -> dict[str, Any]:
        """The property at an absolute path exactly as the upstream holds it (unexpanded)."""
        r = requests.get(
            self.api + "/properties//" + path.lstrip("/"),
            params={"expand": "0"},
            auth=ADMIN,
            timeout=10,
        )
        r.raise_for_status()
        found: dict[str, Any] = r.json()["property"]
        return found

    def value(self, path: str) -> str:
        """The raw value the upstream holds at an absolute path."""
        return str(self.property_at(path)["value"])

    # -- controls --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return dict(requests.get(self.base_url + "/_emulator/counts", timeout=10).json()["counts"])

    def reset_counts(self) -> None:
        requests.delete(self.base_url + "/_emulator/counts", timeout=10).raise_for_status()

    def requests_seen(self) -> list[dict[str, Any]]:
        return list(
            requests.get(self.base_url + "/_emulator/requests", timeout=10).json()["requests"]
        )

    def requests_to(self, path: str, *methods: str) -> list[dict[str, Any]]:
        """The calls with one of ``methods`` the emulator received so far for ``path``."""
        return [
            r for r in self.requests_seen() if r["method"] in methods and r["path"].endswith(path)
        ]

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
                "status": str(status),
                "count": str(count),
                "retryAfter": retry_after,
                "location": location,
            },
        )
        r.raise_for_status()

    def set_latency(self, ms: int) -> None:
        r = requests.put(self.base_url + "/_emulator/latency", params={"ms": ms}, timeout=10)
        r.raise_for_status()

    def stop(self) -> None:
        stop_process(self.proc, timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()


def stop_process(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Stop a server the test started: TERM, then KILL when it is still there after
    ``timeout`` seconds; nothing when it has already exited."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, step: float = 0.05) -> T:
    """Poll ``predicate`` until it returns a truthy value (then return it) or time runs out
    (then return its last, falsy, value): the one place tests wait on wall time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


class Clock:
    """A controllable time source for login timeouts."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class DashboardThread:
    """The dashboard (``create_app``) served over real HTTP by a threaded werkzeug server
    in this process, so tests can hold its clock and capture its logs."""

    def __init__(self, env: dict[str, str], clock: Callable[[], float] | None = None) -> None:
        self.settings = Settings.from_env(env)
        self.app = create_app(self.settings, clock=clock or time.time)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_INPUT.search(html)
    if not match:
        raise AssertionError("no CSRF token in the page")
    return match.group(1) or match.group(2)


def login(
    http: requests.Session,
    base: str,
    user: str = "admin",
    password: str = "changeme",
    next_path: str | None = None,
) -> requests.Response:
    """Log in through the form like a browser; returns the answer (redirect not followed)."""
    page = http.get(base + "/login", timeout=10)
    return post_login(http, base, csrf_from(page.text), user, password, next_path)


def post_login(
    http: requests.Session,
    base: str,
    token: str,
    user: str = "admin",
    password: str = "changeme",
    next_path: str | None = None,
) -> requests.Response:
    """Post the login form with the CSRF ``token`` given (a page's, or one from elsewhere);
    returns the answer (redirect not followed)."""
    data = {"username": user, "password": password, "csrf_token": token}
    if next_path is not None:
        data["next"] = next_path
    return http.post(base + "/login", data=data, allow_redirects=False, timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dashboard_env(cd_url: str, session_dir: Path, **overrides: str) -> dict[str, str]:
    """Settings for a test or benchmark dashboard: plain-http cookie, its own session
    folder and data folder (the journal) beside it, a login rate limit no test reaches
    unless it sets its own."""
    return {
        "PROPDESK_CD_URL": cd_url,
        "PROPDESK_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "PROPDESK_SESSION_DIR": str(session_dir),
        "PROPDESK_DATA_DIR": str(session_dir.with_name(session_dir.name + "-data")),
        "PROPDESK_COOKIE_SECURE": "0",
        "PROPDESK_LOGIN_RATE_LIMIT": "100000 per minute",
        **overrides,
    }


class DashboardProcess:
    """The dashboard under gunicorn as shipped (``propdesk serve``), in a child process."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_")}
        full_env.update(env)
        full_env.update({"PROPDESK_BIND": f"127.0.0.1:{self.port}", "PYTHONUNBUFFERED": "1"})
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"],
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dashboard exited: {log_path.read_text()[-2000:]}")
            try:
                return requests.get(self.url + "/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        if not wait_until(up, timeout=30, step=0.1):
            self.stop()
            raise RuntimeError(f"dashboard did not start: {log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        stop_process(self.proc, timeout=20)
        self.log.close()


class RedisProcess:
    """A real redis-server of the test's own, on a free loopback port."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise FileNotFoundError("redis-server")
        self.exe = exe
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        workdir = self.workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                self.exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(workdir),
                "--save",
                "60 1",
                "--appendonly",
                "yes",
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        if not wait_until(up, timeout=10):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
