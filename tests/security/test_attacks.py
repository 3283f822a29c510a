"""Hostile requests against the dashboard: each attack is a test (others live beside the
features they attack: tests/web/test_login.py, tests/deploy/test_proxy.py)."""

from __future__ import annotations

import html
import socket
import uuid

import pytest
import requests

from tests.conftest import DashboardFactory
from tests.support.client import Client, fields
from tests.support.servers import DashboardThread, EmulatorProcess, csrf_from, login


@pytest.mark.parametrize(
    "payload,expected",
    [
        ("/%09/evil.example", "/%09/evil.example"),  # an encoded tab stays a local path
        ("\\/\\/evil.example", "/"),
        ("/\r\n/evil.example", "/"),
        ("//evil.example/%2F..", "/"),
        ("/\\/evil.example", "/"),
        (" //evil.example", "/"),
    ],
)
def test_more_open_redirect_payloads(
    dashboard: DashboardThread, payload: str, expected: str
) -> None:
    http = requests.Session()
    r = login(http, dashboard.url, next_path=payload)
    assert r.status_code == 303 and r.headers["Location"] == expected


def test_crlf_never_reaches_a_header(dashboard: DashboardThread) -> None:
    raw = (
        b"GET /login?next=/x%0d%0aSet-Cookie:%20evil=1 HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\nX-Request-ID: abc\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", dashboard.port), timeout=10) as s:
        s.sendall(raw)
        answer = s.recv(65536).decode("latin-1")
    head = answer.split("\r\n\r\n", 1)[0]
    assert "evil=1" not in head
    http = requests.Session()
    r = login(http, dashboard.url, next_path="/x\r\nSet-Cookie: evil=1")
    assert r.headers["Location"] == "/" and "evil" not in str(r.headers)
    r = http.get(dashboard.url + "/browse/", headers={"X-Request-ID": "a\tb"}, timeout=10)
    assert r.headers["X-Request-ID"] != "a\tb"


def test_stored_xss_in_artifact_fields_and_file_names(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    client = Client(dashboard)
    key = f"xss-{uuid.uuid4().hex[:6]}"
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    r = client.http.post(
        dashboard.url + "/artifacts/publish",
        data={"group_id": "com.test", "artifact_key": key, "version": "1.0", "description": evil},
        files=[("files", ("<img src=x onerror=alert(3)>.txt", b"x"))],
        headers={"HX-Request": "true", "X-CSRFToken": client.token},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    for page in (
        client.get(f"/artifacts/com.test:{key}").text,
        client.get(f"/artifacts/com.test:{key}:1.0").text,
        client.get("/artifacts").text,
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
    version_page = client.get(f"/artifacts/com.test:{key}:1.0").text
    assert "&lt;img src=x onerror=alert(3)&gt;.txt" in version_page


def test_path_injection_never_leaves_the_intended_route(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    client = Client(dashboard)
    emulator.reset_counts()
    attempts = [
        "/browse/projects/..%2F..%2Fsessions/x",
        "/browse/projects/Default/%2E%2E/%2E%2E/sessions",
        "/browse/projects/Default/x%3Frequest%3DdeleteProperty",
        "/browse/projects/http:%2F%2Fevil.example%2F/x",
        "/browse/projects/Default%23frag/x",
        "/browse/server/%2F..%2F..%2Fprojects",
    ]
    for path in attempts:
        r = client.get(path)
        assert r.status_code in (200, 303, 404), (path, r.status_code)
    seen = emulator.requests_seen()
    assert seen
    for request in seen:
        assert request["route"] in ("GET /properties//{path}", "GET /properties"), request
        assert request["path"].startswith("/rest/v1.0/properties")
        assert "request=" not in request["query"]


def test_read_only_user_cannot_write_through_any_route(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("ro", keep="v")
    viewer = Client(dashboard, "viewer", "viewer")
    base = f"projects/{project}/"
    edit = fields(viewer.hx("GET", f"/edit/{base}keep?ctx=row").text)
    crafted = [
        ("POST", f"/edit/{base}keep", {**edit, "value": "changed"}),
        ("POST", f"/edit/{base}keep", {**edit, "value": "forced", "force": "1"}),
        ("POST", f"/new/{base}", {"kind": "value", "name": "new", "value": "x"}),
        ("POST", f"/new/{base}", {"kind": "sheet", "name": "newsheet"}),
        ("POST", f"/delete/{base}keep", None),
        ("POST", f"/delete/{base}", None),
        ("DELETE", f"/browse/{base}keep", None),
        ("POST", f"/browse/{base}keep", {**edit, "value": "old route"}),
        (
            "POST",
            "/artifacts/publish",
            {"group_id": "g", "artifact_key": f"k{project}", "version": "1"},
        ),
    ]
    for method, path, data in crafted:
        r = viewer.hx(method, path, data)
        assert r.status_code in (403, 405, 422), (method, path, r.status_code)
    assert emulator.value(f"/projects/{project}/keep") == "v"
    sheet = requests.get(
        emulator.api + "/properties",
        params={"path": f"/projects/{project}"},
        auth=("admin", "changeme"),
        timeout=10,
    ).json()["propertySheet"]
    assert [p["propertyName"] for p in sheet["property"]] == ["keep"]
    r = requests.get(
        emulator.api + f"/artifacts/g:k{project}", auth=("admin", "changeme"), timeout=10
    )
    assert r.status_code == 404


def test_brute_force_hits_the_rate_limit(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(PROPDESK_LOGIN_RATE_LIMIT="5 per minute")
    http = requests.Session()
    codes = [login(http, dash.url, "admin", f"guess-{i}").status_code for i in range(8)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    # even the right password is refused while the limit holds: no oracle
    assert login(http, dash.url, "admin", "changeme").status_code == 429


def test_error_pages_escape_what_they_echo(dashboard: DashboardThread) -> None:
    client = Client(dashboard)
    r = client.get("/browse/projects/%3Cscript%3Ealert(1)%3C%2Fscript%3E/")
    assert r.status_code == 404 and "<script>alert(1)</script>" not in r.text
    assert "alert(1)" in html.unescape(r.text)
    assert csrf_from(client.get("/browse/").text)
