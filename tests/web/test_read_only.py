"""Read-only users see a read-only UI (issue 15): the first AccessDenied in a sheet is
remembered for the login and hides that sheet's write controls, and those of every sheet
under it, with the reason and a "try anyway"; no extra upstream call; the server judges."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from tests.support.client import Client, action, fields
from tests.support.servers import ADMIN, DashboardThread, EmulatorProcess

REASON = "read-only: your CloudBees CD user cannot modify this sheet"
PUBLISH_REASON = "read-only: your CloudBees CD user cannot publish artifact versions"


def hidden_writes(page: str) -> bool:
    """Whether a page shows its write controls as hidden (the read-only class and note)."""
    note = re.search(r"<p [^>]*data-read-only-note[^>]*>", page)
    assert note, "the page has no read-only note slot"
    return 'class="writes read-only"' in page and " hidden" not in note.group(0)


def events(response: requests.Response) -> dict[str, object]:
    found: dict[str, object] = json.loads(response.headers.get("HX-Trigger") or "{}")
    return found


@pytest.fixture
def project(emulator: EmulatorProcess) -> str:
    """A project with a value, a sub-sheet holding a value, and a sibling sheet."""
    name = emulator.new_project("ro", a="1")
    for sheet in ("sub", "other"):
        requests.post(
            emulator.api + "/properties",
            json={"propertyName": f"/projects/{name}/{sheet}", "propertyType": "sheet"},
            auth=ADMIN,
            timeout=10,
        ).raise_for_status()
    emulator.put_value(f"/projects/{name}/sub/b", "2")
    return name


def refuse_a_save(viewer: Client, path: str) -> requests.Response:
    """Let the viewer try to save the property at ``path`` (``/projects/...``)."""
    form = fields(viewer.hx("GET", action("edit", "/browse" + path) + "?ctx=row").text)
    form["value"] = "viewer's change"
    return viewer.hx("POST", action("edit", "/browse" + path), form)


def test_a_refused_save_hides_the_sheets_write_controls(
    dashboard: DashboardThread, emulator: EmulatorProcess, project: str
) -> None:
    viewer = Client(dashboard, "viewer", "viewer")
    sheet = f"/browse/projects/{project}/sub/"
    assert not hidden_writes(viewer.get(sheet).text)  # nothing known yet: all controls
    refused = refuse_a_save(viewer, f"/projects/{project}/sub/b")
    assert refused.status_code == 422
    assert events(refused)["readOnly"] == {"reason": REASON}  # the open page learns at once
    page = viewer.get(sheet).text
    assert hidden_writes(page) and REASON in page and "Try anyway" in page
    assert f'href="{sheet}?write=1"' in page  # "try anyway" without JavaScript
    assert hidden_writes(viewer.get(f"/browse/projects/{project}/sub/b").text)
    assert not hidden_writes(viewer.get(sheet + "?write=1").text)  # tried anyway
    assert not hidden_writes(viewer.get(f"/browse/projects/{project}/").text)  # above: unknown
    assert emulator.value(f"/projects/{project}/sub/b") == "2"


def test_the_mark_covers_sheets_below_and_costs_no_upstream_call(
    dashboard: DashboardThread, emulator: EmulatorProcess, project: str
) -> None:
    viewer = Client(dashboard, "viewer", "viewer")
    assert refuse_a_save(viewer, f"/projects/{project}/a").status_code == 422
    emulator.reset_counts()
    for url in (f"/browse/projects/{project}/", f"/browse/projects/{project}/other/"):
        assert hidden_writes(viewer.get(url).text), url
    assert emulator.counts() == {"GET /properties": 2}  # one read per page, as before
    assert not hidden_writes(Client(dashboard).get(f"/browse/projects/{project}/").text)
    again = Client(dashboard, "viewer", "viewer")  # a new login starts with no marks
    assert not hidden_writes(again.get(f"/browse/projects/{project}/").text)


def test_refused_create_and_delete_are_remembered_too(
    dashboard: DashboardThread, project: str
) -> None:
    viewer = Client(dashboard, "viewer", "viewer")
    created = viewer.hx(
        "POST", f"/new/projects/{project}/other/", {"kind": "value", "name": "x", "value": "1"}
    )
    assert created.status_code == 422 and "readOnly" in events(created)
    assert hidden_writes(viewer.get(f"/browse/projects/{project}/other/").text)
    deleted = viewer.hx("POST", f"/delete/projects/{project}/sub/b")
    assert deleted.status_code == 403 and "readOnly" in events(deleted)
    assert hidden_writes(viewer.get(f"/browse/projects/{project}/sub/").text)


def test_write_controls_are_marked_for_hiding(
    dashboard: DashboardThread, emulator: EmulatorProcess, project: str
) -> None:
    page = Client(dashboard).get(f"/browse/projects/{project}/").text
    for control in ('data-write="new">New property', 'data-write="new">New sheet'):
        assert control in page
    assert 'data-write="edit">Edit</a>' in page and 'data-write="delete">Delete</a>' in page
    detail = Client(dashboard).get(f"/browse/projects/{project}/a").text
    assert 'data-write="edit">Edit</a>' in detail and 'data-write="delete">Delete</a>' in detail


def test_a_refused_publish_hides_publish(dashboard: DashboardThread) -> None:
    viewer = Client(dashboard, "viewer", "viewer")
    assert not hidden_writes(viewer.get("/artifacts").text)
    refused = viewer.http.post(
        dashboard.url + "/artifacts/publish",
        data={
            "group_id": "com.viewer",
            "artifact_key": f"k-{uuid.uuid4().hex[:8]}",
            "version": "1.0.0",
            "repository": "default",
        },
        headers={"X-CSRFToken": viewer.token, "HX-Request": "true"},
        timeout=30,
    )
    assert refused.status_code == 422
    assert events(refused)["readOnly"] == {"reason": PUBLISH_REASON}
    for url in ("/artifacts", "/artifacts/com.example:payments-api", "/artifacts/publish"):
        page = viewer.get(url).text
        assert hidden_writes(page) and PUBLISH_REASON in page, url
    assert not hidden_writes(viewer.get("/artifacts?write=1").text)
    assert not hidden_writes(Client(dashboard).get("/artifacts").text)
