"""Faults with real processes, killed and restarted for real."""

from __future__ import annotations

import html
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import DashboardFactory
from tests.support.client import Client, action, fields
from tests.support.servers import (
    DashboardProcess,
    EmulatorProcess,
    csrf_from,
    dashboard_env,
    login,
    wait_until,
)


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    emu = EmulatorProcess(tmp_path / "emu")
    yield emu
    emu.stop()


def test_upstream_down_while_browsing_and_saving(
    make_dashboard: DashboardFactory, own_emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(upstream=own_emulator, PROPDESK_RETRIES="0")
    client = Client(dash)
    url = "/browse/projects/Default/PythonProperty"
    data = fields(client.hx("GET", action("edit", url) + "?ctx=detail").text)
    data["value"] = "typed while the upstream died"
    own_emulator.stop()
    host = f"127.0.0.1:{own_emulator.port}"
    page = client.get("/browse/")
    assert page.status_code == 503 and f"CloudBees CD at {host} is not reachable" in page.text
    saved = client.hx("POST", action("edit", url), data)
    assert saved.status_code == 503
    assert saved.headers["HX-Reswap"] == "none"  # the editor (and its text) stays on screen
    trigger = saved.headers["HX-Trigger"]
    assert "Nothing was saved" in trigger and host in trigger and "form is unchanged" in trigger


def test_upstream_down_during_publish(
    make_dashboard: DashboardFactory, own_emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(upstream=own_emulator, PROPDESK_RETRIES="0")
    client = Client(dash)
    own_emulator.stop()
    r = client.http.post(
        dash.url + "/artifacts/publish",
        data={"group_id": "g", "artifact_key": "k", "version": "1"},
        files=[("files", ("a.bin", b"123"))],
        headers={"HX-Request": "true", "X-CSRFToken": client.token},
        timeout=30,
    )
    assert r.status_code == 503 and r.headers["HX-Reswap"] == "none"
    assert "Nothing was saved" in r.headers["HX-Trigger"]


def test_slow_upstream_times_out_and_others_still_get_pages(
    own_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    dash = DashboardProcess(
        dashboard_env(
            own_emulator.base_url,
            tmp_path / "sessions",
            PROPDESK_READ_TIMEOUT="3",
            PROPDESK_RETRIES="0",
            WEB_CONCURRENCY="1",
            PROPDESK_THREADS="8",
        ),
        tmp_path / "gunicorn.log",
    )
    try:
        slow = [requests.Session() for _ in range(4)]
        for s in slow:
            login(s, dash.url)
        own_emulator.set_latency(30_000)
        own_emulator.reset_counts()
        results: list[tuple[int, float, str]] = []

        def hit(s: requests.Session) -> None:
            started = time.monotonic()
            r = s.get(dash.url + "/browse/", timeout=30)
            results.append((r.status_code, time.monotonic() - started, r.text))

        threads = [threading.Thread(target=hit, args=(s,)) for s in slow]
        for t in threads:
            t.start()
        # All four are waiting on the upstream once the emulator has counted their calls
        # (it counts a call before its latency).
        assert wait_until(lambda: sum(own_emulator.counts().values()) >= 4)
        assert requests.get(dash.url + "/login", timeout=5).status_code == 200
        # Another user was served while all four slow requests were still waiting.
        assert all(t.is_alive() for t in threads)
        for t in threads:
            t.join()
        assert len(results) == 4
        for status, elapsed, text in results:
            assert status == 503 and "did not answer within 3 s" in text
            assert elapsed < 3 + 7  # the timeout plus a wide margin, not the 30 s latency
    finally:
        own_emulator.set_latency(0)
        dash.stop()


def test_upstream_restart_mid_load(make_dashboard: DashboardFactory, tmp_path: Path) -> None:
    emu = EmulatorProcess(tmp_path / "emu")
    port = emu.port
    dash = make_dashboard(upstream=emu, PROPDESK_RETRIES="0", PROPDESK_CONNECT_TIMEOUT="0.5")
    browser = requests.Session()
    login(browser, dash.url)
    log: list[tuple[float, int]] = []  # (when the answer came, its status)
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            r = browser.get(
                dash.url + "/browse/projects/Default/", timeout=10, allow_redirects=False
            )
            log.append((time.monotonic(), r.status_code))
            stop.wait(0.02)  # the pace of the load, not a wait for anything

    def answers(since: float, status: int) -> list[float]:
        return [t for t, code in list(log) if t > since and code == status]

    worker = threading.Thread(target=load)
    worker.start()
    try:
        assert wait_until(lambda: len(answers(0, 200)) >= 5)  # under load, logged in
        down_at = time.monotonic()
        emu.stop()
        assert wait_until(lambda: len(answers(down_at, 503)) >= 3)  # the outage is seen
        emu = EmulatorProcess(tmp_path / "emu", port=port)  # same database, same port
        up_at = time.monotonic()
        recovered = wait_until(lambda: answers(up_at, 200), timeout=30)
        assert recovered, "no page after the restart"
        recovered_at = recovered[0]
        # ... and it stays recovered for the next twenty pages.
        assert wait_until(lambda: len(answers(recovered_at, 200)) >= 20, timeout=30)
    finally:
        stop.set()
        worker.join()
        emu.stop()
    before = [code for t, code in log if t < down_at]
    after = [code for t, code in log if t >= recovered_at]
    assert before and set(before) == {200}
    assert recovered_at - up_at < 5  # recovered within seconds, still logged in (not 303)
    assert len(after) > 20 and set(after) == {200}  # every answer since then
    assert all(code in (200, 503) for _, code in log)  # errors only while down, never 500
    assert any(code == 503 for t, code in log if down_at < t < up_at)


def test_killed_worker_mid_request(own_emulator: EmulatorProcess, tmp_path: Path) -> None:
    dash = DashboardProcess(
        dashboard_env(own_emulator.base_url, tmp_path / "sessions", WEB_CONCURRENCY="1"),
        tmp_path / "gunicorn.log",
    )
    try:
        browser = requests.Session()
        login(browser, dash.url)
        own_emulator.set_latency(5000)
        own_emulator.reset_counts()
        failed: list[object] = []

        def in_flight() -> None:
            try:
                failed.append(browser.get(dash.url + "/browse/", timeout=10).status_code)
            except requests.RequestException as err:
                failed.append(type(err).__name__)

        t = threading.Thread(target=in_flight)
        t.start()
        # The request is in the worker once the emulator has counted its upstream call (it
        # counts a call before its latency).
        assert wait_until(lambda: sum(own_emulator.counts().values()) >= 1)
        workers = [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit()
            and re.search(rf"^PPid:\s+{dash.proc.pid}$", (p / "status").read_text(), re.M)
        ]
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        t.join()
        own_emulator.set_latency(0)
        ok = wait_until(lambda: _status(browser, dash.url + "/browse/") == 200, timeout=20)
        assert ok  # the next request succeeds on a fresh worker, with the same session
        assert failed  # the request in flight ended (an error), it did not hang
    finally:
        own_emulator.set_latency(0)
        dash.stop()


def _status(http: requests.Session, url: str) -> int:
    try:
        return http.get(url, timeout=10, allow_redirects=False).status_code
    except requests.RequestException:
        return 0


def test_login_page_when_upstream_is_down_names_it(
    make_dashboard: DashboardFactory, own_emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(upstream=own_emulator, PROPDESK_RETRIES="0")
    own_emulator.stop()
    http = requests.Session()
    page = http.get(dash.url + "/login", timeout=10)
    r = http.post(
        dash.url + "/login",
        data={"username": "admin", "password": "x", "csrf_token": csrf_from(page.text)},
        timeout=10,
    )
    assert r.status_code == 503
    assert f"CloudBees CD at 127.0.0.1:{own_emulator.port} is not reachable" in html.unescape(
        r.text
    )
    assert 'value="admin"' in r.text
