"""Login through CloudBees CD, server-side sessions, logout, timeouts, drafts, headers."""

from __future__ import annotations

import logging
import os
import re
import socket
import struct
import time
from urllib.parse import unquote

import msgspec
import pytest
import requests
from cachelib import FileSystemCache

from tests.support.servers import (
    Clock,
    DashboardThread,
    EmulatorProcess,
    csrf_from,
    login,
)
from tests.web.conftest import DashboardFactory, services_of


def cookie_name(dash: DashboardThread) -> str:
    return str(dash.app.config["SESSION_COOKIE_NAME"])


def session_id(dash: DashboardThread, browser: requests.Session) -> str:
    """The dashboard's session id in a browser's cookie jar (fails if it has none)."""
    sid = browser.cookies.get(cookie_name(dash))
    assert sid, "no session cookie"
    return sid


def file_cache(dash: DashboardThread) -> FileSystemCache:
    """The dashboard's session store, which these tests expect to be the file store."""
    cache = services_of(dash).store.cache
    assert isinstance(cache, FileSystemCache)
    return cache


def test_login_page_has_the_form(dashboard: DashboardThread, browser: requests.Session) -> None:
    page = browser.get(dashboard.url + "/login", timeout=10)
    assert page.status_code == 200
    for text in ("User name", "Password", "Log in", 'name="csrf_token"'):
        assert text in page.text


def test_pages_behind_login_redirect_with_next(
    dashboard: DashboardThread, browser: requests.Session
) -> None:
    r = browser.get(dashboard.url + "/?plugins=1", allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert r.headers["Location"] == "/login?next=/?plugins%3D1"
    hx = browser.get(
        dashboard.url + "/", headers={"HX-Request": "true"}, timeout=10, allow_redirects=False
    )
    assert hx.status_code == 200 and hx.headers["HX-Redirect"].startswith("/login?next=")


def test_login_lists_projects_and_logout(
    dashboard: DashboardThread, browser: requests.Session, emulator: EmulatorProcess
) -> None:
    r = login(browser, dashboard.url)
    assert r.status_code == 303 and r.headers["Location"] == "/"
    home = browser.get(dashboard.url + "/", timeout=10)
    assert "checkout-service" in home.text and "EC-Kubernetes" not in home.text
    assert "admin" in home.text and "Log out" in home.text
    plugins = browser.get(dashboard.url + "/?plugins=1", timeout=10)
    assert "EC-Kubernetes" in plugins.text
    upstream = services_of(dashboard).store
    sid = session_id(dashboard, browser)
    data = upstream.get("propdesk:session:" + sid)
    assert data is not None  # the session is server-side under the cookie's id
    upstream_sid = _upstream_session(dashboard, sid)
    assert (
        requests.get(
            emulator.api + "/projects", headers={"sessionId": upstream_sid}, timeout=10
        ).status_code
        == 200
    )
    old_cookie = dict(browser.cookies)
    out = browser.post(
        dashboard.url + "/logout",
        data={"csrf_token": csrf_from(home.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert out.status_code == 303 and out.headers["Location"].startswith("/login")
    # The old cookie only gets the login page; the upstream session is dead.
    again = requests.get(dashboard.url + "/", cookies=old_cookie, allow_redirects=False, timeout=10)
    assert again.status_code == 303 and again.headers["Location"].startswith("/login")
    assert (
        requests.get(
            emulator.api + "/projects", headers={"sessionId": upstream_sid}, timeout=10
        ).status_code
        == 401
    )


def _upstream_session(dash: DashboardThread, sid: str) -> str:
    store = services_of(dash).store
    raw = store.get("propdesk:session:" + sid)
    data = msgspec.msgpack.decode(raw) if isinstance(raw, bytes) else raw
    return str(data["upstream_session"])


def test_wrong_password_keeps_user_name(
    dashboard: DashboardThread, browser: requests.Session
) -> None:
    r = login(browser, dashboard.url, "admin", "wrong-password")
    assert r.status_code == 401
    assert "Invalid user name or password" in r.text
    assert 'value="admin"' in r.text and "wrong-password" not in r.text
    home = browser.get(dashboard.url + "/", allow_redirects=False, timeout=10)
    assert home.status_code == 303  # no session


def test_upstream_unreachable_at_login(
    make_dashboard: DashboardFactory, browser: requests.Session
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dash = make_dashboard(PROPDESK_CD_URL=f"http://127.0.0.1:{port}", PROPDESK_RETRIES="0")
    r = login(browser, dash.url)
    assert r.status_code == 503
    assert f"CloudBees CD at 127.0.0.1:{port} is not reachable" in r.text


def test_upstream_slow_at_login(
    make_dashboard: DashboardFactory, browser: requests.Session, fresh_emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(upstream=fresh_emulator, PROPDESK_READ_TIMEOUT="0.5")
    fresh_emulator.set_latency(1500)
    r = login(browser, dash.url)
    fresh_emulator.set_latency(0)
    assert r.status_code == 503
    assert "is not reachable (no answer within 0.5 s)" in r.text


def test_session_fixation(dashboard: DashboardThread, browser: requests.Session) -> None:
    browser.get(dashboard.url + "/login", timeout=10)
    before = browser.cookies.get(cookie_name(dashboard))
    assert before  # the login page's anonymous session (for its CSRF token)
    login(browser, dashboard.url)
    after = browser.cookies.get(cookie_name(dashboard))
    assert after and after != before
    attacker = requests.get(
        dashboard.url + "/",
        cookies={cookie_name(dashboard): before},
        allow_redirects=False,
        timeout=10,
    )
    assert attacker.status_code == 303 and "/login" in attacker.headers["Location"]


@pytest.mark.parametrize(
    "payload",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "\t//evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        "///evil.example",
    ],
)
def test_open_redirect_payloads_land_home(
    dashboard: DashboardThread, browser: requests.Session, payload: str
) -> None:
    r = login(browser, dashboard.url, next_path=payload)
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_safe_next_is_followed(dashboard: DashboardThread, browser: requests.Session) -> None:
    r = login(browser, dashboard.url, next_path="/?plugins=1")
    assert r.headers["Location"] == "/?plugins=1"


def test_csrf_missing_foreign_and_stale(
    dashboard: DashboardThread, logged_in: requests.Session, make_dashboard: DashboardFactory
) -> None:
    missing = logged_in.post(dashboard.url + "/logout", allow_redirects=False, timeout=10)
    assert missing.status_code == 400
    hx = logged_in.post(
        dashboard.url + "/logout", headers={"HX-Request": "true"}, allow_redirects=False, timeout=10
    )
    assert hx.status_code == 400 and hx.headers.get("HX-Refresh") == "true"
    other = requests.Session()
    login(other, dashboard.url)
    foreign = csrf_from(other.get(dashboard.url + "/", timeout=10).text)
    r = logged_in.post(
        dashboard.url + "/logout", data={"csrf_token": foreign}, allow_redirects=False, timeout=10
    )
    assert r.status_code == 400
    # A token from before the login (the login page's) is stale after it.
    fresh = requests.Session()
    stale = csrf_from(fresh.get(dashboard.url + "/login", timeout=10).text)
    login(fresh, dashboard.url)
    r = fresh.post(
        dashboard.url + "/logout", data={"csrf_token": stale}, allow_redirects=False, timeout=10
    )
    assert r.status_code == 400
    # The header form (what htmx sends) works.
    good = csrf_from(logged_in.get(dashboard.url + "/", timeout=10).text)
    ok = logged_in.post(
        dashboard.url + "/logout", headers={"X-CSRFToken": good}, allow_redirects=False, timeout=10
    )
    assert ok.status_code == 303


def test_csrf_token_has_no_time_limit(dashboard: DashboardThread) -> None:
    assert dashboard.app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_idle_timeout(
    dashboard: DashboardThread, logged_in: requests.Session, clock: Clock
) -> None:
    clock.advance(20 * 60)
    assert (
        logged_in.get(dashboard.url + "/browse/", allow_redirects=False, timeout=10).status_code
        == 200
    )
    clock.advance(20 * 60)  # active 20 min ago: still alive
    assert (
        logged_in.get(dashboard.url + "/browse/", allow_redirects=False, timeout=10).status_code
        == 200
    )
    clock.advance(31 * 60)
    r = logged_in.get(dashboard.url + "/browse/", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and "/login" in r.headers["Location"]


def test_absolute_lifetime(
    dashboard: DashboardThread, logged_in: requests.Session, clock: Clock
) -> None:
    for _ in range(12 * 4):  # active every 15 minutes for 12 hours
        clock.advance(15 * 60)
        r = logged_in.get(dashboard.url + "/browse/", allow_redirects=False, timeout=10)
        if r.status_code != 200:
            break
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    assert clock.offset >= 12 * 3600


def test_upstream_401_sends_to_login_and_back(
    dashboard: DashboardThread, logged_in: requests.Session, emulator: EmulatorProcess
) -> None:
    assert logged_in.get(dashboard.url + "/browse/?plugins=1", timeout=10).status_code == 200
    emulator.expire_sessions("admin")
    r = logged_in.get(dashboard.url + "/browse/?plugins=1", allow_redirects=False, timeout=10)
    assert r.status_code == 303
    target = r.headers["Location"]
    assert target.startswith("/login?") and "next=/browse/?plugins%3D1" in target
    page = logged_in.get(dashboard.url + target, timeout=10)
    assert "Your CloudBees CD session ended" in page.text
    next_param = re.search(r"next=([^&]+)", target)
    assert next_param, target
    back = login(logged_in, dashboard.url, next_path=unquote(next_param.group(1)))
    assert back.headers["Location"] == "/browse/?plugins=1"


def test_rate_limit_per_address_and_user(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(PROPDESK_LOGIN_RATE_LIMIT="3 per minute")
    http = requests.Session()
    codes = [login(http, dash.url, "admin", "wrong").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    blocked = login(http, dash.url, "nobody-at-all", "wrong")
    assert blocked.status_code == 429
    assert "Too many login attempts" in blocked.text
    assert "nobody-at-all" not in blocked.text and "exist" not in blocked.text


def test_secrets_never_leak(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess, caplog: pytest.LogCaptureFixture
) -> None:
    dash = make_dashboard()
    http = requests.Session()
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        r = login(http, dash.url)  # the login page, then the form with its token
        seen += [r.text, r.headers.get("Location", ""), str(r.headers)]
        sid = http.cookies.get(cookie_name(dash)) or ""
        upstream_id = _upstream_session(dash, sid)
        for path in ("/", "/?plugins=1", "/nope"):
            got = http.get(dash.url + path, timeout=10)
            seen += [got.text, got.url, str(got.headers)]
        emulator.expire_sessions("admin")
        expired = http.get(dash.url + "/", allow_redirects=False, timeout=10)
        seen += [expired.text, str(expired.headers)]
    seen += [c.value or "" for c in http.cookies] + [rec.getMessage() for rec in caplog.records]
    blob = "\n".join(seen)
    assert sid and len(upstream_id) == 16
    assert "changeme" not in blob
    assert upstream_id not in blob
    assert sid not in "\n".join(rec.getMessage() for rec in caplog.records)


def test_cookie_flags(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(PROPDESK_COOKIE_SECURE="1")
    assert cookie_name(dash) == "__Host-propdesk"
    page = requests.get(dash.url + "/login", timeout=10)
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-propdesk=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain" not in cookie


def test_plain_http_cookie_when_switched_off(dashboard: DashboardThread) -> None:
    page = requests.get(dashboard.url + "/login", timeout=10)
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("propdesk=") and "Secure" not in cookie and "HttpOnly" in cookie


def test_security_headers(dashboard: DashboardThread, logged_in: requests.Session) -> None:
    r = logged_in.get(dashboard.url + "/", timeout=10)
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "script-src 'self';" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in r.headers["Vary"]
    assert "<script>" not in r.text and " on" + "click=" not in r.text
    assert 'src="/static/vendor/htmx/htmx-2.0.11.min.js"' in r.text


def test_health_and_ready_without_login(dashboard: DashboardThread) -> None:
    assert requests.get(dashboard.url + "/healthz", timeout=10).json() == {"status": "ok"}
    ready = requests.get(dashboard.url + "/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["sessions"] == "ok"


def test_session_folder_is_private(dashboard: DashboardThread, logged_in: requests.Session) -> None:
    folder = dashboard.settings.session_dir
    assert folder.stat().st_mode & 0o777 == 0o700
    files = [f for f in folder.iterdir() if f.is_file() and not f.name.startswith("__")]
    assert files and all(f.stat().st_mode & 0o077 == 0 for f in files)


def test_sweeper_removes_expired_files(dashboard: DashboardThread, clock: Clock) -> None:
    found = services_of(dashboard)
    store, sweeper = found.store, found.sweeper
    assert sweeper is not None
    store.set("old-one", "x", timeout=60)
    store.set("kept", "x", timeout=3600)
    sweeper.sweep()
    before = store.count()
    clock.advance(120)  # the sweeper's clock: "old-one" has expired, "kept" has not
    sweeper.sweep()
    assert store.count() == before - 1
    assert store.get("kept") == "x"
    cache = file_cache(dashboard)
    assert not any(cache._get_filename("old-one") == f for f in cache._list_dir())


def test_anonymous_visits_store_nothing_and_logins_live_their_lifetime(
    dashboard: DashboardThread, browser: requests.Session
) -> None:
    store = file_cache(dashboard)

    def stored() -> str:
        return str(store._get_filename("propdesk:session:" + session_id(dashboard, browser)))

    browser.get(dashboard.url + "/login", timeout=10)
    # The login page's CSRF token comes from the signed id: nothing is stored for a visit.
    assert not os.path.exists(stored())
    login(browser, dashboard.url)
    with open(stored(), "rb") as f:
        logged_in = float(struct.unpack("I", f.read(4))[0]) - time.time()
    assert 11.9 * 3600 < logged_in <= 12 * 3600 + 5  # a login: PROPDESK_SESSION_LIFETIME
