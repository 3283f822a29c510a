"""Search in a real Chromium (issue 18): ``/`` focuses the header's search box; "database"
across projects, a result opened; a pasted path goes straight to its page; markup in a
name and a value stays text in the results and their highlights."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Watched, wait_ready
from tests.e2e.test_journeys import log_in
from tests.support.servers import EmulatorProcess


def search_from_header(page: Any, text: str) -> None:
    """Focus the header's box with ``/`` (no field focused), type ``text`` and press Enter."""
    page.locator("h1").first.click()
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Search properties or go to a path")
    expect(box).to_be_focused()
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")
    wait_ready(page)


def test_18_search_open_a_result_and_go_to_a_path(watched: Watched) -> None:
    page = watched.page
    log_in(page)
    search_from_header(page, "database")
    expect(page).to_have_url(re.compile(r"/search\?q=database$"))
    expect(page.locator("#result-count")).to_contain_text("for “database”")
    results = page.locator("table.results tbody tr")
    expect(results.first).to_have_class("exact")
    expect(page.locator("table.results")).to_contain_text("/projects/payments-api/deploy/")
    expect(page.locator("table.results")).to_contain_text("/projects/checkout-service/deploy/")
    sheet = "/projects/checkout-service/deploy/prod"
    with page.expect_navigation():
        page.locator("tr", has_text=sheet + "/database").get_by_role(
            "link", name="database"
        ).click()
    wait_ready(page)
    expect(page).to_have_url(
        re.compile(r"/browse/projects/checkout-service/deploy/prod/database/$")
    )
    expect(page.get_by_role("link", name="poolSize")).to_be_visible()

    search_from_header(page, "projects/checkout-service/ci/version")
    expect(page).to_have_url(re.compile(r"/browse/projects/checkout-service/ci/version$"))
    search_from_header(page, "$[/projects/payments-api/deploy/prod]")
    expect(page).to_have_url(re.compile(r"/browse/projects/payments-api/deploy/prod/$"))


def test_18_options_paging_and_markup_stay_text(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    word = "q" + uuid.uuid4().hex[:8]
    project = e2e_emulator.new_project("e2e")
    e2e_emulator.put_value(f"/projects/{project}/{word}<img src=x onerror=alert(1)>", "v")
    e2e_emulator.put_value(f"/projects/{project}/note", f"{word} <script>alert(2)</script>")
    page = watched.page
    log_in(page)
    search_from_header(page, word)
    table = page.locator("table.results")
    expect(table.locator("mark").first).to_have_text(word)
    expect(table).to_contain_text("<script>alert(2)</script>")
    expect(table).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("table.results img").count() == 0
    page.get_by_role("radio", name="Values", exact=True).check()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"in=values"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(f"/projects/{project}/note")


def test_18_follow_a_reference_and_see_where_it_is_used(watched: Watched) -> None:
    page = watched.page
    log_in(page, path="/login?next=/browse/projects/checkout-service/deploy/prod/url")
    value = page.locator("#detail p.references")
    expect(value.get_by_role("link", name="$[port]")).to_be_visible()
    with page.expect_navigation():
        value.get_by_role("link", name="$[port]").click()
    wait_ready(page)
    expect(page).to_have_url(re.compile(r"/browse/projects/checkout-service/deploy/prod/port$"))
    used = page.locator("#where-used")
    expect(used.get_by_role("heading", name="Where used")).to_be_visible()
    expect(
        used.get_by_role("link", name="/projects/checkout-service/deploy/prod/url")
    ).to_be_visible()
    expect(used).to_contain_text("as $[port]")
    with page.expect_navigation():
        used.get_by_role("link", name="/projects/checkout-service/deploy/prod/url").click()
    wait_ready(page)
    host = "$[/projects/checkout-service/deploy/prod/host]"
    with page.expect_navigation():
        page.locator("#detail p.references").get_by_role("link", name=host).click()
    wait_ready(page)
    expect(page).to_have_url(re.compile(r"/browse/projects/checkout-service/deploy/prod/host$"))


def focused_name(page: Any) -> str:
    """The name of the tree item that has the focus."""
    return str(page.evaluate("document.activeElement.querySelector(':scope > a').textContent"))


def press_until(page: Any, key: str, name: str, limit: int = 40) -> None:
    """Press ``key`` until the tree item ``name`` has the focus."""
    for _ in range(limit):
        if focused_name(page) == name:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{name} never got the focus (at {focused_name(page)})")


def test_18_tree_three_levels_by_keyboard_and_remembered(watched: Watched) -> None:
    page = watched.page
    log_in(page, path="/login?next=/browse/projects/payments-api/")
    toggle = page.get_by_role("button", name="Sheet tree", exact=True)
    toggle.click()  # 1280 px wide: the tree waits behind its button
    expect(toggle).to_have_attribute("aria-expanded", "true")
    tree = page.get_by_role("tree", name="Sheets")
    top = tree.get_by_role("treeitem", name="All sheets")
    top.focus()
    page.keyboard.press("ArrowRight")
    expect(top).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowRight")
    expect(page.locator(":focus")).to_have_attribute("aria-level", "2")
    assert focused_name(page) == "server"
    press_until(page, "ArrowDown", "checkout-service")
    for name, child in (("checkout-service", "ci"), ("deploy", "dev"), ("prod", "database")):
        press_until(page, "ArrowDown", name)
        page.keyboard.press("ArrowRight")
        expect(page.locator(":focus")).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("ArrowRight")
        assert focused_name(page) == child
    expect(page.locator(":focus")).to_have_attribute("aria-level", "5")
    page.keyboard.press("ArrowLeft")  # to prod
    assert focused_name(page) == "prod"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    wait_ready(page)
    expect(page).to_have_url(re.compile(r"/browse/projects/checkout-service/deploy/prod/$"))
    # What was open is open again on the next page (the pane itself opens on a click).
    page.get_by_role("button", name="Sheet tree", exact=True).click()
    prod = page.get_by_role("tree", name="Sheets").get_by_role("treeitem", name="prod")
    expect(prod).to_have_attribute("aria-expanded", "true")
    expect(prod.get_by_role("treeitem", name="database")).to_be_visible()


def test_18_a_sheet_rows_marker_opens_it_in_the_tree(watched: Watched) -> None:
    page = watched.page
    page.add_init_script("sessionStorage.clear()")
    log_in(page, path="/login?next=/browse/projects/payments-api/deploy/")
    page.get_by_role("button", name="Show staging in the sheet tree").click()
    expect(page).to_have_url(re.compile(r"/browse/projects/payments-api/deploy/$"))
    tree = page.get_by_role("tree", name="Sheets")
    expect(tree).to_be_visible()
    staging = tree.locator("[role=treeitem][aria-level='4']", has_text="staging")
    expect(staging).to_be_focused()
    expect(staging).to_have_attribute("aria-expanded", "true")
    expect(staging.get_by_role("treeitem", name="database")).to_be_visible()
