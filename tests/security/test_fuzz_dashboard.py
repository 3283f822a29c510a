"""Hypothesis through the dashboard (not only the emulator): 2,100 cases in all.

Invariants: never a 500; values round-trip exactly; output is escaped; the emulator never
receives a request outside the intended routes."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, dashboard_env


def fuzz(cases: int) -> settings:
    return settings(max_examples=cases, deadline=None, suppress_health_check=list(HealthCheck))


PROJECT = "fuzz-dashboard"
ALLOWED_ROUTES = {
    "GET /properties//{path}",
    "GET /properties",
    "POST /properties",
    "PUT /properties//{path}",
    "DELETE /properties//{path}",
    "GET /projects",
    "GET /artifactVersions/{artifactVersionName}",
    "GET /artifacts/{artifactName}",
    "POST /artifacts",
    "POST /artifactVersions",
    "GET /artifacts",
    "GET /repositories",
    "GET /artifactVersions",
    "POST /sessions",
}

texts = st.text(max_size=60)
nasty = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "$[/projects/Default/PythonProperty]",
        "$[",
        "{{7*7}}",
        "\x00\x07",
        "hx-get=/logout",
        "a\r\nb",
        "\t  indented\n\n",
        "é" * 300,
    ]
)
values = st.one_of(texts, nasty, st.text(max_size=2000))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmulatorProcess, Client]]:
    folder = tmp_path_factory.mktemp("fuzz")
    emu = EmulatorProcess(folder / "emu")
    requests.post(
        emu.api + "/projects", json={"projectName": PROJECT}, auth=("admin", "changeme"), timeout=10
    ).raise_for_status()
    dash = DashboardThread(dashboard_env(emu.base_url, folder / "sessions"))
    client = Client(dash)
    emu.reset_counts()  # the set-up's own calls are not the dashboard's
    yield emu, client
    dash.stop()
    emu.stop()


def _assert_routes(emu: EmulatorProcess) -> None:
    seen = emu.requests_seen()
    bad = [r for r in seen if r["route"] not in ALLOWED_ROUTES]
    assert not bad, bad[:3]
    emu.reset_counts()


@fuzz(700)
@given(name=st.one_of(texts, nasty), value=values, description=values)
def test_create_and_read_back(
    stack: tuple[EmulatorProcess, Client], name: str, value: str, description: str
) -> None:
    emu, client = stack
    r = client.hx(
        "POST",
        f"/new/projects/{PROJECT}/",
        {
            "kind": "value",
            "name": name,
            "value": value,
            "description": description,
            "expandable": "0",
        },
    )
    assert r.status_code in (200, 422), (r.status_code, r.text[:300])
    if r.status_code == 422:
        assert "Not created" in r.text
        return
    stored = name.strip()
    page = client.get(f"/browse/projects/{PROJECT}/" + quote(stored, safe=""))
    assert page.status_code == 200
    shown = re.search(r'<pre class="value">\n(.*?)</pre>', page.text, re.S)
    assert shown is not None
    expected = value.replace("\r\n", "\n")
    assert html.unescape(shown.group(1)) == expected
    upstream = requests.get(
        emu.api + "/properties//projects/" + quote(PROJECT) + "/" + quote(stored, safe=""),
        params={"expand": "0"},
        auth=("admin", "changeme"),
        timeout=10,
    ).json()["property"]
    assert upstream["value"] == expected
    assert upstream["description"] == description.replace("\r\n", "\n")
    for raw in ("<script>alert", "<img src=x"):
        assert raw not in page.text
    d = client.hx("POST", f"/delete/projects/{PROJECT}/" + quote(stored, safe=""))
    assert d.status_code == 200
    _assert_routes(emu)


@fuzz(600)
@given(
    q=st.one_of(texts, nasty),
    sort=texts,
    direction=texts,
    page=st.one_of(texts, st.integers(-5, 10**9).map(str)),
)
def test_sheet_query_strings(
    stack: tuple[EmulatorProcess, Client], q: str, sort: str, direction: str, page: str
) -> None:
    emu, client = stack
    r = client.http.get(
        client.dash.url + "/browse/projects/Default/",
        params={"q": q, "sort": sort, "dir": direction, "page": page},
        headers={"HX-Request": "true"},
        timeout=30,
    )
    assert r.status_code == 200, r.status_code
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    _assert_routes(emu)


@fuzz(500)
@given(
    segments=st.lists(
        st.one_of(
            texts,
            nasty,
            st.sampled_from(
                ["..", ".", "", "projects", "server", "%2F", "?x=1", "#f", "properties"]
            ),
        ),
        max_size=5,
    ),
    sheet=st.booleans(),
)
def test_paths_under_browse(
    stack: tuple[EmulatorProcess, Client], segments: list[str], sheet: bool
) -> None:
    emu, client = stack
    path = "/browse/" + "/".join(quote(s, safe="") for s in segments) + ("/" if sheet else "")
    r = client.http.get(client.dash.url + path, allow_redirects=False, timeout=30)
    assert r.status_code in (200, 303, 308, 404), (path, r.status_code)
    if r.status_code in (303, 308):  # 308: werkzeug merging doubled slashes
        target = urlsplit(r.headers["Location"])
        assert target.netloc in ("", urlsplit(client.dash.url).netloc), target
        assert target.path.startswith("/browse/")
    assert "<script>alert" not in r.text
    _assert_routes(emu)


@fuzz(300)
@given(
    group=st.one_of(texts, nasty),
    key=st.one_of(texts, nasty),
    version=st.one_of(
        texts, st.from_regex(r"\d{1,3}(\.\d{1,3}){0,2}(-[a-z]{1,4}(-\d{1,3})?)?", fullmatch=True)
    ),
    description=values,
    dependents=st.lists(texts, max_size=3),
)
def test_publish_fields(
    stack: tuple[EmulatorProcess, Client],
    group: str,
    key: str,
    version: str,
    description: str,
    dependents: list[str],
) -> None:
    emu, client = stack
    r = client.http.post(
        client.dash.url + "/artifacts/publish",
        data={
            "group_id": group,
            "artifact_key": key,
            "version": version,
            "description": description,
            "dependents": dependents,
        },
        headers={"HX-Request": "true", "X-CSRFToken": client.token},
        timeout=30,
    )
    assert r.status_code in (200, 422), (r.status_code, r.text[:300])
    assert "<script>alert" not in r.text
    _assert_routes(emu)
