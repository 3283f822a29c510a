"""The search service (``app.cloudbees.search``) against the emulator over real HTTP, and
against a plainer server (no value filters, no ``path``, no ``totalCount``)."""

from __future__ import annotations

import uuid

import pytest
import requests

from app.cloudbees import CloudBeesClient, PropertyPath
from app.cloudbees.search import MatchIn, SearchQuery, SortBy, ValuesNotSearchable, contains
from tests.support.servers import EmulatorProcess


def make_project(emulator: EmulatorProcess, admin: requests.Session, **values: str) -> str:
    """A project with ``sheet`` (a sheet) and the given ``name=value`` properties in it."""
    name = emulator.new_project("srch")
    r = admin.post(
        emulator.api + "/properties",
        json={"propertyName": "sheet", "projectName": name, "propertyType": "sheet"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    for key, value in values.items():
        emulator.put_value(f"/projects/{name}/sheet/{key}", value)
    return name


@pytest.fixture
def token() -> str:
    """A word no other test's data holds."""
    return "tok" + uuid.uuid4().hex[:8]


def test_search_finds_names_and_values_with_paths(
    emulator: EmulatorProcess, admin: requests.Session, cd: CloudBeesClient, token: str
) -> None:
    project = make_project(
        emulator, admin, **{f"{token}Url": "x", "other": f"uses {token} here", "none": "nothing"}
    )
    page = cd.search.search(SearchQuery(token))
    found = {h.prop.name: h.path for h in page.hits}
    assert found == {
        f"{token}Url": PropertyPath.project(project, "sheet", f"{token}Url"),
        "other": PropertyPath.project(project, "sheet", "other"),
    }
    assert page.total == 2 and not page.has_more and not page.names_only
    names_only = cd.search.search(SearchQuery(token, match=MatchIn.NAMES))
    assert [h.prop.name for h in names_only.hits] == [f"{token}Url"]
    values_only = cd.search.search(SearchQuery(token, match=MatchIn.VALUES))
    assert [h.prop.name for h in values_only.hits] == ["other"]


def test_exact_name_hits_come_first_on_the_first_page(
    emulator: EmulatorProcess, admin: requests.Session, cd: CloudBeesClient, token: str
) -> None:
    make_project(emulator, admin, **{f"a{token}": "1", token: "2", f"b{token}": "3"})
    page = cd.search.search(SearchQuery(token, sort=SortBy.NAME))
    assert [h.prop.name for h in page.hits] == [token, f"a{token}", f"b{token}"]
    assert [h.exact for h in page.hits] == [True, False, False]


@pytest.mark.parametrize("text", ["100%", "a_b", "[x]"])
def test_wildcards_and_brackets_are_searched_literally(
    emulator: EmulatorProcess, admin: requests.Session, cd: CloudBeesClient, text: str
) -> None:
    project = make_project(emulator, admin, hit=f"~{text}~", miss="100 a-b x")
    scope = PropertyPath.project(project)
    page = cd.search.search(SearchQuery(text, match=MatchIn.VALUES, scope=scope))
    assert [h.prop.name for h in page.hits] == ["hit"]


def test_scope_and_left_out_projects(
    emulator: EmulatorProcess, admin: requests.Session, cd: CloudBeesClient, token: str
) -> None:
    one = make_project(emulator, admin, a=token)
    two = make_project(emulator, admin, b=token)
    scoped = cd.search.search(SearchQuery(token, scope=PropertyPath.project(one, "sheet")))
    assert [h.prop.name for h in scoped.hits] == ["a"]
    without = cd.search.search(SearchQuery(token, excluded=(one,)))
    assert [str(h.path) for h in without.hits] == [f"/projects/{two}/sheet/b"]


def test_paging_by_total(
    emulator: EmulatorProcess, admin: requests.Session, cd: CloudBeesClient, token: str
) -> None:
    make_project(emulator, admin, **{f"k{i}": token for i in range(5)})
    first = cd.search.search(SearchQuery(token, page_size=2))
    last = cd.search.search(SearchQuery(token, page_size=2, page=3))
    assert [h.prop.name for h in first.hits] == ["k0", "k1"]
    assert first.total == 5 and first.has_more
    assert [h.prop.name for h in last.hits] == ["k4"] and not last.has_more


def test_a_server_that_cannot_search_values(
    emulator: EmulatorProcess, admin: requests.Session, plain_cd: CloudBeesClient, token: str
) -> None:
    make_project(emulator, admin, **{f"{token}Name": "v", "x": token})
    with pytest.raises(ValuesNotSearchable):
        plain_cd.search.find([contains("value", token)], sort=SortBy.NAME, first=0, count=5)
    page = plain_cd.search.search(SearchQuery(token))
    assert page.names_only
    assert [h.prop.name for h in page.hits] == [f"{token}Name"]


def test_without_path_and_total_pages_by_one_more(
    emulator: EmulatorProcess, admin: requests.Session, plain_cd: CloudBeesClient, token: str
) -> None:
    make_project(emulator, admin, **{f"{token}{i}": "v" for i in range(3)})
    first = plain_cd.search.search(SearchQuery(token, match=MatchIn.NAMES, page_size=2))
    assert first.total is None and first.has_more
    assert first.paths_missing and all(h.path is None for h in first.hits)
    last = plain_cd.search.search(SearchQuery(token, match=MatchIn.NAMES, page_size=2, page=2))
    assert len(last.hits) == 1 and not last.has_more
