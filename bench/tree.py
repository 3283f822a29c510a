"""The sheet tree's figure for ``python -m bench``: opening a sheet of 1,000 sub-sheets in the
tree (``/tree/<sheet>/``, list items) against one direct read of that sheet.

The sub-sheets are written straight into the emulator's SQLite file (1,000 HTTP creates
would measure the loader); each is an empty sheet, as a sheet made over the API is.
"""

from __future__ import annotations

import sqlite3

import requests

from bench.search import STAMP, SearchSides, paired
from tests.support.servers import ADMIN

PROJECT = "tree-bench"


def seed(sides: SearchSides, count: int) -> None:
    """A project whose sheet ``wide`` holds ``count`` empty sub-sheets."""
    api = sides.emulator.api
    requests.post(
        api + "/projects", json={"projectName": PROJECT}, auth=ADMIN, timeout=30
    ).raise_for_status()
    r = requests.post(
        api + "/properties",
        json={"propertyName": "wide", "projectName": PROJECT, "propertyType": "sheet"},
        auth=ADMIN,
        timeout=30,
    )
    r.raise_for_status()
    parent = int(r.json()["property"]["propertySheetId"])
    with sqlite3.connect(sides.emulator.db) as db:
        for i in range(count):
            cur = db.execute(
                "INSERT INTO sheets(owner, create_time, modify_time, last_modified_by) "
                "VALUES ('admin', ?, ?, 'admin')",
                (STAMP, STAMP),
            )
            db.execute(
                "INSERT INTO properties(sheet_id, name, value, child_sheet_id, owner, "
                "create_time, modify_time, last_modified_by) VALUES (?,?,NULL,?,?,?,?,?)",
                (parent, f"sub-{i:04d}", cur.lastrowid, "admin", STAMP, STAMP, "admin"),
            )


def figures(sides: SearchSides, count: int, repeat: int, warmup: int) -> list[str]:
    """The tree row of the benchmark's table."""
    seed(sides, count)
    url = f"{sides.dashboard_url}/tree/projects/{PROJECT}/wide/"
    direct = sides.emulator.api + "/properties"
    params = {"path": f"/projects/{PROJECT}/wide", "expand": "0"}

    def expand() -> requests.Response:
        return sides.browser.get(url, headers={"X-Tree": "1"}, timeout=60)

    dash_t, up_t = paired(
        expand, lambda: sides.upstream.get(direct, params=params, timeout=60), repeat, warmup
    )
    size = len(expand().content)
    return [
        f"| tree expand ratio, {count:,} sub-sheets | {dash_t / up_t:.2f} | tree level "
        f"{dash_t * 1000:.1f} ms ({size:,} bytes) / one direct sheet read {up_t * 1000:.1f} ms "
        f"(medians of {repeat}) |"
    ]
