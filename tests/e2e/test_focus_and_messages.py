"""Messages, focus and keyboard (issue 15), in Chromium: messages survive full-page loads,
focus goes back where the person came from, Esc and `f` work, and Edit and Delete work
without JavaScript."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Watched, shot, submit_login
from tests.e2e.test_journeys import expire_mid_edit, log_in, row
from tests.support.servers import DashboardProcess, EmulatorProcess


def toast(page: Any, text: str) -> Any:
    return page.locator("#notices").get_by_role("status").filter(has_text=text)


def test_delete_on_the_property_page_lands_on_the_sheet_with_its_message(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", doomed="x", kept="y")
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/doomed")
    page.get_by_role("button", name="Delete").click()  # no confirm(): the inline prompt
    expect(page.get_by_text("Delete the property doomed?")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")  # Esc cancels the prompt, focus back on Delete
    expect(page.get_by_text("Delete the property doomed?")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_be_focused()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Delete", exact=True).last.click()
    expect(page).to_have_url(re.compile(rf"/browse/projects/{project}/$"))
    expect(toast(page, "Deleted doomed.")).to_be_visible()
    shot(page, "issue15_message_after_full_page_load")
    expect(row(page, "doomed")).to_have_count(0)


def test_the_restored_edit_is_announced_after_logging_in_again(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    page = watched.page
    expire_mid_edit(page, e2e_emulator, "typed before expiry")
    expect(page.get_by_label("User name")).to_have_value("admin")  # prefilled
    submit_login(page, user=None)
    expect(toast(page, "Your unsaved edit is back")).to_be_visible()
    expect(page.get_by_label("Value of draft")).to_have_value("typed before expiry")


def test_focus_returns_after_save_cancel_escape_and_delete(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", a="1", b="2", c="3")
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    edit_b = row(page, "b").get_by_role("button", name="Edit")
    edit_b.click()
    page.get_by_label("Value of b").fill("two")
    page.get_by_role("button", name="Save").click()
    expect(row(page, "b").locator("td.value")).to_contain_text("two")
    expect(edit_b).to_be_focused()
    shot(page, "issue15_focus_after_save")
    edit_b.click()
    page.get_by_role("button", name="Cancel").click()
    expect(edit_b).to_be_focused()
    shot(page, "issue15_focus_after_cancel")
    edit_b.press("Enter")
    page.get_by_label("Value of b").press("Escape")
    expect(edit_b).to_be_focused()
    row(page, "b").get_by_role("button", name="Delete").click()
    expect(row(page, "b").get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(row(page, "b").get_by_role("button", name="Delete")).to_be_focused()
    expect(page.get_by_text("3 entries")).to_be_visible()
    row(page, "b").get_by_role("button", name="Delete").click()
    row(page, "b").get_by_role("button", name="Delete").click()
    expect(row(page, "b")).to_have_count(0)
    expect(row(page, "c").get_by_role("link", name="c")).to_be_focused()
    expect(page.get_by_text("2 entries")).to_be_visible()  # the count follows


def test_f_focuses_the_filter_unless_typing(watched: Watched) -> None:
    page = watched.page
    log_in(page, path="/login?next=/browse/projects/checkout-service/")
    page.keyboard.press("f")
    expect(page.get_by_label("Filter by name or value")).to_be_focused()
    page.keyboard.type("fo")  # typing an "f" in the box stays in the box
    expect(page.get_by_label("Filter by name or value")).to_have_value("fo")
    page.keyboard.press("/")
    expect(page.get_by_label("Filter by name or value")).to_have_value("fo/")


def test_edit_and_delete_work_without_javascript(
    chromium: Any, site: DashboardProcess, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", plain="one", gone="x")
    context = chromium.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/login?next=/browse/projects/{project}/")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill("changeme")
        page.get_by_role("button", name="Log in").click()
        row(page, "plain").get_by_role("button", name="Edit").click()
        expect(page).to_have_url(re.compile(rf"/edit/projects/{project}/plain$"))
        page.get_by_label("Value of plain").fill("two")
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(rf"/browse/projects/{project}/plain$"))
        expect(toast(page, "Saved plain.")).to_be_visible()
        page.goto(f"/browse/projects/{project}/")
        row(page, "gone").get_by_role("button", name="Delete").click()
        page.get_by_role("button", name="Delete").click()
        expect(page).to_have_url(re.compile(rf"/browse/projects/{project}/$"))
        expect(toast(page, "Deleted gone.")).to_be_visible()
        expect(row(page, "gone")).to_have_count(0)
        assert e2e_emulator.value(f"/projects/{project}/plain") == "two"
    finally:
        context.close()


def test_escape_closes_the_new_form_and_focus_returns(watched: Watched) -> None:
    page = watched.page
    log_in(page, path="/login?next=/browse/projects/checkout-service/")
    page.evaluate("window.__stayed = true")
    new_sheet = page.get_by_role("button", name="New sheet")
    new_sheet.click()
    page.get_by_label("Name", exact=True).press("Escape")
    expect(page.get_by_label("Name", exact=True)).to_have_count(0)
    expect(new_sheet).to_be_focused()
    assert page.evaluate("window.__stayed") is True  # closed in place, no page load
