"""Read-only users see a read-only UI (issue 15), in Chromium with the emulator's viewer."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS, Watched, goto
from tests.e2e.test_journeys import log_in, row
from tests.support.servers import EmulatorProcess

REASON = "read-only: your CloudBees CD user cannot modify this sheet"


def test_viewer_sees_no_write_control_after_a_refusal(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", first="1", second="2")
    page = watched.page
    log_in(page, "viewer", "viewer", path=f"/login?next=/browse/projects/{project}/")
    row(page, "first").get_by_role("button", name="Edit").click()
    page.get_by_label("Value of first").fill("viewer change")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="viewer may not change")).to_be_visible()
    # The refusal tells the open page at once: the other rows' controls go.
    expect(row(page, "second").get_by_role("button", name="Edit")).to_be_hidden()
    expect(page.get_by_text(REASON)).to_be_visible()
    goto(page, f"/browse/projects/{project}/")
    for name in ("Edit", "Delete", "New property", "New sheet"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)  # none shown
    expect(page.get_by_role("status").filter(has_text=REASON)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "issue15_viewer_sees_no_write_control.png"), full_page=True)
    page.get_by_role("link", name="Try anyway").click()
    expect(row(page, "second").get_by_role("button", name="Edit")).to_be_visible()
    expect(page.get_by_role("button", name="New property")).to_be_focused()
    goto(page, f"/browse/projects/{project}/second")  # a property of the sheet: the same
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    assert e2e_emulator.value(f"/projects/{project}/first") == "1"


def test_a_refused_publish_resets_the_bar_and_hides_publish(
    watched: Watched, tmp_path: object
) -> None:
    page = watched.page
    log_in(page, "viewer", "viewer", path="/login?next=/artifacts/publish")
    page.get_by_label("Group id").fill("com.viewer")
    page.get_by_label("Artifact key").fill(f"k-{uuid.uuid4().hex[:8]}")
    page.get_by_label("Version", exact=True).fill("1.0.0")
    page.get_by_label("Description").fill("no slot for this field used to log an error")
    page.get_by_label("Files (optional; drop them here or choose)").set_input_files(
        [{"name": "a.txt", "mimeType": "text/plain", "buffer": b"x" * 200_000}]
    )
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert").filter(has_text="may not publish")).to_be_visible()
    expect(page.locator("progress[data-progress]")).to_be_hidden()
    assert page.locator("progress[data-progress]").evaluate("bar => bar.value") == 0
    expect(page.get_by_role("button", name="Publish")).to_be_hidden()  # read-only now
    page.get_by_role("link", name="Try anyway").click()
    expect(page.get_by_role("button", name="Publish")).to_be_enabled()  # usable again
    goto(page, "/artifacts")
    expect(page.get_by_role("link", name="Publish version")).to_have_count(0)
