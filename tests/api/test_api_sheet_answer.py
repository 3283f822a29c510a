"""An API sheet create answers and journals what CloudBees CD's create answered (as the
page's create does), not a second read of the sheet. Real emulator over HTTP; its request
log counts the reads."""

from __future__ import annotations

from tests.api.support import Api
from tests.support.servers import DashboardThread, EmulatorProcess
from tests.web.test_history_unknown import entries_of


def test_a_sheet_create_reads_the_sheet_once_and_journals_the_answer(
    api: Api, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    path = f"/projects/{emulator.new_project('sheet-answer')}/s"
    made = api.put("/sheets" + path, json={"description": "a sheet"})
    assert made.status_code == 201, made.text
    assert len(emulator.requests_to(path, "GET")) == 1  # "is it there?"; none after the POST
    assert made.json()["property"]["description"] == "a sheet"
    assert made.headers["ETag"] == api.get("/properties" + path).headers["ETag"]
    (entry,) = entries_of(api_dashboard, path)
    assert entry.before is None and entry.after is not None
    assert entry.after.description == "a sheet" and entry.after.value is None  # a sheet
