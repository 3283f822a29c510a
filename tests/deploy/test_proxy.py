"""Behind a reverse proxy with SSO: path prefix, trusted identity header, trusted hosts."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.client import HTTPConnection

import pytest
import requests

from tests.conftest import DashboardFactory
from tests.deploy.conftest import GunicornFactory
from tests.support.servers import DashboardProcess, DashboardThread, csrf_from

PREFIX = {
    "X-Forwarded-Prefix": "/propdesk",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "tools.example.com",
    "X-Forwarded-For": "10.1.2.3",
    # Over https Flask-WTF also checks the referrer is this site (browsers send it
    # under Referrer-Policy: same-origin).
    "Referer": "https://tools.example.com/propdesk/login",
}


@pytest.fixture
def proxied(make_dashboard: DashboardFactory) -> DashboardThread:
    return make_dashboard(
        PROPDESK_PROXY_COUNT="1",
        PROPDESK_TRUSTED_PROXIES="127.0.0.1/32",
        PROPDESK_COOKIE_SECURE="1",
    )


@dataclass
class PrefixedLogin:
    """A browser logged in through the proxy prefix, and the answer to its login form."""

    http: requests.Session
    answer: requests.Response


def prefixed_login(dash: DashboardThread, next_path: str = "") -> PrefixedLogin:
    http = requests.Session()
    http.headers.update(PREFIX)
    page = http.get(dash.url + "/login", timeout=10)
    cookie = page.headers["Set-Cookie"]
    # The cookie is Secure (the proxy says https), so requests would not send it back over
    # the test's plain http: carry it by hand, as the browser would over https.
    sid = re.match(r"([^=]+)=([^;]+)", cookie)
    assert sid
    http.headers["Cookie"] = f"{sid.group(1)}={sid.group(2)}"
    r = http.post(
        dash.url + "/login",
        data={
            "username": "admin",
            "password": "changeme",
            "csrf_token": csrf_from(page.text),
            "next": next_path,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303, r.text
    # The login also sets the device cookie (login limits); take the session's own.
    new = re.search(r"(__Secure-propdesk)=([^;]+)", r.headers["Set-Cookie"])
    assert new
    http.headers["Cookie"] = f"{new.group(1)}={new.group(2)}"
    return PrefixedLogin(http, r)


def test_prefix_kept_in_links_redirects_htmx_static_and_cookie(proxied: DashboardThread) -> None:
    anonymous = requests.get(
        proxied.url + "/browse/", headers=PREFIX, allow_redirects=False, timeout=10
    )
    assert anonymous.headers["Location"] == "/propdesk/login?next=/browse/"
    page = requests.get(proxied.url + "/login", headers=PREFIX, timeout=10)
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Secure-propdesk=") and "Path=/propdesk" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert 'action="/propdesk/login"' in page.text
    assert 'src="/propdesk/static/vendor/htmx/htmx-2.0.11.min.js"' in page.text
    logged_in = prefixed_login(proxied, "/browse/projects/checkout-service/")
    assert logged_in.answer.headers["Location"] == "/propdesk/browse/projects/checkout-service/"
    http = logged_in.http
    sheet = http.get(proxied.url + "/browse/projects/checkout-service/", timeout=10).text
    assert 'href="/propdesk/browse/projects/checkout-service/ci/"' in sheet
    assert 'hx-get="/propdesk/new/projects/checkout-service/?kind=value"' in sheet
    assert 'action="/propdesk/logout"' in sheet
    hrefs = re.findall(r'(?:href|src|action|hx-get|hx-post|hx-delete)="([^"]+)"', sheet)
    assert hrefs and all(h.startswith("/propdesk/") for h in hrefs), hrefs
    hx = http.get(
        proxied.url + "/", headers={"HX-Request": "true"}, timeout=10, allow_redirects=False
    )
    assert hx.headers["HX-Redirect"] == "/propdesk/browse/"


@pytest.mark.parametrize(
    "payload",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/propdesk//evil.example",
        "\t//evil.example",
    ],
)
def test_open_redirects_under_the_prefix(proxied: DashboardThread, payload: str) -> None:
    location = prefixed_login(proxied, payload).answer.headers["Location"]
    assert location.startswith("/propdesk/") and not location.startswith("/propdesk//")


def test_proxy_headers_ignored_without_proxy_count(dashboard: DashboardThread) -> None:
    r = requests.get(dashboard.url + "/browse/", headers=PREFIX, allow_redirects=False, timeout=10)
    assert r.headers["Location"] == "/login?next=/browse/"


def test_trusted_hosts(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(PROPDESK_TRUSTED_HOSTS="127.0.0.1,tools.example.com")
    assert requests.get(dash.url + "/login", timeout=10).status_code == 200
    evil = requests.get(dash.url + "/login", headers={"Host": "evil.example"}, timeout=10)
    assert evil.status_code == 400


# -- the trusted identity header, under gunicorn as shipped --------------------------------
@pytest.fixture
def sso_site(make_gunicorn: GunicornFactory) -> DashboardProcess:
    return make_gunicorn(
        PROPDESK_TRUSTED_USER_HEADER="X-Auth-Request-User",
        PROPDESK_TRUSTED_PROXIES="127.0.0.1/32",
        WEB_CONCURRENCY="1",
    )


def test_sso_user_from_trusted_peer(sso_site: DashboardProcess) -> None:
    sso = {"X-Auth-Request-User": "alice"}
    page = requests.get(sso_site.url + "/login", headers=sso, timeout=10)
    assert "SSO: alice" in page.text
    assert re.search(r'<input id="username"[^>]*value="alice"', page.text)
    http = requests.Session()
    http.headers.update(sso)
    page = http.get(sso_site.url + "/login", timeout=10)
    http.post(
        sso_site.url + "/login",
        data={"username": "admin", "password": "changeme", "csrf_token": csrf_from(page.text)},
        timeout=10,
    )
    browse = http.get(sso_site.url + "/browse/projects/Default/", timeout=10)
    assert "(SSO: alice)" in browse.text
    token = csrf_from(browse.text)
    made = http.post(
        sso_site.url + "/new/projects/Default/",
        data={"kind": "value", "name": f"sso-{token[:6]}", "value": "x"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
        timeout=10,
    )
    assert made.status_code == 200
    log = sso_site.log_path.read_text()
    changes = [
        json.loads(line)
        for line in log.splitlines()
        if line.startswith("{") and '"event": "property.created"' in line
    ]
    assert changes and changes[0]["sso_user"] == "alice" and changes[0]["user"] == "admin"
    # A different SSO user on the same session ends it.
    http.headers["X-Auth-Request-User"] = "mallory"
    r = http.get(sso_site.url + "/browse/", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and "/login" in r.headers["Location"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X_Auth_Request_User": "alice"},
        [("X-Auth-Request-User", "alice"), ("X-Auth-Request-User", "mallory")],
    ],
)
def test_spoofed_identity_headers_are_ignored(
    sso_site: DashboardProcess, headers: dict[str, str] | list[tuple[str, str]]
) -> None:
    conn = HTTPConnection("127.0.0.1", sso_site.port, timeout=10)
    conn.putrequest("GET", "/login")
    items = headers.items() if isinstance(headers, dict) else headers
    for name, value in items:
        conn.putheader(name, value)
    conn.endheaders()
    body = conn.getresponse().read().decode()
    assert "SSO:" not in body and 'value="alice"' not in body


def test_identity_header_from_untrusted_peer_is_ignored(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(
        PROPDESK_TRUSTED_USER_HEADER="X-Auth-Request-User", PROPDESK_TRUSTED_PROXIES="10.0.0.0/8"
    )
    page = requests.get(dash.url + "/login", headers={"X-Auth-Request-User": "alice"}, timeout=10)
    assert "SSO:" not in page.text and 'value="alice"' not in page.text
