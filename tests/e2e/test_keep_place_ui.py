"""Keeping the user's place (issue 15), in Chromium, on a dashboard of ten rows per page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Watched, gunicorn_dashboard, shot, watching
from tests.e2e.test_journeys import log_in, row
from tests.support.servers import DashboardProcess, EmulatorProcess


@pytest.fixture(scope="module")
def paged_site(
    e2e_emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardProcess]:
    folder = tmp_path_factory.mktemp("e2e-paged")
    env = {"PROPDESK_PAGE_SIZE": "10", "WEB_CONCURRENCY": "1"}
    with gunicorn_dashboard(e2e_emulator, folder, **env) as dash:
        yield dash


@pytest.fixture
def paged(chromium: Any, paged_site: DashboardProcess) -> Iterator[Watched]:
    with watching(chromium, paged_site.url) as watched:
        yield watched


def test_create_on_page_3_shows_and_highlights_the_new_row(
    paged: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", **{f"k{i:02d}": str(i) for i in range(30)})
    page = paged.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/?page=3")
    expect(page.get_by_text("30 entries · page 3 of 3")).to_be_visible()
    page.get_by_role("button", name="New property").click()
    page.get_by_label("Name", exact=True).fill("k055")  # sorts after k05: onto page 1
    page.get_by_label("Value", exact=True).fill("new")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("31 entries · page 1 of 4")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/browse/projects/{project}/$"))
    expect(row(page, "k055")).to_have_class(re.compile("highlight"))
    expect(row(page, "k055").get_by_role("link", name="k055")).to_be_focused()
    page.get_by_label("Pages").get_by_role("link", name="3", exact=True).click()
    page.get_by_role("button", name="New property").click()
    page.get_by_label("Name", exact=True).fill("k25b")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("32 entries · page 3 of 4")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?page=3$"))
    expect(row(page, "k25b")).to_have_class(re.compile("highlight"))
    shot(page, "issue15_create_on_page_3")
    page.reload()  # the URL holds the page that shows the new row
    expect(row(page, "k25b")).to_be_visible()
