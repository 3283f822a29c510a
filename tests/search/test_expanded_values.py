"""The sheet table's raw / expanded switch (``values=expanded`` in the URL): one upstream
call for an expanded page; when one broken reference fails the server's expanded read, raw
values with only the rows holding ``$[`` expanded one by one (at most 25) and the broken
ones flagged. Over real HTTP against the emulator, calls counted by its request log."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from app.cloudbees.expanded_sheet import MAX_ONE_BY_ONE
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


@pytest.fixture
def web(dashboard: DashboardThread) -> Client:
    return Client(dashboard)


def calls(emulator: EmulatorProcess) -> list[dict[str, Any]]:
    """The REST calls the emulator answered since its log was reset."""
    return [r for r in emulator.requests_seen() if "/rest/" in r["path"]]


def value_cells(page: str) -> dict[str, str]:
    """Each row's name and the HTML of its value cell."""
    rows = re.findall(r'<tr data-row="([^"]+)"[^>]*>.*?<td class="value">(.*?)</td>', page, re.S)
    return {html.unescape(name): cell for name, cell in rows}


def shown(cell: str) -> str:
    """The value text a value cell shows."""
    found = re.search(r"<code>(.*?)</code>", cell, re.S)
    assert found, cell
    return html.unescape(found.group(1))


def test_expanded_values_cost_one_call(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("exp", a="1", rel="$[a]-x", plain="text")
    emulator.put_value(f"/projects/{project}/abs", f"$[/projects/{project}/a]!")
    sheet = f"/browse/projects/{project}/"
    emulator.reset_counts()
    raw = web.get(sheet)
    assert len(calls(emulator)) == 1
    assert shown(value_cells(raw.text)["rel"]) == "$[a]-x"
    emulator.reset_counts()
    page = web.get(sheet + "?values=expanded")
    assert page.status_code == 200
    assert len(calls(emulator)) == 1, calls(emulator)
    cells = value_cells(page.text)
    assert shown(cells["rel"]) == "1-x" and shown(cells["abs"]) == "1!"
    assert shown(cells["plain"]) == "text"
    assert "data-expanded-one-by-one" not in page.text


def test_the_switch_stays_in_every_link(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("links", a="1")
    sheet = f"/browse/projects/{project}/"
    page = web.get(sheet + "?values=expanded&sort=modified&dir=desc").text
    assert f'href="{sheet}?sort=modified&amp;dir=desc"' in page  # back to raw, view kept
    name_sort = re.search(r'<th><a href="([^"]*)"[^>]*>Name', page)
    assert name_sort and name_sort.group(1) == f"{sheet}?values=expanded"
    assert '<input type="hidden" name="values" value="expanded">' in page  # the filter's
    raw = web.get(sheet).text
    assert f'href="{sheet}?values=expanded"' in raw
    assert 'name="values"' not in raw


def test_a_broken_reference_expands_rows_one_by_one(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("broken", a="1", rel="$[a]-x", plain="text")
    emulator.put_value(f"/projects/{project}/bad", f"$[/projects/{project}/nope] <b>")
    emulator.reset_counts()
    page = web.get(f"/browse/projects/{project}/?values=expanded")
    assert page.status_code == 200
    seen = calls(emulator)
    # The failed expanded read, the raw read, one read for each of the 2 rows with "$[".
    assert len(seen) == 4, seen
    assert (
        "data-expanded-one-by-one" in page.text
        and "1 of them holds a broken reference" in page.text
    )
    cells = value_cells(page.text)
    assert shown(cells["rel"]) == "1-x"
    assert shown(cells["plain"]) == "text"
    assert shown(cells["bad"]) == f"$[/projects/{project}/nope] <b>"
    assert "&lt;b&gt;" in cells["bad"] and 'class="badge warn"' in cells["bad"]
    assert "broken reference" in cells["bad"] and "nope" in cells["bad"]  # its message
    assert "broken reference" not in cells["rel"]


def test_one_by_one_is_bounded(web: Client, emulator: EmulatorProcess) -> None:
    refs = {f"r{i:02}": "$[a]" for i in range(MAX_ONE_BY_ONE + 5)}
    project = emulator.new_project("bound", a="1", **refs)
    emulator.put_value(f"/projects/{project}/bad", "$[nope]")
    emulator.reset_counts()
    page = web.get(f"/browse/projects/{project}/?values=expanded")
    assert len(calls(emulator)) == 2 + MAX_ONE_BY_ONE
    cells = value_cells(page.text)
    expanded = [name for name, cell in cells.items() if shown(cell) == "1" and name != "a"]
    assert len(expanded) == MAX_ONE_BY_ONE - 1  # "bad" sorts first and is one of them
    assert "broken reference" in cells["bad"]
    left = [name for name, cell in cells.items() if "Not expanded" in cell]
    assert len(left) == 6 and all(shown(cells[name]) == "$[a]" for name in left)


def test_the_demo_flags_its_broken_reference(web: Client) -> None:
    page = web.get("/browse/projects/payments-api/deploy/prod/?values=expanded")
    assert page.status_code == 200
    cells = value_cells(page.text)
    assert "broken reference" in cells["brokenRef"]
    assert all("broken reference" not in c for n, c in cells.items() if n != "brokenRef")


def test_an_expanded_value_stays_text(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("xss", a="<script>alert(1)</script>", ref="$[a]")
    page = web.get(f"/browse/projects/{project}/?values=expanded").text
    cell = value_cells(page)["ref"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cell and "<script>" not in cell


def test_a_missing_sheet_is_still_missing(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("gone")
    page = web.get(f"/browse/projects/{project}/nothing/?values=expanded")
    assert page.status_code == 404


def test_htmx_gets_the_table_with_the_switch(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("hx", a="1", rel="$[a]")
    table = web.get(f"/browse/projects/{project}/?values=expanded&q=rel", htmx=True).text
    assert table.lstrip().startswith('<div id="sheet-table">')
    assert shown(value_cells(table)["rel"]) == "1"
    assert '<strong aria-current="true">expanded</strong>' in table


def test_the_filter_matches_expanded_values(web: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("filter", a="one", rel="$[a]-x", other="$[a]")
    sheet = f"/browse/projects/{project}/"
    found = value_cells(web.get(sheet + "?values=expanded&q=one-x").text)
    assert list(found) == ["rel"] and shown(found["rel"]) == "one-x"
    assert value_cells(web.get(sheet + "?q=one-x").text) == {}  # raw: "$[a]-x"
