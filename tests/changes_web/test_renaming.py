"""Renaming a property or a sheet in place (``modifyProperty newName``) against the
emulator over HTTP: the write, the journal's pair of entries, conflicts and refusals."""

from __future__ import annotations

import re

from app.cloudbees import PropertyPath
from app.services import services
from tests.changes_web.conftest import Grow, form_of
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def rename(admin: Client, path: str, name: str) -> tuple[int, str, str]:
    """Open the rename form of ``path``, type ``name``, send it: status, text, Location."""
    page = admin.get(f"/rename{path}")
    action = re.search(r'action="(/rename/[^"]+)"', page.text)
    assert action is not None
    data = [(k, v) for k, v in form_of(page.text, action.group(1)) if k != "name"]
    answer = admin.http.post(
        admin.dash.url + action.group(1), data=[*data, ("name", name)], allow_redirects=False
    )
    return answer.status_code, answer.text, answer.headers.get("Location", "")


def test_rename_a_sheet_keeps_what_is_in_it_and_is_journaled(
    admin: Client, dashboard: DashboardThread, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = emulator.new_project("ren")
    grow(f"/projects/{project}", {"old": {"a": "1"}})
    status, _, location = rename(admin, f"/projects/{project}/old/", "new")
    assert status == 303 and location.endswith(f"/browse/projects/{project}/new/")
    assert emulator.value(f"/projects/{project}/new/a") == "1"
    with dashboard.app.app_context():
        journal = services().journal
        gone = journal.history(PropertyPath.project(project, "old")).items[0]
        made = journal.history(PropertyPath.project(project, "new")).items[0]
    assert (gone.action.value, made.action.value) == ("delete", "create")
    assert gone.change_set == made.change_set


def test_a_change_since_the_form_or_a_taken_name_renames_nothing(
    admin: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("ren", v="1", taken="x")
    page = admin.get(f"/rename/projects/{project}/v").text
    emulator.put_value(f"/projects/{project}/v", "2")
    kept = [(k, v) for k, v in form_of(page, f"/rename/projects/{project}/v") if k != "name"]
    data = [*kept, ("name", "w")]
    changed = admin.http.post(f"{admin.dash.url}/rename/projects/{project}/v", data=data)
    assert changed.status_code == 409 and "changed since" in changed.text
    assert emulator.value(f"/projects/{project}/v") == "2"
    status, text, _ = rename(admin, f"/projects/{project}/v", "taken")
    assert status == 422 and "Not renamed" in text
    status, text, _ = rename(admin, f"/projects/{project}/v", "a/b")
    assert status == 422 and "The new name" in text and 'value="a/b"' in text
    assert emulator.value(f"/projects/{project}/v") == "2"
    assert emulator.value(f"/projects/{project}/taken") == "x"
