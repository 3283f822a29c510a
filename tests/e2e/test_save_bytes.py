"""Values a browser cannot send back as it got them (NUL, a lone CR, mixed line ends), edited
in a real Chromium: a value nobody touched is kept byte for byte."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import Watched
from tests.e2e.test_journeys import AUTH, log_in
from tests.support.servers import EmulatorProcess


@pytest.mark.parametrize(
    "value", ["line1\rline2", "a\x00b", "a\r\nb\nc"], ids=["lone-cr", "nul", "mixed-line-ends"]
)
def test_editing_the_description_keeps_the_value_bytes(
    watched: Watched, e2e_emulator: EmulatorProcess, value: str
) -> None:
    project = e2e_emulator.new_project("bytes")
    path = f"/projects/{project}/odd"
    e2e_emulator.put_value(path, value)
    page = watched.page
    log_in(page, path=f"/login?next=/browse{path}")
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Description")).to_be_visible()
    value_box = page.locator("form[data-editor] textarea")
    if value_box.count():  # htmx focuses it when the swap settles: type after that,
        expect(value_box).to_be_focused()  # or the typing may land in the value
    page.get_by_label("Description").fill("described in a browser")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved odd")).to_be_visible()
    held = requests.get(
        e2e_emulator.api + "/properties//" + path.lstrip("/"),
        params={"expand": "0"},
        auth=AUTH,
        timeout=10,
    ).json()["property"]
    assert held["value"] == value and held["description"] == "described in a browser"
