"""References: the client's rule (``app.cloudbees.references``) against the emulator's own
expansion, references as links on a property's page, following them, and "where used"."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
import requests

from app.cloudbees import CloudBeesClient, NotFound, PropertyPath, ValidationError
from app.cloudbees.references import candidates, pieces, resolve
from tests.conftest import DashboardFactory
from tests.search.conftest import PlainerServer
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess

Make = Callable[[str, str | None], None]


@pytest.fixture
def project(emulator: EmulatorProcess, admin: requests.Session) -> str:
    """A tree with names repeated at several levels (``None``: a sheet)::

    x=top-x  y=top-y  a/ x=mid-x  a/c/ z=cz  a/b/ x/ (a sheet)  a/b/ref...
    """
    name = emulator.new_project("refs")

    def make(path: str, value: str | None) -> None:
        body: dict[str, str] = {"propertyName": path, "projectName": name}
        body.update({"propertyType": "sheet"} if value is None else {"value": value})
        r = admin.post(emulator.api + "/properties", json=body, timeout=10)
        assert r.status_code == 200, r.text

    for path, value in [
        ("x", "top-x"),
        ("y", "top-y"),
        ("a", None),
        ("a/x", "mid-x"),
        ("a/c", None),
        ("a/c/z", "cz"),
        ("a/b", None),
        ("a/b/x", None),
        ("a/b2", None),
        ("a/b2/x", "shadow"),
    ]:
        make(path, value)
    return name


REFS = ["x", "y", "a/x", "c/z", "/projects/{p}/y", "/projects/{p}/a/c/z"]


@pytest.mark.parametrize("ref", REFS)
def test_the_rule_finds_what_the_emulator_expands(
    emulator: EmulatorProcess, cd: CloudBeesClient, project: str, ref: str
) -> None:
    ref = ref.format(p=project)
    referrer = f"/projects/{project}/a/b/ref"
    emulator.put_value(referrer, f"$[{ref}]")
    expanded = cd.properties.get(PropertyPath.parse(referrer), expand=True).value
    target = resolve(cd.properties, PropertyPath.parse(referrer), ref)
    assert target is not None
    assert cd.properties.get(target).value == expanded


def test_a_reference_the_emulator_cannot_expand_resolves_nowhere(
    emulator: EmulatorProcess, cd: CloudBeesClient, project: str
) -> None:
    referrer = PropertyPath.parse(f"/projects/{project}/a/b/ref")
    emulator.put_value(str(referrer), "$[nothing]")
    with pytest.raises(NotFound, match="nothing"):
        cd.properties.get(referrer, expand=True)
    assert resolve(cd.properties, referrer, "nothing") is None


def test_candidates_go_outwards_to_the_owner() -> None:
    referrer = PropertyPath.project("P", "a", "b", "ref")
    assert [str(c) for c in candidates(referrer, "x/y")] == [
        "/projects/P/a/b/x/y",
        "/projects/P/a/x/y",
        "/projects/P/x/y",
    ]
    assert [str(c) for c in candidates(referrer, "/server/s")] == ["/server/s"]
    for bad in ("/projects/P", "..", "/nowhere/x"):
        with pytest.raises(ValidationError):
            candidates(referrer, bad)


def test_pieces_keep_every_character() -> None:
    value = "a $[x] b $[/server/y]$[z]c $[ $[w] ]"
    assert "".join(p.text for p in pieces(value)) == value
    assert [p.ref for p in pieces(value) if p.ref] == ["x", "/server/y", "z", "w"]


@pytest.fixture
def web(dashboard: DashboardThread) -> Client:
    return Client(dashboard)


def test_references_are_links_on_a_property_page(
    emulator: EmulatorProcess, web: Client, project: str
) -> None:
    path = f"/projects/{project}/a/b/ref"
    raw = f"<b>$[x]</b> and $[/projects/{project}/y] and $[$bad], $[x] again"
    emulator.put_value(path, raw)
    page = web.get("/browse" + path).text
    value = re.search(r'<pre class="value">\n(.*?)</pre>', page, re.S)
    assert value is not None and unescape(value.group(1)) == raw  # the value stays whole
    follow = re.search(r'<p class="references">(.*?)</p>', page, re.S)
    assert follow is not None
    links = re.findall(r'<a class="reference" href="([^"]+)">([^<]+)</a>', follow.group(1))
    assert links == [
        (f"/ref/projects/{project}/a/b/ref?to=x", "$[x]"),
        (f"/browse/projects/{project}/y", f"$[/projects/{project}/y]"),
        (f"/ref/projects/{project}/a/b/ref?to=$bad", "$[$bad]"),
    ]
    assert "&lt;b&gt;" in value.group(1) and "<b>" not in page
    followed = web.get(f"/ref/projects/{project}/a/b/ref?to=x", allow_redirects=False)
    assert followed.status_code == 303
    assert followed.headers["Location"].endswith(f"/browse/projects/{project}/a/x")
    nowhere = web.get(f"/ref/projects/{project}/a/b/ref?to=%24bad")
    assert nowhere.status_code == 404 and "$[$bad] names no property" in nowhere.text


def test_where_used_lists_what_leads_here(
    emulator: EmulatorProcess, web: Client, project: str
) -> None:
    target = f"/projects/{project}/a/x"
    emulator.put_value(f"/projects/{project}/a/b/abs", f"uses $[{target}]")
    emulator.put_value(f"/projects/{project}/a/c/rel", "uses $[x]")  # a/c has no x: a/x
    emulator.put_value(f"/projects/{project}/a/b2/shadowed", "uses $[x]")  # a/b2/x wins
    emulator.put_value(f"/projects/{project}/top", "uses $[x]")  # from the root: /x
    page = web.get("/browse" + target).text
    assert 'hx-get="/where-used/projects/' in page and 'hx-trigger="load"' in page
    used = web.get(f"/where-used{target}", htmx=True).text
    listed = re.findall(r'<li><a href="([^"]+)">', used)
    assert sorted(listed) == [
        f"/browse/projects/{project}/a/b/abs",
        f"/browse/projects/{project}/a/c/rel",
    ]
    unused = web.get(f"/where-used/projects/{project}/y", htmx=True).text
    assert "No value references this property" in unused


def test_where_used_where_values_cannot_be_searched(
    emulator: EmulatorProcess,
    make_dashboard: DashboardFactory,
    plainer: PlainerServer,
    project: str,
) -> None:
    page = Client(make_dashboard(plainer)).get(f"/where-used/projects/{project}/y", htmx=True)
    assert page.status_code == 200
    assert "This server can search names only" in page.text
