"""Issue 17's undo in a real Chromium: copy two values from dev to prod through the compare
page, then undo that change set from the activity list through its preview and see the
values back."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.cloudbees import CloudBeesClient, PropertyPath
from tests.e2e.conftest import SHOTS, Watched, goto
from tests.e2e.test_journeys import log_in
from tests.support.servers import EmulatorProcess


def test_17_undo_a_copy_from_the_activity_list(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e-undo")
    client = CloudBeesClient.login(e2e_emulator.base_url, "admin", "changeme")
    for env, host, replicas in (("dev", "dev.example", "1"), ("prod", "prod.example", "6")):
        client.properties.create_sheet(PropertyPath.project(project, env))
        client.properties.create(PropertyPath.project(project, env, "host"), host)
        client.properties.create(PropertyPath.project(project, env, "replicas"), replicas)
    client.logout()
    dev, prod = f"/projects/{project}/dev", f"/projects/{project}/prod"
    page = watched.page
    log_in(page)
    goto(page, f"/compare?left={dev}&right={prod}")
    for name in ("host", "replicas"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Copy left → right").click()
    page.get_by_role("button", name="Apply 2 changes").click()
    expect(page.locator(".report-counts")).to_contain_text("2 applied")
    assert e2e_emulator.value(f"{prod}/host") == "dev.example"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    page.get_by_label("Path prefix").fill(prod)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("ol.activity > li")).to_have_count(1)
    page.get_by_role("link", name="Undo this change set").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Undo change set [0-9a-f]{12}$"))
    expect(page.locator("table.plan tr.op-modify")).to_have_count(2)
    expect(page.locator("table.plan .diff-line.added").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "test_17_undo_preview.png"), full_page=True)
    assert e2e_emulator.value(f"{prod}/host") == "dev.example"  # nothing written yet
    page.get_by_role("button", name="Apply 2 changes").click()
    expect(page.locator(".report-counts")).to_contain_text("2 applied")
    assert e2e_emulator.value(f"{prod}/host") == "prod.example"
    assert e2e_emulator.value(f"{prod}/replicas") == "6"
    page.get_by_role("link", name="Back to the activity").click()
    expect(page.locator("ol.activity .badge.source-revert").first).to_be_visible()
