"""Debian's Chromium driven by Playwright: one browser for the whole run.

Playwright's sync API allows one instance per thread, so the fixtures live here and are
registered once, by the root ``tests/conftest.py``: every suite that drives a browser (the
e2e journeys, the Buildbot journey) shares that instance. Never calls ``playwright
install``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-default-apps",
]


def chromium_path() -> str | None:
    """Where Chromium is: ``CHROMIUM_PATH``, else ``chromium`` on the ``PATH``."""
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser_exe() -> str:
    """Chromium's path; without it the browser tests skip (in CI they fail)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("Chromium is missing in CI: .ci/run should have installed `chromium`")
        pytest.skip(
            "browser tests skipped: no Chromium (install Debian's `chromium` or set CHROMIUM_PATH)"
        )
    return path


@pytest.fixture(scope="session")
def chromium(browser_exe: str) -> Iterator[Browser]:
    """The run's one Chromium (in the main thread)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_exe, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
