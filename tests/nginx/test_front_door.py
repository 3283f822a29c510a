"""The shipped nginx configuration in front of propdesk, with the oauth2-proxy stand-in:
what needs SSO and what does not, who the SSO user is, which headers win, and the
``/propdesk/`` prefix on everything propdesk hands out."""

from __future__ import annotations

import json
import re
import ssl
import uuid
from http.client import HTTPSConnection

import pytest
import requests

from tests.nginx.conftest import SsoSite
from tests.nginx.oauth2_stand_in import SIGN_IN_MARK
from tests.support.client import fields
from tests.support.servers import csrf_from, wait_until


def cd_login(site: SsoSite, http: requests.Session, next_path: str = "") -> requests.Response:
    """The CloudBees CD login through nginx, as the form posts it; the answer unfollowed."""
    page = http.get(site.base + "/login", timeout=10)
    assert page.status_code == 200, page.text
    data = {"username": "admin", "password": "changeme", "csrf_token": csrf_from(page.text)}
    if next_path:
        data["next"] = next_path
    return http.post(site.base + "/login", data=data, allow_redirects=False, timeout=12)


def logged_in(site: SsoSite, sso_user: str = "alice") -> requests.Session:
    http = site.client(sso_user)
    answer = cd_login(site, http)
    assert answer.status_code == 303, answer.text
    return http


@pytest.mark.parametrize(
    "path", ["/propdesk/", "/propdesk/browse/", "/propdesk/login", "/propdesk/static/app.css"]
)
def test_without_sso_every_page_goes_to_sign_in(sso_site: SsoSite, path: str) -> None:
    http = sso_site.client(sso_user=None)
    answer = http.get(sso_site.nginx.url + path, allow_redirects=False, timeout=10)
    assert SIGN_IN_MARK in answer.text
    assert f"<p>{path}</p>" in answer.text  # oauth2-proxy is told where to come back
    posted = http.post(sso_site.base + "/login", data={"username": "admin"}, timeout=10)
    assert SIGN_IN_MARK in posted.text


def test_the_sign_in_page_is_served(sso_site: SsoSite) -> None:
    # The shipped file once sent 401s to /oauth2/sign_in without a location for it (404).
    page = sso_site.client(None).get(sso_site.nginx.url + "/oauth2/sign_in", timeout=10)
    assert page.status_code == 200 and SIGN_IN_MARK in page.text


def test_health_and_api_skip_sso_and_the_api_log_has_no_query(sso_site: SsoSite) -> None:
    http = sso_site.client(sso_user=None)
    health = http.get(sso_site.base + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert http.get(sso_site.base + "/readyz", timeout=10).status_code == 200
    assert http.get(sso_site.base + "/metrics", timeout=10).status_code == 404
    secret = uuid.uuid4().hex
    # propdesk's own JSON answer (no such route, or no valid key) shows the request reached
    # it without SSO, with the prefix taken off: not the sign-in page.
    api = http.get(sso_site.base + f"/api/v1/no-such-thing?api_key={secret}", timeout=10)
    assert api.status_code in (401, 403, 404) and SIGN_IN_MARK not in api.text
    assert "error" in api.json()  # propdesk's error envelope
    seen = wait_until(lambda: '"path":"/api/v1/no-such-thing"' in propdesk_log(sso_site))
    assert seen, propdesk_log(sso_site)[-2000:]
    log = wait_until(lambda: "/propdesk/api/v1/no-such-thing" in sso_site.nginx.api_log())
    assert log and secret not in sso_site.nginx.api_log()
    assert secret not in sso_site.nginx.access_log()


def propdesk_log(site: SsoSite) -> str:
    return site.propdesk.log_path.read_text(errors="replace")


def test_sso_user_in_the_header_and_in_change_log_lines(sso_site: SsoSite) -> None:
    http = logged_in(sso_site, "alice")
    project = sso_site.emulator.new_project("sso")
    sheet = http.get(sso_site.base + f"/browse/projects/{project}/", timeout=10)
    assert "(SSO: alice)" in sheet.text
    token = csrf_from(sheet.text)
    name = f"made-{uuid.uuid4().hex[:6]}"
    made = http.post(
        sso_site.base + f"/new/projects/{project}/",
        data={"kind": "value", "name": name, "value": "x"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
        timeout=10,
    )
    assert made.status_code == 200, made.text
    assert sso_site.emulator.value(f"/projects/{project}/{name}") == "x"

    def change_line() -> dict[str, str] | None:
        for line in sso_site.propdesk.log_path.read_text().splitlines():
            if line.startswith("{") and name in line and '"property.created"' in line:
                return dict(json.loads(line))
        return None

    line = wait_until(change_line)
    assert line and line["sso_user"] == "alice" and line["user"] == "admin"


SPOOFED = {
    "X-Auth-Request-User": "mallory",
    "X-Forwarded-For": "10.9.9.9",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Port": "1234",
    "X-Forwarded-Prefix": "/evil",
    "X-Request-ID": "spoofed0request0id",
}


def test_client_sent_identity_and_forwarded_headers_never_win(sso_site: SsoSite) -> None:
    http = sso_site.client("alice")
    http.headers.update(SPOOFED)
    # A forwarded host of the client's would be refused (PROPDESK_TRUSTED_HOSTS).
    answer = cd_login(sso_site, http, next_path="/browse/")
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"] == "/propdesk/browse/"
    request_id = answer.headers["X-Request-ID"]
    assert request_id != SPOOFED["X-Request-ID"]
    # gunicorn logs the address propdesk believed (after ProxyFix): nginx's client address.
    line = wait_until(lambda: access_line(sso_site, request_id))
    assert line and line["remote"] == "127.0.0.1", line
    page = http.get(sso_site.base + "/browse/", timeout=10)
    assert "(SSO: alice)" in page.text and "mallory" not in page.text
    # Every address the page carries is built from nginx's values, never the client's (the
    # page's text may name other suites' projects, so the addresses are what is checked).
    addresses = re.findall(r'(?:href|src|action|hx-get|hx-post|hx-push-url)="([^"]*)"', page.text)
    assert addresses and all(url.startswith(("/propdesk/", "#")) for url in addresses), addresses
    cookies = [c for c in http.cookies if c.name == "__Secure-propdesk"]
    assert cookies and cookies[0].path == "/propdesk" and cookies[0].secure


def test_client_sent_port_and_scheme_never_win(sso_site: SsoSite) -> None:
    # Flask-WTF checks an https form post's referrer against the host and port propdesk
    # believes: the client's port would fail this good referrer...
    http = sso_site.client("alice")
    http.headers["X-Forwarded-Port"] = "1234"
    assert cd_login(sso_site, http).status_code == 303
    # ... and the client's "http" would switch that check off for this foreign one (with a
    # good referrer the same spoofed scheme logs in: the referrer is the only difference).
    http = sso_site.client("alice")
    http.headers["X-Forwarded-Proto"] = "http"
    assert cd_login(sso_site, http).status_code == 303
    http = sso_site.client("alice")
    http.headers.update({"X-Forwarded-Proto": "http", "Referer": "https://evil.example/"})
    refused = cd_login(sso_site, http)
    assert refused.status_code == 400 and "not ours" in refused.text


def access_line(site: SsoSite, request_id: str) -> dict[str, str] | None:
    """gunicorn's access log line of the request with ``request_id``."""
    for line in propdesk_log(site).splitlines():
        if line.startswith("{") and f'"request_id":"{request_id}"' in line:
            return dict(json.loads(line))
    return None


def test_prefix_on_links_redirects_htmx_static_and_cookie(sso_site: SsoSite) -> None:
    http = sso_site.client("alice")
    anonymous = http.get(sso_site.base + "/browse/", allow_redirects=False, timeout=10)
    assert anonymous.headers["Location"] == "/propdesk/login?next=/browse/"
    page = http.get(sso_site.base + "/login", timeout=10)
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Secure-propdesk=") and "Path=/propdesk" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert 'action="/propdesk/login"' in page.text
    statics = re.findall(r'(?:src|href)="(/propdesk/static/[^"]+)"', page.text)
    assert statics
    for url in statics:
        assert http.get(sso_site.nginx.url + url, timeout=10).status_code == 200, url
    answer = cd_login(sso_site, http, "/browse/projects/checkout-service/")
    assert answer.headers["Location"] == "/propdesk/browse/projects/checkout-service/"
    sheet = http.get(sso_site.base + "/browse/projects/checkout-service/", timeout=10).text
    assert 'href="/propdesk/browse/projects/checkout-service/ci/"' in sheet
    urls = re.findall(r'(?:href|src|action|hx-get|hx-post|hx-delete)="([^"]+)"', sheet)
    assert urls and all(u.startswith("/propdesk/") for u in urls), urls
    hx = http.get(
        sso_site.base + "/", headers={"HX-Request": "true"}, allow_redirects=False, timeout=10
    )
    assert hx.headers["HX-Redirect"] == "/propdesk/browse/"


def test_login_and_edit_round_trip(sso_site: SsoSite) -> None:
    http = logged_in(sso_site)
    project = sso_site.emulator.new_project("edit", version="1.0")
    detail = http.get(sso_site.base + f"/browse/projects/{project}/version", timeout=10)
    assert detail.status_code == 200
    token = csrf_from(detail.text)
    editor = http.get(
        sso_site.base + f"/edit/projects/{project}/version?ctx=detail",
        headers={"HX-Request": "true"},
        timeout=10,
    )
    form = fields(editor.text)
    form["value"] = "2.0"
    saved = http.post(
        sso_site.base + f"/edit/projects/{project}/version",
        data=form,
        headers={"HX-Request": "true", "X-CSRFToken": token},
        timeout=30,
    )
    assert saved.status_code == 200, saved.text
    assert sso_site.emulator.value(f"/projects/{project}/version") == "2.0"
    logout = http.post(
        sso_site.base + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10
    )
    assert logout.status_code == 303 and logout.headers["Location"].startswith("/propdesk/")


def test_htmx_after_the_sso_session_ended_reloads_instead_of_swapping(sso_site: SsoSite) -> None:
    http = logged_in(sso_site)
    token = http.cookies.get("_oauth2_proxy")
    assert token
    sso_site.sso.sign_out(token)
    fragment = http.get(
        sso_site.base + "/browse/projects/Default/",
        headers={"HX-Request": "true"},
        allow_redirects=False,
        timeout=10,
    )
    # Not the sign-in page as a fragment: a status htmx does not swap, and a full reload,
    # which then comes without HX-Request and gets the sign-in page.
    assert fragment.status_code == 401 and fragment.headers["HX-Refresh"] == "true"
    assert SIGN_IN_MARK not in fragment.text
    page = http.get(sso_site.base + "/browse/projects/Default/", timeout=10)
    assert SIGN_IN_MARK in page.text


def raw_get(site: SsoSite, target: str) -> tuple[int, str]:
    """GET with the request target sent exactly as given (no client-side normalising)."""
    context = ssl.create_default_context(cafile=str(site.ca))
    conn = HTTPSConnection("127.0.0.1", site.nginx.port, context=context, timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        answer = conn.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        conn.close()


@pytest.mark.parametrize(
    "target",
    [
        "/propdesk/browse/x%2F..%2F..%2Fapi/v1/keys",  # nginx: /propdesk/api/... (no SSO)
        "/propdesk/browse/x/../../api/v1/keys",
        "/x/..%2Fpropdesk/browse/",  # nginx: /propdesk/browse/, raw: another path
    ],
)
def test_a_target_that_normalises_into_another_location_is_refused(
    sso_site: SsoSite, target: str
) -> None:
    # nginx picks the location from the decoded, normalised path but passes the raw target:
    # a raw target outside the location's own prefix never reaches propdesk.
    status, body = raw_get(sso_site, target)
    assert status == 400 and "propdesk" not in body.lower() and SIGN_IN_MARK not in body


@pytest.mark.parametrize(
    "target", ["/propdesk/browse/..%2Fhealthz", "/propdesk/browse/%2e%2e/healthz"]
)
def test_health_locations_pass_a_fixed_path(sso_site: SsoSite, target: str) -> None:
    status, body = raw_get(sso_site, target)
    assert status == 200 and json.loads(body) == {"status": "ok"}
