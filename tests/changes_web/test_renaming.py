"""Renaming a property or a sheet in place (``modifyProperty newName``) against the
emulator over HTTP: the write, the journal's pair of entries, conflicts and refusals, a
rename that gets no answer in time (journaled as unknown, settled by the read-back; the
emulator's latency steered call by call as tests/web/test_history_unknown.py does) and a
journal that fails (the rename lands, the page says it was not recorded)."""

from __future__ import annotations

import re

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


@pytest.fixture
def slow(make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess) -> DashboardThread:
    """A dashboard with a short read timeout and no retries, on an emulator of its own
    (whose latency the test steers while a rename runs)."""
    return make_dashboard(fresh_emulator, PROPDESK_READ_TIMEOUT=str(TIMEOUT), PROPDESK_RETRIES="0")


def rename_steered(
    admin: Client, emulator: EmulatorProcess, old: str, after_put_ms: int
) -> requests.Response:
    """Rename ``old`` to ``new``: its re-read answered after 1 s, the rename itself 3 s
    after it arrives (past the 2 s timeout), the read-backs ``after_put_ms`` after they
    arrive."""
    page = admin.get("/rename" + old).text
    data = [(k, v) for k, v in form_of(page, "/rename" + old) if k != "name"]

    def send() -> requests.Response:
        return admin.http.post(
            f"{admin.dash.url}/rename{old}", data=[*data, ("name", "new")], allow_redirects=False
        )

    return steered(emulator, send, 1000, ("GET", old, 3000), ("PUT", old, after_put_ms))


def test_a_rename_answered_too_late_that_landed_says_renamed(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The rename lands 3 s after it arrives; the read-backs are handled 1.5 s after they
    # arrive, 2 s after the rename was sent: after it landed.
    admin = Client(slow)
    sheet = f"/projects/{fresh_emulator.new_project('ren')}"
    fresh_emulator.put_value(sheet + "/old", "v1")
    answer = rename_steered(admin, fresh_emulator, sheet + "/old", 1500)
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
    admin = Client(slow)
    sheet = f"/projects/{fresh_emulator.new_project('ren')}"
    fresh_emulator.put_value(sheet + "/old", "v1")
    answer = rename_steered(admin, fresh_emulator, sheet + "/old", 0)
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
    admin = Client(slow)
    sheet = f"/projects/{fresh_emulator.new_project('ren')}"
    fresh_emulator.put_value(sheet + "/old", "v1")
    answer = rename_steered(admin, fresh_emulator, sheet + "/old", 3000)
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
    kept = [(k, v) for k, v in form_of(page, f"/rename/projects/{project}/v") if k != "name"]
    answer = admin.http.post(
        f"{admin.dash.url}/rename/projects/{project}/v", data=[*kept, ("name", "w")]
    )
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
