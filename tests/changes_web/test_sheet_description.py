"""Editing a nested sheet's description (``modifyProperty`` with ``description`` on the
sheet's path) against the emulator over HTTP: from its row (htmx) and without JavaScript,
CSRF, the save lock, no lost update (a conflict shows both and keeps the typed text), the
journal (kind sheet, action modify), a broken upstream that keeps the typed text, and a
write that gets no answer in time (the emulator's latency steered call by call, as
tests/web/test_history_unknown.py does)."""

from __future__ import annotations

import pytest
import requests

from app.cloudbees import CloudBeesClient, PropertyPath
from app.journal import Action, Kind, Outcome, Source
from tests.changes_web.conftest import form_of
from tests.changes_web.test_renaming import put_late
from tests.conftest import DashboardFactory
from tests.support.client import Client, fields, notice_of
from tests.support.servers import DashboardThread, EmulatorProcess
from tests.web.conftest import services_of
from tests.web.test_history_unknown import TIMEOUT, entries_of


def sheet_with(emulator: EmulatorProcess, cd: CloudBeesClient, description: str) -> str:
    """A new project's sheet ``cfg`` (holding ``a`` = 1) with ``description``: its path."""
    path = PropertyPath.project(emulator.new_project("desc"), "cfg")
    cd.properties.create_sheet(path, description=description)
    cd.properties.create(path.child("a"), "1")
    return str(path)


def opened(admin: Client, path: str) -> dict[str, str]:
    """The fields of the description editor of the sheet at ``path``, opened in its row."""
    answer = admin.hx("GET", f"/describe{path}/")
    assert answer.status_code == 200, answer.text
    return fields(answer.text)


def save(client: Client, path: str, form: dict[str, str], description: str) -> requests.Response:
    """Send the editor ``form`` of the sheet at ``path`` from its row (htmx) with
    ``description`` typed in it."""
    return client.hx("POST", f"/describe{path}/", {**form, "description": description})


def not_saved(answer: requests.Response, emulator: EmulatorProcess, path: str, typed: str) -> None:
    """The editor ``answer`` shows keeps the ``typed`` text, and the sheet at ``path``
    still has its description "old"."""
    assert f"{typed}</textarea>" in answer.text
    assert emulator.property_at(path)["description"] == "old"


def test_a_description_is_saved_from_the_row_and_journaled(
    admin: Client, dashboard: DashboardThread, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "old")
    sheet = admin.get(f"/browse{path.rsplit('/', 1)[0]}/").text
    assert f'hx-get="/describe{path}/" data-write="describe">Edit description<' in sheet
    form = opened(admin, path)
    assert form["description"] == "old" and "csrf_token" in form
    saved = save(admin, path, form, "new\r\nsecond")
    assert saved.status_code == 200 and saved.text.startswith('<tr data-row="cfg"')
    assert notice_of(saved) == "Saved the description of cfg."
    assert emulator.property_at(path)["description"] == "new\nsecond"
    assert emulator.value(path + "/a") == "1"  # what is in the sheet stays
    newest = services_of(dashboard).journal.history(PropertyPath.parse(path)).items[0]
    assert (newest.kind, newest.action, newest.source) == (Kind.SHEET, Action.MODIFY, Source.UI)
    assert newest.before is not None and newest.before.description == "old"
    assert newest.after is not None and newest.after.description == "new\nsecond"
    history = admin.get(f"/history{path}/")
    assert history.status_code == 200 and "second" in history.text  # the description diff


def test_without_javascript_the_editor_is_a_page_and_the_save_goes_back_to_the_sheet(
    admin: Client, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "old")
    page = admin.get(f"/describe{path}/")
    assert page.status_code == 200 and "<html" in page.text and "hx-post" not in page.text
    data = dict(form_of(page.text, f"/describe{path}/"))
    answer = admin.post(f"/describe{path}/", {**data, "description": "plain"}, False)
    parent = path.rsplit("/", 1)[0]
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/browse{parent}/")
    assert "Saved the description of cfg." in admin.get(answer.headers["Location"]).text
    assert emulator.property_at(path)["description"] == "plain"


def test_a_post_without_the_csrf_token_changes_nothing(
    admin: Client, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "old")
    form = {k: v for k, v in opened(admin, path).items() if k != "csrf_token"}
    answer = admin.http.post(
        f"{admin.dash.url}/describe{path}/", data={**form, "description": "forged"}, timeout=30
    )
    assert answer.status_code == 400
    assert emulator.property_at(path)["description"] == "old"


def test_a_change_meanwhile_shows_both_keeps_the_typed_text_and_saves_only_when_asked(
    admin: Client, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "old")
    form = opened(admin, path)
    cd.properties.modify(PropertyPath.parse(path), description="theirs")
    answer = save(admin, path, form, "mine")
    assert answer.status_code == 409
    assert "theirs</pre>" in answer.text and "mine</textarea>" in answer.text
    assert emulator.property_at(path)["description"] == "theirs"  # nothing lost
    again = fields(answer.text)  # "Save mine": it now starts from theirs
    assert again["description"] == "mine" and again["base_description"] == "theirs"
    saved = admin.hx("POST", f"/describe{path}/", again)
    assert saved.status_code == 200 and emulator.property_at(path)["description"] == "mine"


def test_a_save_in_progress_holds_the_lock_and_the_typed_text_is_kept(
    admin: Client, dashboard: DashboardThread, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "old")
    form = opened(admin, path)
    found = services_of(dashboard)
    with found.locks.hold(f"{found.settings.cd_url}|{path}", lease=60):
        answer = save(admin, path, form, "mine")
    assert answer.status_code == 409 and "someone else is saving this sheet" in answer.text
    not_saved(answer, emulator, path, "mine")


def test_a_user_the_server_refuses_is_told_and_keeps_the_typed_text(
    dashboard: DashboardThread, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "old")
    viewer = Client(dashboard, "viewer", "viewer")
    answer = save(viewer, path, opened(viewer, path), "v")
    assert answer.status_code == 422 and "Not saved: viewer may not change" in answer.text
    not_saved(answer, emulator, path, "v")


def test_an_untouched_form_writes_nothing(
    admin: Client, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "line one\r\nline two")  # the browser sends it as LF
    form = opened(admin, path)
    form["description"] = form["description"].replace("\n", "\r\n")
    puts = len(emulator.requests_to(path, "PUT"))
    answer = admin.hx("POST", f"/describe{path}/", form)
    assert answer.status_code == 200 and notice_of(answer) == "Nothing to save: cfg is unchanged."
    assert len(emulator.requests_to(path, "PUT")) == puts
    assert emulator.property_at(path)["description"] == "line one\r\nline two"


def test_markup_in_a_description_is_shown_as_text(
    admin: Client, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, '<script>alert("x")</script>')
    editor = admin.hx("GET", f"/describe{path}/").text
    row = admin.hx("GET", f"/row{path}/").text
    for text in (editor, row):
        assert "<script>alert" not in text and "&lt;script&gt;alert" in text


def test_only_a_nested_sheet_has_this_editor(
    admin: Client, emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    path = sheet_with(emulator, cd, "old")
    project = path.rsplit("/", 1)[0]
    assert admin.get(f"/describe{project}/").status_code == 404  # the project's own sheet
    value = admin.get(f"/describe{path}/a")
    assert value.status_code == 422 and "not a property sheet" in value.text
    assert "<textarea" not in value.text
    assert admin.get(f"/describe{project}/nothing/").status_code == 404


def test_a_broken_upstream_keeps_the_typed_text(
    make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(fresh_emulator, PROPDESK_RETRIES="0")
    admin = Client(dash)
    cd = CloudBeesClient.login(fresh_emulator.base_url, "admin", "changeme")
    path = sheet_with(fresh_emulator, cd, "old")
    form = opened(admin, path)
    page = dict(form_of(admin.get(f"/describe{path}/").text, f"/describe{path}/"))
    fresh_emulator.stop()
    answer = save(admin, path, form, "mine")
    assert answer.status_code == 503 and answer.headers["HX-Reswap"] == "none"
    assert notice_of(answer).startswith("Not saved: ")
    plain = admin.post(f"/describe{path}/", {**page, "description": "mine"}, False)
    assert plain.status_code == 503 and "mine</textarea>" in plain.text
    assert "Not saved: " in plain.text


@pytest.fixture
def slow(make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess) -> DashboardThread:
    """A dashboard with a short read timeout and no retries, on an emulator of its own
    (whose latency the test steers while a save runs)."""
    return make_dashboard(fresh_emulator, PROPDESK_READ_TIMEOUT=str(TIMEOUT), PROPDESK_RETRIES="0")


def save_steered(
    slow: DashboardThread, emulator: EmulatorProcess, after_put_ms: int
) -> tuple[str, requests.Response]:
    """Save "mine" over the description "old" of a new sheet with ``put_late``: the
    sheet's path and the answer."""
    admin = Client(slow)
    cd = CloudBeesClient.login(emulator.base_url, "admin", "changeme")
    path = sheet_with(emulator, cd, "old")
    form = opened(admin, path)
    send = lambda: save(admin, path, form, "mine")  # noqa: E731
    return path, put_late(emulator, send, path, after_put_ms)


def test_a_save_answered_too_late_that_landed_says_saved(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The write lands 3 s after it arrives; the read-back, handled 1.5 s after it arrives
    # (2 s after the write was sent), sees it.
    path, answer = save_steered(slow, fresh_emulator, 1500)
    fresh_emulator.set_latency(0)
    assert answer.status_code == 200 and "answered late" in notice_of(answer)
    assert [e.outcome for e in entries_of(slow, path) if e.action is Action.MODIFY] == [
        Outcome.DONE
    ]


def test_a_save_not_landed_by_its_read_back_is_not_applied_and_keeps_the_text(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The read-back is answered at once, 2 s after the write was sent: before it lands.
    path, answer = save_steered(slow, fresh_emulator, 0)
    assert answer.status_code == 503 and "Not saved so far" in notice_of(answer)
    assert "mine</textarea>" in answer.text
    assert [e.outcome for e in entries_of(slow, path) if e.action is Action.MODIFY] == [
        Outcome.NOT_APPLIED
    ]
