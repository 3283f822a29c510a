"""What a save writes: only the fields the user changed, byte for byte; nothing for an
unchanged form; success when the server already holds the change; an offer to create a
property someone deleted. Over real HTTP against the emulator."""

from __future__ import annotations

import pytest
import requests

from tests.support.client import Client, action, fields, notice_of
from tests.support.servers import ADMIN, DashboardThread, EmulatorProcess
from tests.web.conftest import OpenEditor


def as_browser_sends(form: dict[str, str]) -> dict[str, str]:
    """The fields of a form as a browser posts them: HTML parsing turns CR and CRLF into LF
    and NUL into U+FFFD, and a form sends every line end as CRLF."""
    return {
        name: value.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\x00", "\ufffd")
        .replace("\n", "\r\n")
        for name, value in form.items()
    }


@pytest.mark.parametrize(
    ("value", "carried"),
    [("line1\rline2", False), ("a\x00b", False), ("a\r\nb\nc", True)],
    ids=["lone-cr", "nul", "mixed-line-ends"],
)
def test_editing_only_the_description_keeps_the_value_byte_for_byte(
    admin: Client, emulator: EmulatorProcess, project: str, value: str, carried: bool
) -> None:
    path = f"/projects/{project}/odd"
    emulator.put_value(path, value, description="old description")
    url = f"/browse{path}"
    editor = admin.hx("GET", action("edit", url) + "?ctx=detail")
    form = fields(editor.text)
    form["description"] = "new description"
    saved = admin.save(path, as_browser_sends(form))
    assert saved.status_code == 200, saved.text
    assert notice_of(saved) == "Saved odd."
    held = emulator.property_at(path)
    assert held["value"] == value and held["description"] == "new description"
    # The editor said what it does with such a value.
    assert ('<textarea name="value"' in editor.text) is carried
    if carried:
        assert "mixes CRLF and LF line ends" in editor.text
    else:
        assert "cannot be edited here and stays exactly as it is" in editor.text
        assert ("line1␍line2" if "\r" in value else "a␀b") in editor.text


def test_keep_mine_leaves_a_value_nobody_typed_alone(
    admin: Client, emulator: EmulatorProcess, open_editor: OpenEditor
) -> None:
    path, mine = open_editor("nul", "a\x00b", ctx="row", description="base")
    emulator.put_value(path, "x\x00y", description="theirs")  # a real conflict
    mine["description"] = "mine"
    conflict = admin.save(path, as_browser_sends(mine))
    assert conflict.status_code == 409 and "Keep mine" in conflict.text
    keep = fields(conflict.text)  # the first form is "Keep mine"
    kept = admin.save(path, as_browser_sends(keep))
    assert kept.status_code == 200, kept.text
    held = emulator.property_at(path)
    assert held["value"] == "x\x00y" and held["description"] == "mine"
    assert "value" not in keep and keep["value_kept"] == "1"  # it never carried the value


def test_an_unchanged_form_writes_nothing(
    admin: Client, emulator: EmulatorProcess, open_editor: OpenEditor
) -> None:
    path, form = open_editor("same", "line one\r\nline two", ctx="row", description="d")
    before = emulator.property_at(path)
    r = admin.save(path, as_browser_sends(form))
    assert r.status_code == 200 and r.text.lstrip().startswith("<tr")
    assert notice_of(r) == "Nothing to save: same is unchanged."
    assert len(emulator.requests_to(path, "PUT", "POST")) == 1  # only the put_value above
    assert emulator.property_at(path)["modifyTime"] == before["modifyTime"]


def test_only_the_changed_field_is_written(
    admin: Client, emulator: EmulatorProcess, open_editor: OpenEditor
) -> None:
    path, form = open_editor("flag", "a\r\nb\nc", ctx="row", description="d")
    form.pop("expandable", None)  # untick "Expandable"
    assert admin.save(path, as_browser_sends(form)).status_code == 200
    held = emulator.property_at(path)
    assert held["expandable"] == "0" and held["value"] == "a\r\nb\nc"
    (write,) = emulator.requests_to(path, "PUT", "POST")[1:]
    assert write["method"] == "PUT" and "request=modifyProperty" in write["query"]


def test_saving_what_the_server_already_holds_is_a_success(
    dashboard: DashboardThread, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/agreed"
    emulator.put_value(path, "old")
    alice, bob = Client(dashboard), Client(dashboard)
    forms = [c.editor(path) for c in (alice, bob)]
    for form in forms:
        form["value"] = "the same new value"
    assert alice.save(path, forms[0]).status_code == 200
    second = bob.save(path, forms[1])
    assert second.status_code == 200, second.text
    assert notice_of(second) == "agreed already holds your change; nothing else to save."
    writes = emulator.requests_to(path, "PUT", "POST")
    assert len(writes) == 2  # put_value and alice's save, not bob's


def test_saving_a_deleted_property_offers_to_create_it_again(
    admin: Client, emulator: EmulatorProcess, project: str, open_editor: OpenEditor
) -> None:
    path, form = open_editor("doomed", "before", ctx="row")
    form.update(value="typed words\nsecond line", description="typed description")
    requests.delete(
        emulator.api + "/properties//" + path.lstrip("/"), auth=ADMIN, timeout=10
    ).raise_for_status()
    r = admin.save(path, as_browser_sends(form))
    assert r.status_code == 409
    assert "someone deleted doomed" in notice_of(r)
    offer = fields(r.text)
    assert offer["recreate"] == "1"
    assert offer["value"] == "typed words\nsecond line"
    assert offer["description"] == "typed description"
    assert "Create it again" in r.text and f'href="/browse/projects/{project}/">Discard' in r.text
    created = admin.save(path, as_browser_sends(offer))
    assert created.status_code == 200 and created.text.lstrip().startswith("<tr")
    assert notice_of(created) == "Created doomed again."
    held = emulator.property_at(path)
    assert held["value"] == "typed words\nsecond line"
    assert held["description"] == "typed description"
