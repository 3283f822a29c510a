"""More journeys in a real Chromium against the dashboard and the emulator: the activity
list and its CSV, undoing a create and a restore that meets a conflict from the history,
the publish form's "already exists" advice, and downloading a version's archive."""

from __future__ import annotations

import csv
import io
import re
import tarfile
import uuid
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import expect

from tests.e2e.conftest import Watched, goto
from tests.e2e.test_journeys import log_in, row
from tests.support.servers import ADMIN, EmulatorProcess


def upstream_status(emulator: EmulatorProcess, path: str) -> int:
    """The HTTP status the emulator answers for the property at ``path``."""
    r = requests.get(
        emulator.api + "/properties//" + path.lstrip("/"),
        params={"expand": "0"},
        auth=ADMIN,
        timeout=10,
    )
    return r.status_code


def edit_in_row(page: Any, name: str, value: str) -> None:
    """Edit property ``name`` of the sheet shown in its row and save ``value``."""
    row(page, name).get_by_role("button", name="Edit").click()
    page.get_by_label(f"Value of {name}").fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text=f"Saved {name}")).to_be_visible()


def test_13_activity_filter_links_and_csv(
    watched: Watched, e2e_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    project = e2e_emulator.new_project("e2e", alpha="one", beta="two")
    prefix = f"/projects/{project}"
    formula = "=HYPERLINK(1)"
    page = watched.page
    log_in(page, path=f"/login?next=/browse{prefix}/")
    edit_in_row(page, "alpha", "alpha changed")
    edit_in_row(page, "beta", formula)
    assert e2e_emulator.value(f"{prefix}/alpha") == "alpha changed"
    assert e2e_emulator.value(f"{prefix}/beta") == formula

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", exact=True)).to_be_visible()
    page.get_by_label("Path prefix").fill(prefix)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(
        re.compile(r"/activity\?.*prefix=" + re.escape(f"%2Fprojects%2F{project}"))
    )
    expect(page.get_by_label("Path prefix")).to_have_value(prefix)
    entries = page.locator("ol.activity > li")
    expect(entries).to_have_count(2)
    for name in ("alpha", "beta"):
        link = page.get_by_role("link", name=f"{prefix}/{name}", exact=True)
        expect(link).to_be_visible()
        expect(link).to_have_attribute(
            "href", re.compile("^" + re.escape(f"/history{prefix}/{name}") + r"#entry-\d+$")
        )
    expect(entries.first).to_contain_text(f"{prefix}/beta")  # newest first

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "propdesk-activity.csv"
    saved = tmp_path / "activity.csv"
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    by_path = {r["path"]: r for r in rows}
    assert sorted(by_path) == [f"{prefix}/alpha", f"{prefix}/beta"], rows
    assert len(rows) == 2
    assert by_path[f"{prefix}/alpha"]["before_value"] == "one"
    assert by_path[f"{prefix}/alpha"]["after_value"] == "alpha changed"
    assert by_path[f"{prefix}/beta"]["after_value"] == "'" + formula  # no formula runs
    assert {r["action"] for r in rows} == {"modify"}
    assert {r["cd_user"] for r in rows} == {"admin"}

    page.get_by_role("link", name=f"{prefix}/alpha", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(f"/history{prefix}/alpha") + r"#entry-\d+$"))
    expect(page.get_by_role("heading", name="History of alpha")).to_be_visible()


def test_14_undo_a_create_from_the_history(watched: Watched, e2e_emulator: EmulatorProcess) -> None:
    project = e2e_emulator.new_project("e2e")
    path = f"/projects/{project}/created"
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    page.get_by_role("button", name="New property").click()
    page.get_by_label("Name", exact=True).fill("created")
    page.get_by_label("Value", exact=True).fill("short-lived")
    page.get_by_role("button", name="Create").click()
    expect(row(page, "created")).to_be_visible()
    assert e2e_emulator.value(path) == "short-lived"

    row(page, "created").get_by_role("link", name="created").click()
    expect(page).to_have_url(re.compile(re.escape(f"/browse{path}") + "$"))
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(re.escape(f"/history{path}") + "$"))
    expect(page.locator("li.entry")).to_have_count(1)
    expect(page.locator("li.entry").first).to_contain_text("Created")
    page.get_by_role("button", name="Undo this create (delete it)").click()

    expect(page.get_by_role("heading", name="Delete created?")).to_be_visible()
    expect(page.get_by_text("This undoes its creation")).to_be_visible()
    assert e2e_emulator.value(path) == "short-lived"  # nothing deleted before the confirm
    page.get_by_role("button", name="Delete", exact=True).click()

    expect(page).to_have_url(re.compile(re.escape(f"/browse/projects/{project}/") + "$"))
    expect(page.get_by_text("Deleted created.")).to_be_visible()
    expect(row(page, "created")).to_have_count(0)
    assert upstream_status(e2e_emulator, path) == 404
    page.reload()
    expect(page.get_by_text("This sheet is empty.")).to_be_visible()


def test_15_restore_meets_a_change_at_the_server(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", notes="version one")
    path = f"/projects/{project}/notes"
    page = watched.page
    log_in(page, path=f"/login?next=/browse{path}")
    for value in ("version two", "version three"):
        goto(page, f"/edit{path}")
        page.get_by_label("Value of notes").fill(value)
        page.get_by_role("button", name="Save").click()
        expect(page.locator("pre.value").first).to_have_text(value)
    assert e2e_emulator.value(path) == "version three"
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(re.escape(f"/history{path}") + "$"))
    expect(page.locator("li.entry")).to_have_count(2)

    e2e_emulator.put_value(path, "set at the server")
    page.get_by_role("button", name="Restore this version").first.click()

    expect(
        page.get_by_text("notes changed while you were editing: nothing was saved")
    ).to_be_visible()
    expect(page.locator("pre.mine")).to_have_text("version two")
    expect(page.locator("pre.theirs")).to_have_text("set at the server")
    expect(page.locator("pre.base")).to_have_text("version three")
    assert e2e_emulator.value(path) == "set at the server"


def test_16_publish_form_says_a_version_already_exists(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    page = watched.page
    log_in(page, path="/login?next=/artifacts/publish")
    page.get_by_label("Group id").fill("com.example")
    page.get_by_label("Artifact key").fill("checkout-service")
    version = page.get_by_label("Version", exact=True)
    version.press_sequentially("1.0.0", delay=30)
    message = page.locator("#err-version")
    expect(message).to_have_text("com.example:checkout-service:1.0.0 already exists.")
    expect(message).to_be_visible()

    fresh = f"9.9.9-e2e-{uuid.uuid4().hex[:8]}"
    version.fill("")
    with page.expect_response(
        lambda r: "/publish/version-check" in r.url and fresh in r.url
    ) as checked:
        version.press_sequentially(fresh, delay=30)
    assert checked.value.status == 200
    expect(message).to_have_text("")
    expect(page.get_by_text("already exists")).to_have_count(0)
    expect(version).to_have_value(fresh)
    r = requests.get(
        e2e_emulator.api + f"/artifactVersions/com.example:checkout-service:{fresh}",
        auth=ADMIN,
        timeout=10,
    )
    assert r.status_code == 404  # advice only: nothing was published


def test_17_download_a_version_archive(
    watched: Watched, e2e_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    key = f"e2e-dl-{uuid.uuid4().hex[:8]}"
    name = f"com.e2e:{key}:1.0.0"
    payload = b"\x00\x01archive" * 5_000
    (tmp_path / "app.bin").write_bytes(payload)
    (tmp_path / "notes.txt").write_text("release notes\n")
    page = watched.page
    log_in(page, path="/login?next=/artifacts/publish")
    page.get_by_label("Group id").fill("com.e2e")
    page.get_by_label("Artifact key").fill(key)
    page.get_by_label("Version", exact=True).fill("1.0.0")
    page.get_by_label("Files (optional; drop them here or choose)").set_input_files(
        [str(tmp_path / "app.bin"), str(tmp_path / "notes.txt")]
    )
    page.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(
        re.compile(re.escape(f"/artifacts/com.e2e:{key}?published=1.0.0")), timeout=30_000
    )
    page.get_by_role("link", name="1.0.0", exact=True).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_role("cell", name="app.bin")).to_be_visible()
    expect(page.get_by_role("cell", name="notes.txt")).to_be_visible()

    link = page.get_by_role("link", name="Download the version")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"com.e2e_{key}_1.0.0.tgz"
    saved = tmp_path / "download.tgz"
    download.save_as(saved)
    assert saved.stat().st_size > 0
    with tarfile.open(saved, mode="r:gz") as tar:
        got = {}
        for member in tar.getmembers():
            data = tar.extractfile(member)
            assert data is not None
            got[member.name] = data.read()
    assert got == {"app.bin": payload, "notes.txt": b"release notes\n"}
    direct = requests.get(
        e2e_emulator.base_url + f"/artifacts/com.e2e/{key}/1.0.0", auth=ADMIN, timeout=30
    )
    assert direct.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(direct.content), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == ["app.bin", "notes.txt"]
