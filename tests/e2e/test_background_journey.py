"""Issue 17's background apply in a real Chromium, against the dashboard under gunicorn as
shipped (with ``PROPDESK_BACKGROUND_APPLY_OPERATIONS`` at 20): import a file of 120 values,
land on the run's page, watch htmx poll its progress bar, and see the bar reach the end
above the same report an apply in the request shows. The emulator answers each call 20 ms
late for this journey, so the run lasts a few seconds and the page polls while it runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.changes import Sheet, Value, to_yaml
from tests.e2e.conftest import Watched, gunicorn_dashboard, watching
from tests.e2e.test_journeys import log_in
from tests.support.servers import DashboardProcess, EmulatorProcess

COUNT = 120


@pytest.fixture
def background_site(e2e_emulator: EmulatorProcess, tmp_path: Path) -> Iterator[DashboardProcess]:
    with gunicorn_dashboard(
        e2e_emulator, tmp_path, WEB_CONCURRENCY="2", PROPDESK_BACKGROUND_APPLY_OPERATIONS="20"
    ) as dash:
        yield dash


@pytest.fixture
def page(chromium: Any, background_site: DashboardProcess) -> Iterator[Watched]:
    with watching(chromium, background_site.url) as watched:
        yield watched


@pytest.fixture
def slow_emulator(e2e_emulator: EmulatorProcess) -> Iterator[EmulatorProcess]:
    e2e_emulator.set_latency(20)
    try:
        yield e2e_emulator
    finally:
        e2e_emulator.set_latency(0)


def test_17_a_large_import_shows_its_progress_until_the_report(
    page: Watched, slow_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    project = slow_emulator.new_project("e2e-bg")
    big = tmp_path / "big.yaml"
    big.write_text(to_yaml(Sheet({f"k{i:03}": Value(f"v{i}") for i in range(COUNT)})))
    tab = page.page
    log_in(tab, path=f"/login?next=/import/projects/{project}/")
    tab.get_by_label("File to import").set_input_files(str(big))
    tab.get_by_role("button", name="Preview").click()
    expect(tab.locator(".plan-counts")).to_contain_text(f"{COUNT} to create")
    tab.get_by_role("button", name=f"Apply {COUNT} changes").click()

    expect(tab).to_have_url(re.compile(r"/changes/runs/[A-Za-z0-9_-]{32,}$"))
    expect(tab.locator("h1")).to_have_text("Import: applying")
    bar = tab.locator("progress.run-bar")
    expect(bar).to_have_attribute("max", str(COUNT))
    expect(tab.get_by_role("button", name="Cancel the apply")).to_be_visible()
    first = int(bar.get_attribute("value") or "0")
    assert first < COUNT

    expect(tab.locator("h1")).to_have_text("Import: applied", timeout=60_000)
    expect(bar).to_have_attribute("value", str(COUNT))
    expect(tab.locator("#run-bar-text")).to_have_text(f"{COUNT} of {COUNT} operations done (100%)")
    expect(tab.locator(".report-counts")).to_contain_text(f"{COUNT} applied")
    expect(tab.locator(".report-counts")).to_contain_text("0 failed")
    assert slow_emulator.value(f"/projects/{project}/k119") == "v119"
