"""Browser fixtures: Debian's Chromium driven by Playwright, against the emulator and the
dashboard under gunicorn, on free loopback ports. Never calls ``playwright install``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import DashboardProcess, EmulatorProcess, dashboard_env

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "e2e"
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def e2e_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    emu = EmulatorProcess(tmp_path_factory.mktemp("e2e-emulator"))
    yield emu
    emu.stop()


@contextmanager
def gunicorn_dashboard(
    emulator: EmulatorProcess, folder: Path, **env: str
) -> Iterator[DashboardProcess]:
    """The dashboard under gunicorn on ``emulator`` with the settings ``env``, its sessions and
    log in ``folder``; stopped after the block."""
    dash = DashboardProcess(
        dashboard_env(emulator.base_url, folder / "sessions", **env), folder / "gunicorn.log"
    )
    try:
        yield dash
    finally:
        dash.stop()


@pytest.fixture(scope="session")
def site(
    e2e_emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardProcess]:
    folder = tmp_path_factory.mktemp("e2e-dashboard")
    with gunicorn_dashboard(e2e_emulator, folder, WEB_CONCURRENCY="2") as dash:
        yield dash


# Chromium logs every 4xx answer as a console error. 409 (conflict view) and 422 (a form
# returned with its error) are propdesk's designed answers that htmx swaps in; any other
# error status, script error or CSP violation still fails the test.
DESIGNED = re.compile(
    r"Failed to load resource: the server responded with a status of "
    r"(409|422) "
)


READY = "document.body !== null && document.body.dataset.ready === '1'"


def wait_ready(page: Any) -> None:
    """Wait until htmx has processed the page (static/app.js sets ``data-ready`` on the
    body): a click before that would find no htmx behaviour yet."""
    page.wait_for_function(READY)


def goto(page: Any, path: str) -> None:
    """Open ``path`` and wait until the page is ready for clicks."""
    page.goto(path)
    wait_ready(page)


def follow(page: Any, target: Any) -> None:
    """Click ``target`` (a locator on ``page``: a link, or a button that submits a form)
    and wait until the page it leads to is ready."""
    with page.expect_navigation():
        target.click()
    wait_ready(page)


def submit_login(page: Any, user: str | None = "admin", password: str = "changeme") -> None:
    """Log in with the login form ``page`` shows (``user=None``: the name as it is filled
    in already) and wait until the page it leads to is ready."""
    if user is not None:
        page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    follow(page, page.get_by_role("button", name="Log in"))


def shot(page: Any, name: str) -> None:
    """Save a screenshot of the whole page as ``test-output/e2e/<name>.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


class Watched:
    """A page whose console errors, page errors and CSP violations are collected."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.problems: list[str] = []
        self.page = self.new_page()

    def new_page(self) -> Any:
        page = self.context.new_page()
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" and not DESIGNED.match(m.text)
                else None
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("dialog", self._dialog)
        return page

    def _dialog(self, dialog: Any) -> None:
        """An alert is a problem (an injected script ran). Every dialog is answered so a
        listener never leaves the page blocked; confirmations are accepted."""
        if dialog.type == "alert":
            self.problems.append(f"unexpected dialog: {dialog.message}")
            dialog.dismiss()
        else:
            dialog.accept()


@contextmanager
def watching(chromium: Any, base_url: str, **options: object) -> Iterator[Watched]:
    """A watched page in a new browser context on ``base_url`` (``options``: of the context;
    the viewport 1280 x 900 unless given). After the block the context is closed and any
    problem collected fails the test."""
    context = chromium.new_context(base_url=base_url, **{"viewport": VIEWPORT, **options})
    watched = Watched(context)
    yield watched
    context.close()
    assert not watched.problems, "\n".join(watched.problems)


@pytest.fixture
def watched(
    chromium: Any, site: DashboardProcess, request: pytest.FixtureRequest
) -> Iterator[Watched]:
    context = chromium.new_context(base_url=site.url, viewport=VIEWPORT)
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    w = Watched(context)
    yield w
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        w.page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
    assert not w.problems, "\n".join(w.problems)
