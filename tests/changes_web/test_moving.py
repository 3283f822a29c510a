"""Copy and move of a property or a sheet against the emulator over HTTP: preview, apply,
the source deleted only when every copy operation applied, refusals and conflicts."""

from __future__ import annotations

import re

import pytest
import requests

from app.cloudbees import PropertyPath
from tests.changes_web.conftest import Grow, form_of
from tests.support.client import Client
from tests.support.servers import EmulatorProcess
from tests.web.conftest import services_of


def post_preview(admin: Client, source: str, destination: str, mode: str) -> requests.Response:
    data = {"csrf_token": admin.token, "destination": destination, "mode": mode}
    return admin.post(f"/copy{source}", data)


def apply(admin: Client, page: str) -> requests.Response:
    action = re.search(r'action="(/copy-apply/[^"]+)"', page)
    assert action is not None
    data = [*form_of(page, action.group(1)), ("confirm_deletes", "1")]
    return admin.http.post(admin.dash.url + action.group(1), data=data, timeout=30)


def exists(emulator: EmulatorProcess, path: str) -> bool:
    """True when the emulator holds a property or a sheet at ``path``."""
    try:
        emulator.property_at(path)
    except requests.HTTPError:
        return False
    return True


def test_copy_a_property_to_another_project(admin: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("src", notes="a\nb")
    source = f"/projects/{project}/notes"
    other = emulator.new_project("dst")
    form = admin.get(f"/copy{source}")
    assert form.status_code == 200 and f'value="{source}"' in form.text
    page = post_preview(admin, source, f"/projects/{other}/notes", "copy")
    assert page.status_code == 200 and "<strong>1</strong> to create" in page.text
    assert not exists(emulator, f"/projects/{other}/notes")  # a preview writes nothing
    report = apply(admin, page.text)
    assert report.status_code == 200 and "<strong>1</strong> applied" in report.text
    assert emulator.value(f"/projects/{other}/notes") == "a\nb"
    assert emulator.value(source) == "a\nb"


def test_move_a_sheet_deletes_the_source_after_the_copy(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = emulator.new_project("mv")
    grow(f"/projects/{project}", {"deploy": {"host": "h", "db": {"pool": "4"}}})
    other = emulator.new_project("mv-to")
    page = post_preview(admin, f"/projects/{project}/deploy/", f"/projects/{other}/conf", "move")
    assert re.search(r"<strong[^>]*>1</strong> to delete", page.text)
    assert 'class="op-delete"' in page.text
    report = apply(admin, page.text)
    assert report.status_code == 200 and "<strong>5</strong> applied" in report.text
    assert emulator.value(f"/projects/{other}/conf/db/pool") == "4"
    assert not exists(emulator, f"/projects/{project}/deploy")
    journal = services_of(admin.dash).journal
    copied = journal.history(PropertyPath.parse(f"/projects/{other}/conf/db/pool")).items[0]
    deleted = journal.history(PropertyPath.parse(f"/projects/{project}/deploy")).items[0]
    assert copied.change_set and deleted.change_set == copied.change_set  # one move, one set
    assert len(journal.change_set(copied.change_set)) == 5  # the 5 applied: 4 creates, 1 delete


def test_a_move_whose_copy_fails_keeps_the_source(admin: Client, emulator: EmulatorProcess) -> None:
    source = f"/projects/{emulator.new_project('keep', v='1')}/v"
    missing = f"/projects/{emulator.new_project('keep-to')}/no/such/sheet/v"
    page = post_preview(admin, source, missing, "move")
    report = apply(admin, page.text)
    assert report.status_code == 200 and "The source was kept" in report.text
    assert emulator.value(source) == "1"


@pytest.mark.parametrize(
    ("destination", "message"),
    [("/nowhere/x", "The destination"), ("SOURCE/inner", "inside it"), ("/projects/P", "below")],
)
def test_bad_destinations_are_refused(
    admin: Client, emulator: EmulatorProcess, grow: Grow, destination: str, message: str
) -> None:
    project = emulator.new_project("bad")
    grow(f"/projects/{project}", {"s": {"a": "1"}})
    source = f"/projects/{project}/s"
    typed = destination.replace("SOURCE", source).replace("/projects/P", f"/projects/{project}")
    page = post_preview(admin, source + "/", typed, "copy")
    assert page.status_code == 422 and message in page.text


def test_a_source_changed_since_the_preview_is_a_conflict(
    admin: Client, emulator: EmulatorProcess
) -> None:
    source = f"/projects/{emulator.new_project('stale', v='1')}/v"
    destination = f"/projects/{emulator.new_project('stale-to')}/v"
    page = post_preview(admin, source, destination, "move")
    emulator.put_value(source, "2")
    answer = apply(admin, page.text)
    assert answer.status_code == 409 and "changed since the preview" in answer.text
    assert emulator.value(source) == "2" and not exists(emulator, destination)
