"""References in a real Chromium (issue 18): saving a value whose reference names no
property asks first and keeps the typed text; "Save anyway" saves it; the sheet's
expanded view then flags the broken row."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Watched
from tests.e2e.test_journeys import log_in, row
from tests.support.servers import EmulatorProcess


def test_18_a_missing_reference_warns_then_saves_anyway(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", a="1", target="old")
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    row(page, "target").get_by_role("button", name="Edit").click()
    typed = f"$[/projects/{project}/nope] and $[a]"
    page.get_by_label("Value of target").fill(typed)
    page.get_by_role("button", name="Save", exact=True).click()
    warning = page.locator("[data-missing-refs]")
    expect(warning).to_contain_text(f"$[/projects/{project}/nope] does not exist: save anyway?")
    expect(page.get_by_label("Value of target")).to_have_value(typed)
    assert e2e_emulator.value(f"/projects/{project}/target") == "old"
    warning.get_by_role("button", name="Save anyway").click()
    expect(page.get_by_role("status").filter(has_text="Saved target")).to_be_visible()
    assert e2e_emulator.value(f"/projects/{project}/target") == typed

    page.get_by_role("link", name="expanded", exact=True).click()  # htmx swaps the table
    expect(page.locator("[data-expanded-one-by-one]")).to_be_visible()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?values=expanded")
    expect(row(page, "target").locator("td.value")).to_contain_text("broken reference")
    expect(row(page, "a").locator("td.value")).to_have_text("1")
