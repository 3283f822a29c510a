"""Page numbers that int() refuses, and deletes that wait for a save in progress."""

from __future__ import annotations

import pytest
import requests

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess
from tests.web.conftest import services_of


@pytest.mark.parametrize("raw", ["²", "٣", "9" * 5000, "-3", "x"])
@pytest.mark.parametrize("page", ["/activity", "/browse/projects/Default/"])
def test_odd_page_numbers_show_the_first_page(admin: Client, page: str, raw: str) -> None:
    r = admin.get(f"{page}?page={raw}")
    assert r.status_code == 200, (page, raw, r.status_code)


def test_a_delete_waits_for_a_save_in_progress_and_says_so(
    dashboard: DashboardThread, admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    emulator.put_value(f"/projects/{project}/held", "kept")
    found = services_of(dashboard)
    key = f"{found.settings.cd_url}|/projects/{project}/held"
    with found.locks.hold(key, lease=60):  # a save of this property holds its lock
        r = admin.hx("POST", f"/delete/projects/{project}/held")
    assert r.status_code == 409
    assert "someone else is saving held right now" in r.headers["HX-Trigger"]
    assert emulator.value(f"/projects/{project}/held") == "kept"
    done = admin.hx("POST", f"/delete/projects/{project}/held")  # the lock is free again
    assert done.status_code == 200
    gone = requests.get(
        emulator.api + f"/properties//projects/{project}/held",
        auth=("admin", "changeme"),
        timeout=10,
    )
    assert gone.status_code == 404
