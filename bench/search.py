"""Search figures for ``python -m bench``: a results page over 100,000 properties against the
direct upstream calls of the same query, the page's bytes and its upstream calls.

The properties are written straight into the emulator's SQLite file (100,000 HTTP creates
would measure the loader). The direct side makes exactly the calls the page makes: the
projects list (to leave plugin projects out), the ``findObjects`` of the page and the
exact-name ``findObjects`` of a first page, with the same bodies.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from app.cloudbees.search import (
    EXACT_HITS,
    MatchIn,
    SearchQuery,
    place_filters,
    where_filters,
)
from app.web.search import PAGE_SIZE
from tests.support.servers import ADMIN, EmulatorProcess

PROJECT = "search-bench"
SHEETS = 100
TEXT = "database"
STAMP = "2026-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class SearchSides:
    """The dashboard (a logged-in browser and its URL) and a direct upstream session."""

    emulator: EmulatorProcess
    browser: requests.Session
    dashboard_url: str
    upstream: requests.Session


def seed(emulator: EmulatorProcess, properties: int) -> None:
    """``properties`` properties in ``SHEETS`` sheets of one project; one in 97 is named
    ``...-database-...`` and one in 89 holds "database" in its value."""
    requests.post(
        emulator.api + "/projects", json={"projectName": PROJECT}, auth=ADMIN, timeout=30
    ).raise_for_status()
    per_sheet = max(1, properties // SHEETS)
    for k in range(SHEETS):
        r = requests.post(
            emulator.api + "/properties",
            json={"propertyName": f"sheet{k:03d}", "projectName": PROJECT, "propertyType": "sheet"},
            auth=ADMIN,
            timeout=30,
        )
        r.raise_for_status()
        sheet_id = int(r.json()["property"]["propertySheetId"])
        rows = [
            (
                sheet_id,
                f"key-{i:05d}" + ("-database-url" if i % 97 == 0 else ""),
                f"value {i} " + ("jdbc database host" if i % 89 == 0 else "x" * 30),
                "",
                "admin",
                STAMP,
                STAMP,
                "jenkins",
            )
            for i in range(per_sheet)
        ]
        with sqlite3.connect(emulator.db) as db:
            db.executemany(
                "INSERT INTO properties(sheet_id, name, value, description, owner, create_time,"
                " modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?,?)",
                rows,
            )


def direct_calls(sides: SearchSides) -> requests.Response:
    """The upstream calls of the first results page for ``TEXT``, made directly."""
    up, api = sides.upstream, sides.emulator.api
    listing = up.get(api + "/projects", timeout=60)
    listing.raise_for_status()
    plugins = tuple(
        p["projectName"] for p in listing.json().get("project", []) if p.get("pluginKey")
    )
    query = SearchQuery(TEXT, excluded=plugins, page_size=PAGE_SIZE)
    sort = [{"propertyName": "propertyName", "order": "ascending"}]
    page_body = {
        "objectType": "property",
        "filter": where_filters(query, MatchIn.BOTH),
        "sort": sort,
        "firstResult": 0,
        "maxIds": PAGE_SIZE + 1,
        "numObjects": PAGE_SIZE + 1,
    }
    exact = {"propertyName": "propertyName", "operator": "equals", "operand1": TEXT}
    exact_body = {
        **page_body,
        "filter": [exact, *place_filters(query)],
        "maxIds": EXACT_HITS,
        "numObjects": EXACT_HITS,
    }
    for body in (page_body, exact_body):
        r = up.put(api + "/objects", params={"request": "findObjects"}, json=body, timeout=60)
        r.raise_for_status()
    return r


def _timed(call: Callable[[], requests.Response]) -> float:
    started = time.perf_counter()
    call().raise_for_status()
    return time.perf_counter() - started


def paired(
    a: Callable[[], requests.Response],
    b: Callable[[], requests.Response],
    repeat: int,
    warmup: int,
) -> tuple[float, float]:
    """Medians of ``a`` and ``b``, run alternately so both see the same machine."""
    for _ in range(warmup):
        _timed(a)
        _timed(b)
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(_timed(a))
        tb.append(_timed(b))
    return statistics.median(ta), statistics.median(tb)


def figures(sides: SearchSides, properties: int, repeat: int, warmup: int) -> list[str]:
    """The search rows of the benchmark's table."""
    seed(sides.emulator, properties)
    url = f"{sides.dashboard_url}/search?q={TEXT}"

    def page() -> requests.Response:
        return sides.browser.get(url, headers={"HX-Request": ""}, timeout=60)

    dash_t, up_t = paired(page, lambda: direct_calls(sides), repeat, warmup)
    sides.emulator.reset_counts()
    body = page()
    calls = sum(sides.emulator.counts().values())
    hits = body.text.count("<tr") - 1
    return [
        f"| search ratio, {properties:,} properties | {dash_t / up_t:.2f} | results page "
        f"{dash_t * 1000:.1f} ms / its {calls} direct upstream calls {up_t * 1000:.1f} ms "
        f"(medians of {repeat}) |",
        f"| search results page bytes | {len(body.content):,} | first page, {hits} results |",
        f"| upstream calls per search page | {calls} | projects list, findObjects, exact name |",
    ]
