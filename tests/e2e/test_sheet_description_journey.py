"""Editing a nested sheet's description in a real Chromium: from its row, in place (htmx);
a change made meanwhile shows both descriptions and keeps the typed one until "Save mine";
Esc closes the editor without writing."""

from __future__ import annotations

from playwright.sync_api import expect

from app.cloudbees import CloudBeesClient, PropertyPath
from tests.e2e.conftest import Watched, shot
from tests.e2e.test_journeys import log_in
from tests.support.servers import EmulatorProcess


def test_edit_a_sheet_description_in_its_row(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e-describe")
    sheet = PropertyPath.project(project, "cfg")
    client = CloudBeesClient.login(e2e_emulator.base_url, "admin", "changeme")
    client.properties.create_sheet(sheet, description="old")
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    row = page.locator('tr[data-row="cfg"]')
    expect(row.locator("td.desc")).to_have_text("old")

    row.get_by_role("button", name="Edit description").click()
    page.get_by_label("Description of sheet cfg").fill("new description")
    page.get_by_role("button", name="Save").click()
    expect(row.locator("td.desc")).to_have_text("new description")
    expect(page.locator("#notices")).to_contain_text("Saved the description of cfg.")
    assert e2e_emulator.property_at(str(sheet))["description"] == "new description"

    row.get_by_role("button", name="Edit description").click()
    page.get_by_label("Description of sheet cfg").fill("mine")
    client.properties.modify(sheet, description="theirs")  # someone else, meanwhile
    page.get_by_role("button", name="Save").click()
    expect(page.locator("pre.theirs")).to_have_text("theirs")
    expect(page.get_by_label("Your description")).to_have_value("mine")
    shot(page, "test_sheet_description_conflict")
    assert e2e_emulator.property_at(str(sheet))["description"] == "theirs"
    page.get_by_role("button", name="Save mine").click()
    expect(row.locator("td.desc")).to_have_text("mine")
    assert e2e_emulator.property_at(str(sheet))["description"] == "mine"

    row.get_by_role("button", name="Edit description").click()
    page.get_by_label("Description of sheet cfg").fill("dropped")
    page.keyboard.press("Escape")
    expect(row.locator("td.desc")).to_have_text("mine")
    assert e2e_emulator.property_at(str(sheet))["description"] == "mine"
    client.logout()
