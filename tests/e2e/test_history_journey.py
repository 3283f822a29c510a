"""The journey of issue 16 in a real Chromium: edit twice, see the diff, restore the first
version, see it journaled; change the value at the server, see "changed outside propdesk"."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS, Watched, goto
from tests.e2e.test_journeys import log_in
from tests.support.servers import EmulatorProcess


def test_12_history_diff_restore_and_a_change_outside(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", notes="first line\nversion one")
    path = f"/projects/{project}/notes"
    page = watched.page
    log_in(page, path=f"/login?next=/browse{path}")
    for value in ("first line\nversion two", "first line\nversion three"):
        goto(page, f"/edit{path}")
        page.get_by_label("Value of notes").fill(value)
        page.get_by_role("button", name="Save").click()
        expect(page.locator("pre.value").first).to_have_text(value)
        assert e2e_emulator.value(path) == value
    goto(page, f"/browse{path}")
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(r"/history/projects/[^/]+/notes$"))
    entries = page.locator("li.entry")
    expect(entries).to_have_count(2)
    expect(entries.first.locator(".diff-line.added")).to_have_text("+version three")
    expect(entries.nth(1).locator(".diff-line.removed")).to_have_text("-version one")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "test_12_history_page.png"), full_page=True)
    page.get_by_role("button", name="Restore the version before this change").click()
    expect(page).to_have_url(re.compile(r"/browse/projects/[^/]+/notes$"))
    expect(page.locator("pre.value").first).to_have_text("first line\nversion one")
    assert e2e_emulator.value(path) == "first line\nversion one"
    page.get_by_role("link", name="History").click()
    newest = page.locator("li.entry").first
    expect(newest.locator(".badge")).to_have_text("revert")
    expect(newest.locator(".diff-line.added")).to_have_text("+version one")
    e2e_emulator.put_value(path, "set at the server")
    page.reload()
    expect(page.locator("li.entry")).to_have_count(4)
    newest = page.locator("li.entry").first
    expect(newest).to_contain_text("Changed outside propdesk")
    expect(newest).to_contain_text("(seen at ")
    page.get_by_role("link", name="Activity").click()
    expect(page.get_by_role("link", name=path).first).to_be_visible()
