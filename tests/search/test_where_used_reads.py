"""The "Where used" section confirms a relative reference once per sheet: hits in one
sheet resolve alike, so a second hit there costs no read. Real emulator over HTTP; its
request log counts the reads."""

from __future__ import annotations

import re

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def test_hits_in_one_sheet_cost_one_resolution(
    emulator: EmulatorProcess, dashboard: DashboardThread
) -> None:
    project = emulator.new_project("used-once", x="top-x")
    for name in ("r1", "r2", "r3"):
        emulator.put_value(f"/projects/{project}/{name}", "uses $[x]")
    target = f"/projects/{project}/x"
    seen = len(emulator.requests_to(target, "GET"))
    used = Client(dashboard).get(f"/where-used{target}", htmx=True).text
    listed = re.findall(r'<li><a href="([^"]+)">', used)
    assert sorted(listed) == [f"/browse/projects/{project}/r{n}" for n in (1, 2, 3)]
    assert len(emulator.requests_to(target, "GET")) - seen == 1  # not one per hit
