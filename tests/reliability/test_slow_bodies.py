"""Slow request bodies cannot starve the dashboard (issue 14, D10): under gunicorn as
shipped, sockets that trickle a ``POST /login`` body one byte a second are answered 408 once
``PROPDESK_BODY_TIMEOUT`` (plus its allowance per byte) has passed, ``/healthz`` keeps
answering meanwhile, and a real login whose body pauses for less than that works.

Time bounds are derived from the configured body timeout and thread count, never fixed.
"""

from __future__ import annotations

import math
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import requests

from app.config import BODY_MIN_RATE
from tests.support.servers import (
    DashboardProcess,
    EmulatorProcess,
    csrf_from,
    dashboard_env,
    wait_until,
)

THREADS = 4
SLOW_CLIENTS = 3 * THREADS  # three times as many slow bodies as threads to hold them
BODY_TIMEOUT = 1.0
DECLARED = 100_000  # the Content-Length each slow client announces
HEAD = (
    "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {DECLARED}\r\n\r\n"
).encode()

PER_BODY = BODY_TIMEOUT + DECLARED / BODY_MIN_RATE
"""The longest one slow body may hold a thread: the timeout plus the allowance for all of it."""
ALL_CUT = 2 * math.ceil(SLOW_CLIENTS / THREADS) * PER_BODY
"""Twice the time for every slow body to have had its turn on a thread and been cut."""


class SlowClients:
    """Sockets that send a ``POST /login`` head at once, then its body one byte a second
    (from one thread); each keeps the first bytes answered and when they came."""

    def __init__(self, port: int, count: int) -> None:
        self.started = time.monotonic()
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(HEAD)
        self.answers: dict[int, tuple[bytes, float]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        waiting = list(self.sockets)
        while waiting and not self.stop.is_set():
            readable, _, _ = select.select(waiting, [], [], 1.0)  # the pace: a byte a second
            for sock in readable:
                self._answer(sock)
                waiting.remove(sock)
            for sock in list(waiting):
                try:
                    sock.send(b"a")
                except OSError:
                    self._answer(sock)
                    waiting.remove(sock)

    def _answer(self, sock: socket.socket) -> None:
        sock.settimeout(PER_BODY)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        self.answers[sock.fileno()] = (data, time.monotonic() - self.started)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def login_with_a_pause(base: str, pause: float) -> requests.Response:
    """Log in as admin, the form's body sent in two parts ``pause`` seconds apart."""
    http = requests.Session()
    token = csrf_from(http.get(base + "/login", timeout=10).text)
    body = urlencode({"username": "admin", "password": "changeme", "csrf_token": token})

    def parts() -> Iterator[bytes]:
        yield body[:10].encode()
        time.sleep(pause)  # the client's pace, not a wait for the server
        yield body[10:].encode()

    return http.post(
        base + "/login",
        data=parts(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=ALL_CUT,
    )


def test_slow_bodies_are_cut_with_408_and_healthz_still_answers(
    emulator: EmulatorProcess, tmp_path: Path
) -> None:
    dash = DashboardProcess(
        dashboard_env(
            emulator.base_url,
            tmp_path / "sessions",
            WEB_CONCURRENCY="1",
            PROPDESK_THREADS=str(THREADS),
            PROPDESK_BODY_TIMEOUT=str(BODY_TIMEOUT),
        ),
        tmp_path / "gunicorn.log",
    )
    slow = SlowClients(dash.port, SLOW_CLIENTS)
    try:
        # Every thread is taken by a slow body now; /healthz waits its turn, not forever.
        assert requests.get(dash.url + "/healthz", timeout=ALL_CUT).status_code == 200
        assert wait_until(lambda: len(slow.answers) == SLOW_CLIENTS, timeout=ALL_CUT)
        for data, after in slow.answers.values():
            assert data.startswith(b"HTTP/1.1 408 "), data[:200]
            assert after < ALL_CUT  # the whole body would have taken DECLARED seconds
        assert login_with_a_pause(dash.url, BODY_TIMEOUT / 2).status_code == 303
    finally:
        slow.close()
        dash.stop()
