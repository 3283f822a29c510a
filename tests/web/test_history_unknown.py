"""Creates and deletes that get no answer in time: journaled with an unknown outcome, and
settled by the next read of the property (the read-back right after, or a later page).
Real emulator over HTTP; its latency is steered call by call while the write runs (it
sleeps before it handles a call, so a slow write lands late), as tests/reliability does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
import requests
from sqlalchemy import select

from app.cloudbees import PropertyPath
from app.journal import Action, Entry, Outcome, Source
from app.journal.rows import entry
from app.journal.tables import EntryRow
from tests.conftest import DashboardFactory
from tests.support.client import Client, notice_of
from tests.support.servers import DashboardThread, EmulatorProcess, wait_until
from tests.web.conftest import services_of

TIMEOUT = 2
"""The dashboard's read timeout (seconds); the emulator's latency is set around it."""


@pytest.fixture
def slow(make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess) -> DashboardThread:
    """A dashboard with a short read timeout and no retries, on an emulator of its own."""
    return make_dashboard(fresh_emulator, PROPDESK_READ_TIMEOUT=str(TIMEOUT), PROPDESK_RETRIES="0")


def arrived(emulator: EmulatorProcess, method: str, path: str, count: int) -> bool:
    """The emulator has received ``count`` ``method`` calls whose path ends with ``path``."""
    return len(emulator.requests_to(path, method)) >= count


def steered(
    emulator: EmulatorProcess,
    send: Callable[[], requests.Response],
    first_ms: int,
    *then: tuple[str, str, int],
) -> requests.Response:
    """Send a request in the background, the emulator's next call answered after
    ``first_ms``; for each ``(method, path, ms)`` of ``then`` wait for the next ``method``
    call whose path ends with ``path``, then set the latency of the calls after it.
    Returns the request's answer."""
    emulator.set_latency(first_ms)
    seen = {(m, p): len(emulator.requests_to(p, m)) for m, p, _ in then}
    answers: list[requests.Response] = []
    thread = threading.Thread(target=lambda: answers.append(send()), daemon=True)
    thread.start()
    for method, path, ms in then:
        seen[method, path] += 1
        assert wait_until(partial(arrived, emulator, method, path, seen[method, path]), 30)
        emulator.set_latency(ms)
    thread.join()
    return answers[0]


def entries_of(dash: DashboardThread, path: str) -> list[Entry]:
    """Every journal entry of ``path``, oldest first, those that did not land included."""
    journal = services_of(dash).journal
    with journal.database.reading() as session:
        found = session.scalars(select(EntryRow).where(EntryRow.path == path).order_by(EntryRow.id))
        return [entry(row) for row in found]


def create(admin: Client, sheet: str, name: str, value: str) -> requests.Response:
    data = {"name": name, "value": value, "description": "made late", "kind": "value"}
    return admin.hx("POST", "/new" + sheet, {**data, "expandable": "1"})


def create_late(
    admin: Client, emulator: EmulatorProcess, sheet: str, name: str, read_back_ms: int
) -> requests.Response:
    """Create ``name`` = "v1" in ``sheet``, the create handled 3 s after it arrives (past
    the timeout) and its read-back ``read_back_ms`` after it arrives."""
    send = lambda: create(admin, sheet, name, "v1")  # noqa: E731
    return steered(emulator, send, 3000, ("POST", "/properties", read_back_ms))


def delete_late(
    admin: Client, emulator: EmulatorProcess, path: str, read_back_ms: int
) -> requests.Response:
    """Delete ``path``, its read answered after 1 s and the delete handled 3 s after it
    arrives (past the timeout); the read-back is handled ``read_back_ms`` after it arrives."""
    send = lambda: admin.hx("POST", "/delete" + path, {})  # noqa: E731
    return steered(emulator, send, 1000, ("GET", path, 3000), ("DELETE", path, read_back_ms))


def test_a_create_without_an_answer_is_unknown_until_the_next_read(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The create lands after 3 s, past the 2 s timeout; so does its read-back (5 s).
    admin = Client(slow)
    sheet = f"/projects/{fresh_emulator.new_project('unknown')}"
    path = sheet + "/late"
    answer = create_late(admin, fresh_emulator, sheet, "late", 3000)
    assert answer.status_code == 503 and "Could not confirm the create" in answer.text
    (pending,) = entries_of(slow, path)
    assert pending.outcome is Outcome.UNKNOWN and pending.action is Action.CREATE
    assert pending.source is Source.UI and pending.after is not None
    fresh_emulator.set_latency(0)
    assert wait_until(lambda: fresh_emulator.property_at(path).get("value") == "v1")
    assert admin.get("/browse" + path).status_code == 200  # the next read settles it
    (settled,) = entries_of(slow, path)
    assert settled.id == pending.id and settled.outcome is Outcome.DONE
    assert settled.modify_time is not None
    assert "outcome unknown" not in admin.get("/history" + path).text


def test_a_create_read_back_missing_is_settled_as_not_applied(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # A create into a sheet that does not exist, answered late (it fails there); the
    # read-back answers at once: not there, so the entry is settled as not applied.
    admin = Client(slow)
    sheet = f"/projects/{fresh_emulator.new_project('unknown')}/no-such-sheet"
    path = sheet + "/never"
    answer = create_late(admin, fresh_emulator, sheet, "never", 0)
    assert answer.status_code == 503 and "Not created so far" in notice_or_text(answer)
    (settled,) = entries_of(slow, path)
    assert settled.outcome is Outcome.NOT_APPLIED and settled.action is Action.CREATE
    assert services_of(slow).journal.history(PropertyPath.parse(path)).items == ()


def test_a_delete_answered_too_late_that_landed_says_deleted(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The delete's read answers after 1 s; the delete lands 3 s later (past the 2 s
    # timeout); the read-back is handled 1.5 s after it arrives: after the delete landed.
    admin = Client(slow)
    path = f"/projects/{fresh_emulator.new_project('unknown')}/doomed"
    fresh_emulator.put_value(path, "v1")
    assert admin.get("/browse" + path).status_code == 200  # the journal's baseline
    answer = delete_late(admin, fresh_emulator, path, 1500)
    fresh_emulator.set_latency(0)
    assert answer.status_code == 200, answer.text
    assert "answered late" in notice_of(answer)
    (deleted,) = entries_of(slow, path)
    assert deleted.action is Action.DELETE and deleted.outcome is Outcome.DONE


def test_a_delete_still_there_after_the_timeout_is_not_applied_then_seen_late(
    slow: DashboardThread, fresh_emulator: EmulatorProcess
) -> None:
    # The delete lands 3 s after it arrives; its read-back, answered at once 2 s after the
    # delete was sent, still finds the property.
    admin = Client(slow)
    path = f"/projects/{fresh_emulator.new_project('unknown')}/stubborn"
    fresh_emulator.put_value(path, "v1")
    answer = delete_late(admin, fresh_emulator, path, 0)
    assert answer.status_code == 503 and "Not deleted so far" in notice_of(answer)
    assert [e.outcome for e in entries_of(slow, path)] == [Outcome.NOT_APPLIED]
    assert wait_until(lambda: admin.get("/browse" + path).status_code == 404)  # it landed
    newest = services_of(slow).journal.history(PropertyPath.parse(path)).items[0]
    assert newest.external and newest.action is Action.DELETE


def notice_or_text(answer: requests.Response) -> str:
    """The toast of an htmx answer, or its body when it has none."""
    return notice_of(answer) if "HX-Trigger" in answer.headers else answer.text
