"""Renaming a property or a sheet in place (``modifyProperty newName``) against the
emulator over HTTP: the write, the journal's pair of entries, conflicts and refusals, a
rename that gets no answer in time (journaled as unknown, settled by the read-back; the
emulator's latency steered call by call as tests/web/test_history_unknown.py does) and a
journal that fails (the rename lands, the page says it was not recorded)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests

from app.cloudbees import PropertyPath
from app.journal import Action, Outcome, Source
from app.services import services
from tests.changes_web.conftest import Grow, form_of
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, wait_until
from tests.web.conftest import services_of
from tests.web.test_history_unknown import TIMEOUT, entries_of, steered
from tests.web.test_journal_down import TOKEN as METRICS_TOKEN
from tests.web.test_journal_down import break_sqlite, failures


def send_rename(
    admin: Client, page: str, action: str, name: str, *, follow: bool = True
) -> requests.Response:
    """Send the rename form posting to ``action`` as ``page`` (read earlier) holds it,
    with ``name`` typed as the new name."""
    kept = [(k, v) for k, v in form_of(page, action) if k != "name"]
    return admin.http.post(
        admin.dash.url + action, data=[*kept, ("name", name)], allow_redirects=follow
    )


def rename(admin: Client, path: str, name: str) -> tuple[int, str, str]:
    """Open the rename form of ``path``, type ``name``, send it: status, text, Location."""
    page = admin.get(f"/rename{path}")
    action = re.search(r'action="(/rename/[^"]+)"', page.text)
    assert action is not None
    answer = send_rename(admin, page.text, action.group(1), name, follow=False)
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
    changed = send_rename(admin, page, f"/rename/projects/{project}/v", "w")
    assert changed.status_code == 409 and "changed since" in changed.text
    assert emulator.value(f"/projects/{project}/v") == "2"
    status, text, _ = rename(admin, f"/projects/{project}/v", "taken")
    assert status == 422 and "Not renamed" in text
    status, text, _ = rename(admin, f"/projects/{project}/v", "a/b")
    assert status == 422 and "The new name" in text and 'value="a/b"' in text
    assert emulator.value(f"/projects/{project}/v") == "2"
    assert emulator.value(f"/projects/{project}/taken") == "x"


@pytest.fixture
def slow(make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess) -> DashboardThread:
    """A dashboard with a short read timeout and no retries, on an emulator of its own
    (whose latency the test steers while a rename runs)."""
    return make_dashboard(fresh_emulator, PROPDESK_READ_TIMEOUT=str(TIMEOUT), PROPDESK_RETRIES="0")


def put_late(
    emulator: EmulatorProcess, send: Callable[[], requests.Response], path: str, after_put_ms: int
) -> requests.Response:
    """``steered``: send a page's write of ``path`` whose re-read is answered after 1 s,
    whose PUT is handled 3 s after it arrives (past the 2 s timeout), and whose read-backs
    ``after_put_ms`` after they arrive. Returns the answer."""
    return steered(emulator, send, 1000, ("GET", path, 3000), ("PUT", path, after_put_ms))


def rename_late(
    dash: DashboardThread, emulator: EmulatorProcess, after_put_ms: int
) -> tuple[Client, str, requests.Response]:
    """As admin, rename ``old`` (holding v1) in a new project to ``new`` with ``put_late``.
    The client, the project's path and the answer."""
    admin = Client(dash)
    sheet = f"/projects/{emulator.new_project('ren')}"
    old = sheet + "/old"
    emulator.put_value(old, "v1")
    page = admin.get("/rename" + old).text
    send = lambda: send_rename(admin, page, "/rename" + old, "new", follow=False)  # noqa: E731
    return admin, sheet, put_late(emulator, send, old, after_put_ms)


def test_a_rename_answered_too_late_that_landed_says_renamed(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The rename lands 3 s after it arrives; the read-backs are handled 1.5 s after they
    # arrive, 2 s after the rename was sent: after it landed.
    admin, sheet, answer = rename_late(slow, fresh_emulator, 1500)
    fresh_emulator.set_latency(0)
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"].endswith(f"/browse{sheet}/new")
    assert "answered late" in admin.get(answer.headers["Location"]).text
    (gone,) = entries_of(slow, sheet + "/old")
    (made,) = entries_of(slow, sheet + "/new")
    assert (gone.action, made.action) == (Action.DELETE, Action.CREATE)
    assert gone.outcome is made.outcome is Outcome.DONE
    assert gone.change_set == made.change_set and gone.change_set
    assert gone.source is made.source is Source.UI and made.actor.cd_user == "admin"


def test_a_rename_not_landed_by_its_read_back_is_not_applied_then_seen_late(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The rename lands 3 s after it arrives; its read-backs, answered at once 2 s after it
    # was sent, still find the old name and not the new one.
    admin, sheet, answer = rename_late(slow, fresh_emulator, 0)
    assert answer.status_code == 503 and "Not renamed so far" in answer.text
    assert 'value="new"' in answer.text  # the name typed is kept
    assert [e.outcome for e in entries_of(slow, sheet + "/old")] == [Outcome.NOT_APPLIED]
    assert [e.outcome for e in entries_of(slow, sheet + "/new")] == [Outcome.NOT_APPLIED]
    assert wait_until(lambda: admin.get(f"/browse{sheet}/new").status_code == 200)  # landed
    newest = services_of(slow).journal.history(PropertyPath.parse(sheet + "/new")).items[0]
    assert newest.external and newest.action is Action.CREATE


def test_a_rename_whose_read_back_fails_too_stays_unknown_until_a_read(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The rename and its read-backs are all handled 3 s after they arrive: no answer to
    # any of them in time.
    admin, sheet, answer = rename_late(slow, fresh_emulator, 3000)
    assert answer.status_code == 503 and "Could not confirm the rename" in answer.text
    (pending,) = entries_of(slow, sheet + "/new")
    assert pending.outcome is Outcome.UNKNOWN and pending.action is Action.CREATE
    fresh_emulator.set_latency(0)
    assert wait_until(lambda: fresh_emulator.property_at(sheet + "/new").get("value") == "v1")
    assert admin.get(f"/browse{sheet}/new").status_code == 200  # the next read settles it
    assert admin.get(f"/browse{sheet}/old").status_code == 404
    (settled,) = entries_of(slow, sheet + "/new")
    assert settled.id == pending.id and settled.outcome is Outcome.DONE
    assert [e.outcome for e in entries_of(slow, sheet + "/old")] == [Outcome.DONE]


def test_the_rename_re_read_is_shown_to_the_journal(
    admin: Client, dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("ren", v="1")
    page = admin.get(f"/rename/projects/{project}/v").text  # the journal's baseline
    emulator.put_value(f"/projects/{project}/v", "2")  # changed outside propdesk
    answer = send_rename(admin, page, f"/rename/projects/{project}/v", "w")
    assert answer.status_code == 409
    (seen,) = services_of(dashboard).journal.history(PropertyPath.project(project, "v")).items
    assert seen.external and seen.after is not None and seen.after.value == "2"


def test_a_rename_with_a_broken_journal_lands_and_says_not_recorded(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(PROPDESK_METRICS_TOKEN=METRICS_TOKEN)
    admin = Client(dash)
    project = emulator.new_project("ren", v="1")
    page = admin.get(f"/rename/projects/{project}/v").text
    kept = [(k, v) for k, v in form_of(page, f"/rename/projects/{project}/v") if k != "name"]
    break_sqlite(dash)
    counted = failures(dash)
    answer = admin.http.post(
        f"{admin.dash.url}/rename/projects/{project}/v", data=[*kept, ("name", "w")]
    )
    assert answer.status_code == 200 and "not recorded in the history" in answer.text
    assert emulator.value(f"/projects/{project}/w") == "1"
    assert failures(dash) == counted + 1
