"""The journeys of issue 17 in a real Chromium: export the demo's ``deploy/`` and import it
under a new project; compare the demo's dev with that copy's prod and copy two values across
through the preview; edit a sheet as text and see the preview. The demo itself is only read
(other journeys rely on it)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from app.cloudbees import CloudBeesClient, PropertyPath
from tests.e2e.conftest import SHOTS, Watched, goto
from tests.e2e.test_journeys import log_in
from tests.support.servers import EmulatorProcess

DEMO = "/projects/payments-api/deploy"


def test_17_export_import_compare_copy_and_edit_as_text(
    watched: Watched, e2e_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    page = watched.page
    log_in(page, path=f"/login?next=/browse{DEMO}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export YAML").click()
    exported = tmp_path / "deploy.yaml"
    download.value.save_as(exported)
    assert exported.read_text(encoding="utf-8").startswith("propdesk-export: 1\n")

    project = e2e_emulator.new_project("e2e-import")
    goto(page, f"/browse/projects/{project}/")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("File to import").set_input_files(str(exported))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".plan-counts")).to_contain_text("to create")
    page.get_by_role("button", name=re.compile(r"^Apply \d+ changes$")).click()
    expect(page.locator(".report-counts")).to_contain_text("0 failed")
    assert e2e_emulator.value(f"/projects/{project}/prod/host") == "prod.internal.example.com"

    copy = f"/projects/{project}/prod"
    goto(page, f"/compare?left={DEMO}/dev&right={copy}")
    page.get_by_label("Only differences").check()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("table.compare tr.status-same")).to_have_count(0)
    for name in ("host", "replicas"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Copy left → right").click()
    expect(page.locator("h1")).to_have_text("Copy 2 rows left → right")
    expect(page.locator("table.plan tr.op-modify")).to_have_count(2)
    page.screenshot(path=str(SHOTS / "test_17_copy_preview.png"), full_page=True)
    page.get_by_role("button", name="Apply 2 changes").click()
    expect(page.locator(".report-counts")).to_contain_text("2 applied")
    assert e2e_emulator.value(f"{copy}/host") == "dev.internal.example.com"
    assert e2e_emulator.value(f"{copy}/replicas") == "1"
    assert e2e_emulator.value(f"{DEMO}/prod/host") == "prod.internal.example.com"

    goto(page, f"/browse{copy}/")
    page.get_by_role("link", name="Edit as text").click()
    text = page.get_by_label("YAML")
    expect(text).to_contain_text("port: '443'")
    text.fill(text.input_value().replace("port: '443'", "port: '8443'"))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("table.plan tr.op-modify")).to_have_count(1)
    expect(page.locator("table.plan .diff-line.added")).to_have_text("+8443")
    assert e2e_emulator.value(f"{copy}/port") == "443"  # nothing written without apply


def test_17_move_a_sheet_through_its_preview(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e-move")
    other = e2e_emulator.new_project("e2e-move-to")
    client = CloudBeesClient.login(e2e_emulator.base_url, "admin", "changeme")
    client.properties.create_sheet(PropertyPath.project(project, "conf"))
    client.properties.create(PropertyPath.project(project, "conf", "a"), "1")
    client.logout()
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/conf/")
    page.get_by_role("link", name="Copy or move").click()
    page.get_by_label("Destination path").fill(f"/projects/{other}/moved")
    page.get_by_label("Move (copy, then delete the source)").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("table.plan tr.op-create")).to_have_count(2)
    expect(page.locator("table.plan tr.op-delete")).to_have_count(1)
    page.get_by_label("Delete the 1 entry marked in red").check()
    page.get_by_role("button", name="Apply 3 changes").click()
    expect(page.locator(".report-counts")).to_contain_text("3 applied")
    assert e2e_emulator.value(f"/projects/{other}/moved/a") == "1"
    page.get_by_role("link", name="Open the copy").click()
    expect(page.get_by_role("link", name="a", exact=True)).to_be_visible()
