"""Export, import and edit as text against the emulator over HTTP: the download, merge and
mirror through preview and apply, malformed files told by line and column with the text
kept, a file of another version refused by name, and plans past the engine's limit."""

from __future__ import annotations

import re

import yaml

from app.changes import MAX_OPERATIONS, load
from tests.changes_web.conftest import Grow, form_of
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import EmulatorProcess

NOTES = "line one  \n\tline two\n"


def filled(emulator: EmulatorProcess, grow: Grow) -> str:
    project = emulator.new_project("xfer")
    grow(f"/projects/{project}", {"deploy": {"host": "h", "ref": "$[host]", "notes": NOTES,
                                             "db": {"pool": "4"}}})  # fmt: skip
    return project


def text_of(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page)


def test_export_downloads_yaml_and_json_exactly(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = filled(emulator, grow)
    down = admin.get(f"/export/projects/{project}/deploy/")
    assert down.status_code == 200
    assert down.headers["Content-Type"].startswith("application/yaml")
    assert down.headers["Content-Disposition"] == "attachment; filename=deploy.yaml"
    tree = load(down.text)
    assert tree.entries["notes"].value == NOTES  # type: ignore[union-attr]
    assert yaml.safe_load(down.text)["properties"]["ref"] == "$[host]"
    as_json = admin.get(f"/export/projects/{project}/deploy/?format=json")
    assert as_json.headers["Content-Disposition"] == "attachment; filename=deploy.json"
    assert load(as_json.text) == tree


def post_import(admin: Client, project: str, **fields: str) -> tuple[int, str]:
    data = {"csrf_token": admin.token, **fields}
    answer = admin.post(f"/import/projects/{project}/", data)
    return answer.status_code, answer.text


def apply_page(admin: Client, page: str, *extra: tuple[str, str]) -> tuple[int, str]:
    action = re.search(r'action="(/import-apply/[^"]+)"', page)
    assert action is not None
    data = form_of(page, action.group(1)) + list(extra)
    answer = admin.http.post(admin.dash.url + action.group(1), data=data, timeout=30)
    return answer.status_code, answer.text


def test_export_then_import_under_a_new_project_round_trips(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = filled(emulator, grow)
    exported = admin.get(f"/export/projects/{project}/deploy/").text
    other = emulator.new_project("copy")
    emulator.put_value(f"/projects/{other}/keep", "kept")
    file = {"file": ("deploy.yaml", exported.encode(), "application/yaml")}
    data = {"csrf_token": admin.token, "mode": "merge"}
    page = admin.http.post(f"{admin.dash.url}/import/projects/{other}/", data=data, files=file)
    assert page.status_code == 200 and "<strong>5</strong> to create" in page.text
    status, report = apply_page(admin, page.text)
    assert status == 200 and "<strong>5</strong> applied" in report
    assert emulator.value(f"/projects/{other}/notes") == NOTES
    assert emulator.value(f"/projects/{other}/keep") == "kept"  # a merge deletes nothing
    again = admin.get(f"/export/projects/{other}/").text
    assert load(again).entries.keys() == {*load(exported).entries.keys(), "keep"}


def test_mirror_shows_deletes_in_red_and_needs_confirming(
    admin: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("mirror", a="1", b="2")
    text = "propdesk-export: 1\nproperties:\n  a: '10'\n"
    status, page = post_import(admin, project, text=text, mode="mirror")
    assert status == 200 and 'class="op-delete"' in page and 'name="confirm_deletes"' in page
    status, refused = apply_page(admin, page)
    assert "confirm the deletes" in refused
    assert status == 422 and emulator.value(f"/projects/{project}/b") == "2"
    status, report = apply_page(admin, page, ("confirm_deletes", "1"))
    assert status == 200 and "<strong>2</strong> applied" in report
    assert emulator.property_at(f"/projects/{project}/a")["value"] == "10"
    assert "b" not in load(admin.get(f"/export/projects/{project}/").text).entries


def test_a_malformed_file_tells_line_and_column_and_keeps_the_text(
    admin: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("bad")
    text = "propdesk-export: 1\nproperties:\n  a: [unclosed\n  <b>: x\n"
    status, page = post_import(admin, project, text=text)
    assert status == 422 and re.search(r"line \d+, column \d+", page)
    assert "[unclosed\n  &lt;b&gt;: x" in page  # the typed text, escaped, kept
    status, page = post_import(admin, project, text="propdesk-export: 7\nproperties: {}\n")
    assert status == 422 and "version" in text_of(page)


def test_a_plan_past_the_limit_is_refused_with_a_message(
    admin: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("big")
    lines = [f"  k{i}: v" for i in range(MAX_OPERATIONS + 1)]
    text = "propdesk-export: 1\nproperties:\n" + "\n".join(lines) + "\n"
    status, page = post_import(admin, project, text=text)
    assert status == 422 and "more than 10,000 operations" in page


def test_edit_as_text_shows_the_preview_and_writes_only_on_apply(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = filled(emulator, grow)
    form = admin.get(f"/text/projects/{project}/deploy/")
    assert form.status_code == 200
    shown = re.search(
        r'<textarea id="import-text" name="text"[^>]*>\n(.*?)</textarea>', form.text, re.S
    )
    assert shown is not None
    text = shown.group(1).replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
    assert load(text).entries.keys() == {"host", "ref", "notes", "db"}
    data = {"csrf_token": admin.token, "as_text": "1", "text": text.replace("host: h", "host: h2")}
    page = admin.post(f"/import/projects/{project}/deploy/", data).text
    assert "<strong>1</strong> to change" in page and "+h2" in text_of(page)
    assert emulator.value(f"/projects/{project}/deploy/host") == "h"
    status, report = apply_page(admin, page)
    assert status == 200 and "<strong>1</strong> applied" in report
    assert emulator.value(f"/projects/{project}/deploy/host") == "h2"


def test_import_posts_need_the_csrf_token(admin: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("csrf", a="1")
    body = {"text": "propdesk-export: 1\nproperties:\n  a: '2'\n", "mode": "merge"}
    assert admin.post(f"/import/projects/{project}/", body).status_code == 400
    apply = {"desired": '{"propdesk-export": 1, "properties": {"a": "2"}}', "basis": "x"}
    assert admin.post(f"/import-apply/projects/{project}/", apply).status_code == 400
    assert emulator.value(f"/projects/{project}/a") == "1"


def test_an_export_past_the_response_limit_is_refused_with_a_message(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    small = Client(make_dashboard(PROPDESK_MAX_RESPONSE_BYTES="20000"))
    project = emulator.new_project("hugeexport", big="x" * 30_000, small="1")
    page = small.get(f"/export/projects/{project}/?format=yaml")
    assert page.status_code == 422
    assert "larger than 20,000 bytes (PROPDESK_MAX_RESPONSE_BYTES)" in page.text
