"""The search page (``/search``): results across the seeded demo and a project of one's own,
go to path, the length limits, literal wildcards, escaping, plugin projects and a server
that can search names only. The dashboard runs in-process against the real emulator."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from html import unescape
from urllib.parse import urlencode, urlsplit

import pytest
from requests import Response

from tests.conftest import DashboardFactory
from tests.search.conftest import PlainerServer
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess

XSS_NAME = "<img src=x onerror=alert('n')>"  # a name cannot hold "/"
XSS_VALUE = "<img src=x onerror=alert('v')> and <script>alert('w')</script>"


@pytest.fixture
def web(dashboard: DashboardThread) -> Client:
    return Client(dashboard)


@pytest.fixture
def word() -> str:
    """A word no other test's data holds."""
    return "w" + uuid.uuid4().hex[:8]


def search(web: Client, params: dict[str, str], allow_redirects: bool = True) -> Response:
    """``/search`` with ``params`` in its query string."""
    return web.get("/search?" + urlencode(params), allow_redirects=allow_redirects)


def result_paths(html: str) -> list[str]:
    """The linked full paths of the results, in order."""
    rows = re.findall(r'<td class="result-path">(.*?)</td>', html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", r)).split(" ")[0].strip() for r in rows]


def test_every_page_has_the_search_box(web: Client) -> None:
    page = web.get("/browse/").text
    assert 'role="search"' in page and "data-site-search" in page
    assert 'action="/search"' in page and 'maxlength="200"' in page


def test_database_across_projects_links_each_result(web: Client) -> None:
    r = web.get("/search?q=database")
    assert r.status_code == 200
    paths = result_paths(r.text)
    for env in ("dev", "staging", "prod"):
        assert f"/projects/checkout-service/deploy/{env}/database" in paths
    assert 'href="/browse/projects/checkout-service/deploy/prod/database/"' in r.text
    assert 'href="/browse/projects/checkout-service/deploy/prod/"' in r.text
    assert re.search(r"\d+ results? for “database”", r.text)
    # Sheets named exactly "database" come first, marked as exact.
    first_row = r.text.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert 'class="exact"' in first_row and "<mark>database</mark>" in first_row


def test_match_in_names_values_or_both(emulator: EmulatorProcess, web: Client, word: str) -> None:
    project = emulator.new_project("pg", **{f"{word}Key": "plain", "other": f"has {word}"})
    both = result_paths(web.get(f"/search?q={word}").text)
    assert sorted(both) == [f"/projects/{project}/other", f"/projects/{project}/{word}Key"]
    names = result_paths(web.get(f"/search?q={word}&in=names").text)
    assert names == [f"/projects/{project}/{word}Key"]
    values = web.get(f"/search?q={word}&in=values").text
    assert result_paths(values) == [f"/projects/{project}/other"]
    assert f"has <mark>{word}</mark>" in values


def test_short_empty_and_long_queries(emulator: EmulatorProcess, web: Client) -> None:
    emulator.reset_counts()
    empty = web.get("/search?q=")
    assert empty.status_code == 200 and "Type at least 2 characters" in empty.text
    assert 'id="search-q"' in empty.text
    one = web.get("/search?q=a")
    assert one.status_code == 200 and "Type at least 2 characters" in one.text
    long = web.get("/search?q=" + "x" * 201)
    assert long.status_code == 422
    assert "200 characters at most (201 given)" in long.text
    assert not any("objects" in route for route in emulator.counts())


@pytest.mark.parametrize("text", ["%", "_", "["])
def test_wildcards_and_brackets_are_literal(
    emulator: EmulatorProcess, web: Client, word: str, text: str
) -> None:
    project = emulator.new_project("lit", hit=f"{word}{text}x", miss=f"{word}yx")
    r = search(web, {"q": f"{word}{text}", "in": "values"})
    assert result_paths(r.text) == [f"/projects/{project}/hit"]


def test_markup_in_names_values_and_highlights_stays_text(
    emulator: EmulatorProcess, web: Client, word: str
) -> None:
    project = emulator.new_project("xss")
    emulator.put_value(f"/projects/{project}/{word}{XSS_NAME}", f"{word} {XSS_VALUE}")
    for q in (word, "script", "<script>", "onerror"):
        page = search(web, {"q": q, "scope": f"/projects/{project}"}).text
        assert "<script>alert" not in page and "<img src=x" not in page, q
        assert "&lt;" in page
    marked = search(web, {"q": "script", "scope": f"/projects/{project}"}).text
    assert "&lt;<mark>script</mark>&gt;" in marked


def test_search_text_is_escaped_everywhere_it_is_shown(web: Client) -> None:
    q = '"><script>alert(1)</script>'
    page = search(web, {"q": q}).text
    assert "<script>alert(1)" not in page
    assert "&#34;&gt;&lt;script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("typed", "lands"),
    [
        ("/projects/payments-api/deploy/prod/brokenRef", "/deploy/prod/brokenRef"),
        ("projects/checkout-service/deploy/prod", "/deploy/prod/"),
        ("$[/projects/checkout-service/ci/version]", "/ci/version"),
        ("/projects/checkout-service", "/projects/checkout-service/"),
        ("/server/settings", "/browse/server/settings/"),
    ],
)
def test_a_pasted_path_goes_to_its_page(web: Client, typed: str, lands: str) -> None:
    r = search(web, {"q": typed}, allow_redirects=False)
    assert r.status_code == 303
    location = urlsplit(r.headers["Location"])
    assert location.netloc in ("", urlsplit(web.dash.url).netloc)
    assert location.path.startswith("/browse/") and location.path.endswith(lands)
    assert web.get(location.path).status_code == 200
    hx = web.get("/search?" + urlsplit(r.request.url or "").query, htmx=True)
    assert hx.status_code == 200 and hx.headers["HX-Redirect"] == r.headers["Location"]


def test_a_path_that_is_not_there_is_searched_as_text(web: Client) -> None:
    r = search(web, {"q": "/projects/checkout-service/nope"}, allow_redirects=False)
    assert r.status_code == 200
    assert "Nothing is at <code>/projects/checkout-service/nope</code>" in r.text


@pytest.mark.parametrize("typed", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_go_to_path_never_leaves_the_dashboard(web: Client, typed: str) -> None:
    r = search(web, {"q": typed}, allow_redirects=False)
    assert r.status_code == 200 and "Location" not in r.headers


def test_scope_limits_the_search_and_a_bad_scope_is_explained(
    emulator: EmulatorProcess, web: Client, word: str
) -> None:
    one = emulator.new_project("sc", a=word)
    two = emulator.new_project("sc", b=word)
    scoped = search(web, {"q": word, "scope": f"projects/{one}"}).text
    assert result_paths(scoped) == [f"/projects/{one}/a"]
    assert set(result_paths(search(web, {"q": word}).text)) == {
        f"/projects/{one}/a",
        f"/projects/{two}/b",
    }
    bad = search(web, {"q": word, "scope": "/nowhere/x"})
    assert bad.status_code == 422 and "This search cannot run" in bad.text


@pytest.fixture
def plugin_project(emulator: EmulatorProcess, word: str) -> Iterator[str]:
    """A project marked as a plugin's in the emulator's file (no API call makes one)."""
    name = emulator.new_project("plug", p=word)
    with sqlite3.connect(emulator.db) as db:
        db.execute("UPDATE projects SET plugin_key='EC-Test' WHERE name=?", (name,))
    yield name
    with sqlite3.connect(emulator.db) as db:
        db.execute("UPDATE projects SET plugin_key=NULL WHERE name=?", (name,))


def test_plugin_projects_only_when_asked(web: Client, plugin_project: str, word: str) -> None:
    assert result_paths(search(web, {"q": word}).text) == []
    asked = search(web, {"q": word, "plugins": "1"}).text
    assert result_paths(asked) == [f"/projects/{plugin_project}/p"]


def test_paging_keeps_the_options(emulator: EmulatorProcess, web: Client, word: str) -> None:
    emulator.new_project("pgn", **{f"{word}{i:02d}": "v" for i in range(55)})
    first = search(web, {"q": word, "in": "names", "sort": "modified"}).text
    assert len(result_paths(first)) == 50 and "55 results" in first
    link = re.search(r'<a href="([^"]+)" rel="next"', first)
    assert link is not None
    nxt = unescape(link.group(1))
    assert "in=names" in nxt and "sort=modified" in nxt and "page=2" in nxt
    assert len(result_paths(web.get(nxt).text)) == 5


def test_a_server_that_searches_names_only(
    emulator: EmulatorProcess, make_dashboard: DashboardFactory, plainer: PlainerServer, word: str
) -> None:
    project = emulator.new_project("no", **{f"{word}N": "v", "x": word})
    dash = make_dashboard(plainer)
    page = search(Client(dash), {"q": word}).text
    assert "This server can search names only" in page
    assert "cannot be linked" in page and "More results" not in page
    assert f"<mark>{word}</mark>N" in page and project not in page
