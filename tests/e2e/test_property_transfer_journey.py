"""One property (not a sheet) renamed and copied in a real Chromium (issue 17, feature 5):
from its row on the sheet to its page, "Rename" and the new name shown with the value it
kept; "Copy or move" to another project through the preview, apply, and the copy seen on
the target project's sheet. Each test works in projects of its own."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Watched, wait_ready
from tests.e2e.test_journeys import log_in, row
from tests.support.servers import EmulatorProcess


def follow(page: Any, control: Any) -> None:
    """Click ``control`` (a link, or a form's button) and wait for the page it leads to."""
    with page.expect_navigation():
        control.click()
    wait_ready(page)


def open_from_its_row(page: Any, project: str, name: str) -> None:
    """Log in on ``project``'s sheet and open the property ``name`` from its row."""
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    follow(page, row(page, name).get_by_role("link", name=name, exact=True))


def test_rename_a_property_from_its_row(watched: Watched, e2e_emulator: EmulatorProcess) -> None:
    project = e2e_emulator.new_project("e2e-rename", timeout="30 s <b>as text</b>")
    page = watched.page
    open_from_its_row(page, project, "timeout")
    follow(page, page.get_by_role("link", name="Rename", exact=True))
    expect(page.locator("h1")).to_have_text(f"Rename /projects/{project}/timeout")
    expect(page.locator("pre.value")).to_have_text("30 s <b>as text</b>")
    name = page.get_by_label("New name")
    expect(name).to_have_value("timeout")
    name.fill("requestTimeout")
    follow(page, page.get_by_role("button", name="Rename"))
    expect(  # first: the toast leaves after 5 s
        page.get_by_role("status").filter(has_text="Renamed timeout to requestTimeout")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/browse/projects/{project}/requestTimeout$"))
    expect(page.locator("h1")).to_have_text("requestTimeout")
    expect(page.locator("#detail pre.value").first).to_have_text("30 s <b>as text</b>")
    assert e2e_emulator.value(f"/projects/{project}/requestTimeout") == "30 s <b>as text</b>"

    follow(page, page.get_by_label("Breadcrumbs").get_by_role("link", name=project))
    expect(row(page, "requestTimeout").locator("td.value")).to_have_text("30 s <b>as text</b>")
    expect(row(page, "timeout")).to_have_count(0)


def test_copy_a_property_to_another_project_through_the_preview(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    source = e2e_emulator.new_project("e2e-copy-from", region="eu-west-1")
    target = e2e_emulator.new_project("e2e-copy-to", other="kept")
    page = watched.page
    open_from_its_row(page, source, "region")
    follow(page, page.get_by_role("link", name="Copy or move", exact=True))
    destination = page.get_by_label("Destination path")
    expect(destination).to_have_value(f"/projects/{source}/region")
    destination.fill(f"/projects/{target}/region")
    expect(page.get_by_label("Copy", exact=True)).to_be_checked()
    follow(page, page.get_by_role("button", name="Preview"))

    expect(page.locator("h1")).to_have_text(
        f"Copy /projects/{source}/region to /projects/{target}/region"
    )
    expect(page.locator("table.plan tr.op-create")).to_have_count(1)
    expect(page.locator("table.plan tr.op-delete, table.plan tr.op-modify")).to_have_count(0)
    expect(page.locator("table.plan")).to_contain_text("eu-west-1")
    assert e2e_emulator.value(f"/projects/{source}/region") == "eu-west-1"
    follow(page, page.get_by_role("button", name="Apply 1 change"))
    expect(page.locator(".report-counts")).to_contain_text("1 applied")
    expect(page.locator(".report-counts")).to_contain_text("0 failed")
    assert e2e_emulator.value(f"/projects/{target}/region") == "eu-west-1"
    assert e2e_emulator.value(f"/projects/{source}/region") == "eu-west-1"  # a copy keeps it

    follow(page, page.get_by_role("link", name="Open the copy"))
    expect(page).to_have_url(re.compile(rf"/browse/projects/{target}/region$"))
    follow(page, page.get_by_label("Breadcrumbs").get_by_role("link", name=target))
    expect(page).to_have_url(re.compile(rf"/browse/projects/{target}/$"))
    expect(row(page, "region").locator("td.value")).to_have_text("eu-west-1")
    expect(row(page, "other").locator("td.value")).to_have_text("kept")
