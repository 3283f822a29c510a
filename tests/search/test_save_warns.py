"""Saving a value whose ``$[/absolute]`` reference names no property asks first ("does not
exist: save anyway?"), keeps the typed text, and saves on "Save anyway" (``refs_ok=1``).
Over real HTTP against the emulator; reads are counted by the emulator's own request log."""

from __future__ import annotations

import html
import re

import pytest

from tests.support.client import Client, fields, notice_of
from tests.support.servers import DashboardThread, EmulatorProcess


@pytest.fixture
def web(dashboard: DashboardThread) -> Client:
    return Client(dashboard)


def property_reads(emulator: EmulatorProcess) -> list[str]:
    """The property paths the emulator was asked to GET since its log was reset."""
    return [
        r["path"]
        for r in emulator.requests_seen()
        if r["method"] == "GET" and "/properties" in r["path"]
    ]


def test_a_missing_reference_warns_and_writes_nothing(
    web: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("warn", target="t", x="old")
    path = f"/projects/{project}/x"
    form = web.editor(path, ctx="row")
    typed = f"$[/projects/{project}/target] and $[/projects/{project}/nope]<b>"
    form["value"] = typed
    emulator.reset_counts()
    answer = web.save(path, form)
    assert answer.status_code == 422
    text = answer.text
    assert f"<code>$[/projects/{project}/nope]</code> does not exist: save anyway?" in text
    assert f"/projects/{project}/target]</code>" not in text  # the existing one is not named
    assert fields(text)["value"] == typed  # the typed text survives, escaped
    assert "&lt;b&gt;" in text and "<b>" not in text.split("<textarea", 1)[1]
    assert 'name="refs_ok" value="1"' in text and '<tr class="editing"' in text
    # One read per absolute reference; no write, no re-read of the property itself.
    reads = property_reads(emulator)
    assert len(reads) == 2, reads
    assert not [r for r in emulator.requests_seen() if r["method"] in ("PUT", "POST")]
    assert emulator.value(path) == "old"  # nothing written


def test_save_anyway_saves_the_text(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("anyway", x="old")
    path = f"/projects/{project}/x"
    form = web.editor(path)
    form["value"] = f"$[/projects/{project}/nope]"
    warned = web.save(path, form)
    assert warned.status_code == 422 and "save anyway?" in warned.text
    again = fields(warned.text)  # the form as it came back, confirmed
    saved = web.save(path, {**again, "refs_ok": "1"})
    assert saved.status_code == 200, saved.text
    assert notice_of(saved) == "Saved x."
    assert emulator.value(path) == f"$[/projects/{project}/nope]"


@pytest.mark.parametrize(
    "value",
    [
        "$[/projects/{p}/there]",  # exists
        "$[there]",  # relative: depends on where the server expands it, not checked
        "$[/projects/{p}]",  # an owner, not a property
        "no references",
    ],
)
def test_nothing_to_warn_about_saves_at_once(
    web: Client, emulator: EmulatorProcess, value: str
) -> None:
    project = emulator.new_project("fine", there="yes", x="old")
    path = f"/projects/{project}/x"
    form = web.editor(path)
    form["value"] = value.format(p=project)
    saved = web.save(path, form)
    assert saved.status_code == 200, saved.text
    assert emulator.value(path) == value.format(p=project)


def test_a_value_not_expanded_is_not_checked(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("plain", x="old")
    path = f"/projects/{project}/x"
    form = web.editor(path)
    form["value"] = f"$[/projects/{project}/nope]"
    form.pop("expandable")  # the box unticked: the server keeps the text as it is
    emulator.reset_counts()
    saved = web.save(path, form)
    assert saved.status_code == 200, saved.text
    assert f"/projects/{project}/nope" not in " ".join(property_reads(emulator))


def test_at_most_five_references_are_read(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("many", x="old")
    path = f"/projects/{project}/x"
    form = web.editor(path)
    form["value"] = " ".join(f"$[/projects/{project}/gone{i}]" for i in range(8))
    emulator.reset_counts()
    warned = web.save(path, form)
    assert warned.status_code == 422
    shown = re.findall(r"<code>\$\[([^\]]+)\]</code>", warned.text)
    assert shown == [f"/projects/{project}/gone{i}" for i in range(5)]
    assert len(property_reads(emulator)) == 5


def test_without_javascript_the_page_asks(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("nojs", x="old")
    path = f"/projects/{project}/x"
    form = web.editor(path)
    form["value"] = f"$[/projects/{project}/nope]"
    form["csrf_token"] = web.token
    answer = web.post(f"/edit{path}", form, allow_redirects=False)
    assert answer.status_code == 422 and "<html" in answer.text.lower()
    assert "does not exist: save anyway?" in html.unescape(answer.text)
    confirmed = web.post(f"/edit{path}", {**form, "refs_ok": "1"}, allow_redirects=False)
    assert confirmed.status_code == 303
    assert emulator.value(path) == f"$[/projects/{project}/nope]"
