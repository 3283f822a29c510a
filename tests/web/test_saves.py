"""What a save writes: only the fields the user changed, byte for byte; nothing for an
unchanged form; success when the server already holds the change; an offer to create a
property someone deleted. Over real HTTP against the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.support.servers import ADMIN, EmulatorProcess
from tests.web.test_browse import Client, action, fields


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


def upstream(emulator: EmulatorProcess, path: str) -> dict[str, Any]:
    """The property at ``path`` exactly as the emulator holds it."""
    r = requests.get(
        emulator.api + "/properties//" + path.lstrip("/"),
        params={"expand": "0"},
        auth=ADMIN,
        timeout=10,
    )
    r.raise_for_status()
    found: dict[str, Any] = r.json()["property"]
    return found


def writes_to(emulator: EmulatorProcess, path: str) -> list[dict[str, Any]]:
    """The write calls (PUT, POST) the emulator received for ``path``."""
    return [
        r
        for r in emulator.requests_seen()
        if r["method"] in ("PUT", "POST") and r["path"].endswith(path)
    ]


def notice_of(response: requests.Response) -> str:
    """The text of the toast an htmx answer triggers."""
    return str(json.loads(response.headers["HX-Trigger"])["notice"]["text"])


@pytest.fixture
def admin(dashboard: Any) -> Client:
    """A logged-in admin speaking htmx."""
    return Client(dashboard)


@pytest.fixture
def project(emulator: EmulatorProcess) -> str:
    """A project of the test's own."""
    return emulator.new_project("saves")


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
    saved = admin.hx("POST", action("edit", url), as_browser_sends(form))
    assert saved.status_code == 200, saved.text
    assert notice_of(saved) == "Saved odd."
    held = upstream(emulator, path)
    assert held["value"] == value and held["description"] == "new description"
    # The editor said what it does with such a value.
    assert ('<textarea name="value"' in editor.text) is carried
    if carried:
        assert "mixes CRLF and LF line ends" in editor.text
    else:
        assert "cannot be edited here and stays exactly as it is" in editor.text
        assert ("line1␍line2" if "\r" in value else "a␀b") in editor.text


def test_keep_mine_leaves_a_value_nobody_typed_alone(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/nul"
    emulator.put_value(path, "a\x00b", description="base")
    url = f"/browse{path}"
    mine = fields(admin.hx("GET", action("edit", url) + "?ctx=row").text)
    emulator.put_value(path, "x\x00y", description="theirs")  # a real conflict
    mine["description"] = "mine"
    conflict = admin.hx("POST", action("edit", url), as_browser_sends(mine))
    assert conflict.status_code == 409 and "Keep mine" in conflict.text
    keep = fields(conflict.text)  # the first form is "Keep mine"
    kept = admin.hx("POST", action("edit", url), as_browser_sends(keep))
    assert kept.status_code == 200, kept.text
    held = upstream(emulator, path)
    assert held["value"] == "x\x00y" and held["description"] == "mine"
    assert "value" not in keep and keep["value_kept"] == "1"  # it never carried the value


def test_an_unchanged_form_writes_nothing(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/same"
    emulator.put_value(path, "line one\r\nline two", description="d")
    before = upstream(emulator, path)
    url = f"/browse{path}"
    form = fields(admin.hx("GET", action("edit", url) + "?ctx=row").text)
    r = admin.hx("POST", action("edit", url), as_browser_sends(form))
    assert r.status_code == 200 and r.text.lstrip().startswith("<tr")
    assert notice_of(r) == "Nothing to save: same is unchanged."
    assert len(writes_to(emulator, path)) == 1  # only the put_value above
    assert upstream(emulator, path)["modifyTime"] == before["modifyTime"]


def test_only_the_changed_field_is_written(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/flag"
    emulator.put_value(path, "a\r\nb\nc", description="d")
    url = f"/browse{path}"
    form = fields(admin.hx("GET", action("edit", url) + "?ctx=row").text)
    form.pop("expandable", None)  # untick "Expandable"
    assert admin.hx("POST", action("edit", url), as_browser_sends(form)).status_code == 200
    held = upstream(emulator, path)
    assert held["expandable"] == "0" and held["value"] == "a\r\nb\nc"
    (write,) = writes_to(emulator, path)[1:]
    assert write["method"] == "PUT" and "request=modifyProperty" in write["query"]


def test_saving_what_the_server_already_holds_is_a_success(
    dashboard: Any, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/agreed"
    emulator.put_value(path, "old")
    url = f"/browse{path}"
    alice, bob = Client(dashboard), Client(dashboard)
    forms = [fields(c.hx("GET", action("edit", url) + "?ctx=detail").text) for c in (alice, bob)]
    for form in forms:
        form["value"] = "the same new value"
    assert alice.hx("POST", action("edit", url), forms[0]).status_code == 200
    second = bob.hx("POST", action("edit", url), forms[1])
    assert second.status_code == 200, second.text
    assert notice_of(second) == "agreed already holds your change; nothing else to save."
    assert len(writes_to(emulator, path)) == 2  # put_value and alice's save, not bob's


def test_saving_a_deleted_property_offers_to_create_it_again(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/doomed"
    emulator.put_value(path, "before")
    url = f"/browse{path}"
    form = fields(admin.hx("GET", action("edit", url) + "?ctx=row").text)
    form.update(value="typed words\nsecond line", description="typed description")
    requests.delete(
        emulator.api + "/properties//" + path.lstrip("/"), auth=ADMIN, timeout=10
    ).raise_for_status()
    r = admin.hx("POST", action("edit", url), as_browser_sends(form))
    assert r.status_code == 409
    assert "someone deleted doomed" in notice_of(r)
    offer = fields(r.text)
    assert offer["recreate"] == "1"
    assert offer["value"] == "typed words\nsecond line"
    assert offer["description"] == "typed description"
    assert "Create it again" in r.text and f'href="/browse/projects/{project}/">Discard' in r.text
    created = admin.hx("POST", action("edit", url), as_browser_sends(offer))
    assert created.status_code == 200 and created.text.lstrip().startswith("<tr")
    assert notice_of(created) == "Created doomed again."
    held = upstream(emulator, path)
    assert held["value"] == "typed words\nsecond line"
    assert held["description"] == "typed description"
