"""The sheet tree's levels (``/tree/...``): one upstream call each, sheets only, names
escaped, and a page (not a fragment) for a browser that opens the URL itself."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess

TREE = {"X-Tree": "1"}


@pytest.fixture
def web(dashboard: DashboardThread) -> Client:
    return Client(dashboard)


def level(web: Client, path: str) -> requests.Response:
    return web.http.get(web.dash.url + path, headers=TREE, timeout=30, allow_redirects=False)


def items(html: str) -> list[tuple[str, str]]:
    """(link, name) of each tree item."""
    return re.findall(r'<li role="treeitem"><a href="([^"]+)">([^<]*)</a></li>', html)


def test_the_roots_are_the_server_and_the_projects(emulator: EmulatorProcess, web: Client) -> None:
    emulator.reset_counts()
    found = items(level(web, "/tree/").text)
    assert sum(emulator.counts().values()) == 1
    assert found[0] == ("/browse/server/", "server")
    names = [name for _, name in found]
    assert "checkout-service" in names and "EC-Kubernetes-1.2.3" not in names


def test_a_level_lists_sub_sheets_only(emulator: EmulatorProcess, web: Client) -> None:
    emulator.reset_counts()
    r = level(web, "/tree/projects/checkout-service/")
    assert sum(emulator.counts().values()) == 1
    assert items(r.text) == [
        ("/browse/projects/checkout-service/ci/", "ci"),
        ("/browse/projects/checkout-service/deploy/", "deploy"),
    ]
    deep = level(web, "/tree/projects/checkout-service/deploy/prod/")
    assert items(deep.text) == [
        ("/browse/projects/checkout-service/deploy/prod/database/", "database")
    ]
    assert items(level(web, "/tree/projects/checkout-service/deploy/prod/database/").text) == []


def test_markup_in_a_sheet_name_stays_text(
    emulator: EmulatorProcess, web: Client, admin: requests.Session
) -> None:
    project = emulator.new_project("tree")
    admin.post(
        emulator.api + "/properties",
        json={"propertyName": "<img src=x>", "projectName": project, "propertyType": "sheet"},
        timeout=10,
    ).raise_for_status()
    html = level(web, f"/tree/projects/{project}/").text
    assert "<img" not in html and "&lt;img src=x&gt;" in html


def test_a_browser_opening_a_level_gets_the_sheet(web: Client) -> None:
    r = web.get("/tree/projects/checkout-service/", allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/browse/projects/checkout-service/")
    assert web.get("/tree/", allow_redirects=False).headers["Location"].endswith("/browse/")


def test_the_sheet_page_carries_the_tree(web: Client) -> None:
    page = web.get("/browse/projects/checkout-service/").text
    assert '<ul role="tree" id="sheet-tree" aria-label="Sheets" data-tree>' in page
    assert 'data-tree-src="/tree/"' in page and "/static/tree.js" in page
