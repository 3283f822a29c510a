"""Waiting has limits, seen through the dashboard (issue 14, D2 and D11): one upstream
deadline per request bounds all its calls, retries and ``Retry-After`` waits, and the page
says truthfully how long and how often propdesk tried.

Time bounds are the configured ones (read timeout, deadline, emulator latency) with margins.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from tests.conftest import DashboardFactory
from tests.support.servers import DashboardThread, EmulatorProcess, login


@pytest.fixture
def emu(fresh_emulator: EmulatorProcess) -> Iterator[EmulatorProcess]:
    """An emulator of this test's own (faults and latency are global to it)."""
    yield fresh_emulator
    fresh_emulator.set_latency(0)


def logged_in(dash: DashboardThread) -> requests.Session:
    browser = requests.Session()
    assert login(browser, dash.url).status_code == 303
    return browser


def timed_get(browser: requests.Session, url: str) -> tuple[requests.Response, float]:
    """The page and the seconds it took (the client's own timeout is only a safety net)."""
    started = time.monotonic()
    page = browser.get(url, timeout=300)
    return page, time.monotonic() - started


SlowPage = Callable[..., tuple[DashboardThread, requests.Response, float]]

# Attempts of 1 s (connect 0.5 s): an emulator answering after 1.5 s never meets one.
ATTEMPTS_OF_1_S = {"PROPDESK_READ_TIMEOUT": "1", "PROPDESK_CONNECT_TIMEOUT": "0.5"}


@pytest.fixture
def slow_page(make_dashboard: DashboardFactory, emu: EmulatorProcess) -> SlowPage:
    """``slow_page(path, latency_ms, **settings)`` logs in to a dashboard on ``emu`` with
    ``settings``, then loads ``path`` with every upstream call answered after ``latency_ms``
    (the emulator's counts reset first); returns the dashboard, the page and its seconds."""

    def load(
        path: str, latency_ms: int, **settings: str
    ) -> tuple[DashboardThread, requests.Response, float]:
        dash = make_dashboard(upstream=emu, **settings)
        browser = logged_in(dash)
        emu.set_latency(latency_ms)
        emu.reset_counts()
        page, elapsed = timed_get(browser, dash.url + path)
        return dash, page, elapsed

    return load


def test_a_long_retry_after_does_not_hold_a_page(
    make_dashboard: DashboardFactory, emu: EmulatorProcess
) -> None:
    """``Retry-After: 40`` with read timeout 2 s: the default deadline (2 + 15 s) has no
    room for it, so the page answers at once instead of after 40 s."""
    dash = make_dashboard(upstream=emu, PROPDESK_READ_TIMEOUT="2")
    browser = logged_in(dash)
    emu.inject_faults(503, 1, retry_after="40")
    emu.reset_counts()
    page, elapsed = timed_get(browser, dash.url + "/browse/")
    assert page.status_code >= 500 and "Injected fault" in page.text
    assert emu.counts() == {"GET /projects": 1}
    assert elapsed < dash.settings.upstream_deadline < 40


def test_a_page_says_how_often_and_how_long_it_tried(slow_page: SlowPage) -> None:
    """Read timeout 1 s, latency 1.5 s, two retries: three attempts, and the page says so
    (it used to say "within 1 s" after three times that)."""
    dash, page, elapsed = slow_page("/browse/", 1500, **ATTEMPTS_OF_1_S, PROPDESK_RETRIES="2")
    assert page.status_code == 503
    assert "did not answer within 1 s (3 attempts, " in html.unescape(page.text)
    assert elapsed < dash.settings.upstream_deadline


def test_the_deadline_stops_retries(slow_page: SlowPage, emu: EmulatorProcess) -> None:
    """Five retries allowed, deadline 3 s, attempts of 1 s: the third attempt would not fit."""
    dash, page, elapsed = slow_page(
        "/browse/", 1500, **ATTEMPTS_OF_1_S, PROPDESK_RETRIES="5", PROPDESK_UPSTREAM_DEADLINE="3"
    )
    text = html.unescape(page.text)
    assert page.status_code == 503
    assert "(2 attempts, " in text and "the 3 s deadline left no time for another" in text
    assert emu.counts() == {"GET /projects": 2}
    assert elapsed < dash.settings.upstream_deadline + 1  # the deadline, plus rendering


def test_one_deadline_covers_every_call_of_a_request(
    slow_page: SlowPage, emu: EmulatorProcess
) -> None:
    """The artifacts page asks twice (artifacts, then versions); at 2.5 s each, a 4 s deadline
    leaves the second call 1.5 s, whatever the read timeout."""
    _, page, elapsed = slow_page(
        "/artifacts",
        2500,
        PROPDESK_READ_TIMEOUT="10",
        PROPDESK_RETRIES="0",
        PROPDESK_UPSTREAM_DEADLINE="4",
    )
    assert page.status_code == 503
    assert "did not answer before the 4 s deadline of this request" in html.unescape(page.text)
    assert emu.counts() == {"GET /artifacts": 1, "GET /artifactVersions": 1}
    assert elapsed < 2 * 2.5  # before both answers could have come (1 s to spare)
