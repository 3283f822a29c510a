"""Applies past ``PROPDESK_BACKGROUND_APPLY_OPERATIONS`` (3 here) run in the background,
against the emulator over HTTP and the dashboard's own database: the apply answers with
the run's page, whose status the page polls (a fragment with the bar, then a redirect to
the report); the report is the one an apply in the request shows, under the bar at its
end. Small plans stay in the request. A move runs its delete step only after every copy
operation applied. Only the owner sees or cancels a run; a cancel needs the CSRF token."""

from __future__ import annotations

import re

import pytest
import requests

from app.changes import Sheet, Value, to_yaml
from tests.changes_web.conftest import Grow, form_of
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, wait_until

THRESHOLD = "3"
RUN_URL = re.compile(r"/changes/runs/([A-Za-z0-9_-]{32,})$")


@pytest.fixture
def small_dash(make_dashboard: DashboardFactory) -> DashboardThread:
    """A dashboard that runs applies of more than 3 operations in the background."""
    return make_dashboard(PROPDESK_BACKGROUND_APPLY_OPERATIONS=THRESHOLD)


@pytest.fixture
def owner(small_dash: DashboardThread) -> Client:
    return Client(small_dash)


def values(count: int, prefix: str = "k") -> str:
    """An export file of ``count`` values ``k0: v0`` ..."""
    return to_yaml(Sheet({f"{prefix}{i}": Value(f"v{i}") for i in range(count)}))


def import_preview(client: Client, project: str, text: str) -> str:
    """The preview page of importing ``text`` into the project's sheet (a merge)."""
    data = {"csrf_token": client.token, "text": text, "mode": "merge"}
    answer = client.post(f"/import/projects/{project}/", data)
    assert answer.status_code == 200, answer.text
    return answer.text


def apply_preview(
    client: Client, page: str, prefix: str = "/import-apply/", *extra: tuple[str, str]
) -> object:
    """Post the preview's apply form (to a URL starting with ``prefix``, with ``extra``
    fields ticked) as a browser does; redirects not followed."""
    found = re.search(rf'action="({re.escape(prefix)}[^"]+)"', page)
    assert found is not None
    return client.http.post(
        client.dash.url + found.group(1),
        data=[*form_of(page, found.group(1)), *extra],
        allow_redirects=False,
        timeout=30,
    )


def started_run(answer: object) -> str:
    """The id of the run an apply started (its answer redirects to the run's page)."""
    assert getattr(answer, "status_code", None) == 303, getattr(answer, "text", "")
    found = RUN_URL.search(getattr(answer, "headers", {})["Location"])
    assert found is not None
    return found.group(1)


def ended_report(client: Client, run_id: str) -> str:
    """Poll the run's status as its page does until it sends the browser to the report;
    the report page."""

    def redirected() -> str:
        answer = client.get(f"/changes/runs/{run_id}/status", htmx=True)
        assert answer.status_code == 200
        return answer.headers.get("HX-Redirect", "")

    target = wait_until(redirected, timeout=30)
    assert target.endswith(f"/changes/runs/{run_id}")
    page = client.get(f"/changes/runs/{run_id}")
    assert page.status_code == 200
    return page.text


def test_a_large_import_runs_in_the_background_and_ends_with_the_report(
    owner: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("bg")
    answer = apply_preview(owner, import_preview(owner, project, values(6)))
    run_id = started_run(answer)
    page = owner.get(f"/changes/runs/{run_id}")
    assert page.status_code == 200
    if "applying</h1>" in page.text:  # still running: the bar, polled every second
        assert re.search(r'<progress class="run-bar"[^>]* max="6"', page.text)
        assert 'hx-trigger="every 1s"' in page.text and "Cancel the apply" in page.text
    report = ended_report(owner, run_id)
    assert "Import: applied</h1>" in report
    assert "<strong>6</strong> applied" in report and "<strong>0</strong> failed" in report
    assert re.search(r'<progress class="run-bar"[^>]* value="6" max="6"', report)
    assert "6 of 6 operations done (100%)" in report
    assert 'hx-trigger="every 1s"' not in report  # the poll stopped
    assert [emulator.value(f"/projects/{project}/k{i}") for i in range(6)] == [
        f"v{i}" for i in range(6)
    ]


def test_polling_shows_the_progress_of_a_running_run(
    owner: Client, emulator: EmulatorProcess, small_dash: DashboardThread
) -> None:
    """The fragment a running run answers: the bar with its numbers, and the poll."""
    from tests.changes_web.test_background_stop import paused_import

    project = emulator.new_project("poll")
    with paused_import(owner, project, 5) as run_id:
        fragment = owner.get(f"/changes/runs/{run_id}/status", htmx=True)
        assert fragment.status_code == 200 and "HX-Redirect" not in fragment.headers
        assert fragment.text.lstrip().startswith('<div id="run-status"')
        assert 'hx-trigger="every 1s"' in fragment.text
        assert re.search(r'<progress class="run-bar"[^>]* max="5"', fragment.text)
        assert "of 5 operations done" in fragment.text
    assert "<strong>5</strong> applied" in ended_report(owner, run_id)


def test_a_small_import_stays_in_the_request(owner: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("small")
    answer = apply_preview(owner, import_preview(owner, project, values(3)))
    assert getattr(answer, "status_code", None) == 200
    assert "<strong>3</strong> applied" in getattr(answer, "text", "")
    assert "run-bar" not in getattr(answer, "text", "")


def test_a_large_move_deletes_the_source_only_after_every_copy_applied(
    owner: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = emulator.new_project("bgmove")
    grow(f"/projects/{project}", {"conf": {f"v{i}": str(i) for i in range(4)}})
    data = {"csrf_token": owner.token, "destination": f"/projects/{project}/moved", "mode": "move"}
    page = owner.post(f"/copy/projects/{project}/conf/", data).text
    assert "<strong>5</strong> to create" in page and ">1</strong> to delete" in page
    answer = apply_preview(owner, page, "/copy-apply/", ("confirm_deletes", "1"))
    report = ended_report(owner, started_run(answer))
    assert "Move: applied</h1>" in report and "<strong>6</strong> applied" in report
    assert "The source was kept" not in report
    assert emulator.value(f"/projects/{project}/moved/v3") == "3"
    with pytest.raises(requests.HTTPError):
        emulator.property_at(f"/projects/{project}/conf")


def test_only_the_owner_sees_or_cancels_a_run(
    owner: Client, emulator: EmulatorProcess, small_dash: DashboardThread
) -> None:
    project = emulator.new_project("mine")
    run_id = started_run(apply_preview(owner, import_preview(owner, project, values(4))))
    viewer = Client(small_dash, "viewer", "viewer")
    for path in (f"/changes/runs/{run_id}", f"/changes/runs/{run_id}/status"):
        assert viewer.get(path).status_code == 404
    assert viewer.hx("POST", f"/changes/runs/{run_id}/cancel").status_code == 404
    assert owner.get("/changes/runs/" + "x" * 32).status_code == 404
    ended_report(owner, run_id)


def test_a_cancel_needs_the_csrf_token(owner: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("csrf")
    run_id = started_run(apply_preview(owner, import_preview(owner, project, values(4))))
    refused = owner.http.post(f"{owner.dash.url}/changes/runs/{run_id}/cancel", timeout=10)
    assert refused.status_code == 400
    assert "<strong>4</strong> applied" in ended_report(owner, run_id)
