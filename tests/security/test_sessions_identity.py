"""Sessions and identity under attack and bad luck: signed session ids bound to their
instance, idle time counted from the last request, drafts kept on a local expiry, upstream
sessions ended with ours, non-Latin-1 redirect targets, and a flood of login pages."""

from __future__ import annotations

import html
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
import requests
from cachelib import FileSystemCache

from app.config import Settings
from tests.conftest import DashboardFactory
from tests.support.client import Client, action, fields
from tests.support.servers import (
    Clock,
    DashboardThread,
    EmulatorProcess,
    csrf_from,
    login,
    post_login,
    wait_until,
)
from tests.web.conftest import services_of

SSO = "X-Auth-Request-User"


def cookie_name(dash: DashboardThread) -> str:
    return str(dash.app.config["SESSION_COOKIE_NAME"])


def upstream_session(dash: DashboardThread, http: requests.Session) -> str:
    """The CloudBees session id kept server-side for the browser ``http``."""
    sid = http.cookies.get(cookie_name(dash))
    assert sid, "no session cookie"
    raw = services_of(dash).store.get("propdesk:session:" + sid)
    data = msgspec.msgpack.decode(raw) if isinstance(raw, bytes) else raw
    assert isinstance(data, dict), "no stored session under the cookie's id"
    return str(data["upstream_session"])


@dataclass(frozen=True)
class Stored:
    """A session as the file store holds it: its data and when the file expires."""

    data: dict[str, Any]
    expires: float


def stored_session(dash: DashboardThread, http: requests.Session) -> Stored:
    """The stored session of the browser ``http`` (the dashboard uses the file store)."""
    cache = services_of(dash).store.cache
    assert isinstance(cache, FileSystemCache)
    key = "propdesk:session:" + str(http.cookies.get(cookie_name(dash)))
    with open(cache._get_filename(key), "rb") as f:
        expires = float(struct.unpack("I", f.read(4))[0])
    data = cache.get(key)
    assert isinstance(data, dict)
    return Stored(data, expires)


def alive_upstream(emulator: EmulatorProcess, upstream_id: str) -> bool:
    """Whether CloudBees CD still accepts this session id."""
    r = requests.get(emulator.api + "/projects", headers={"sessionId": upstream_id}, timeout=10)
    return r.status_code == 200


# -- D8: session ids signed with the key, sessions bound to their CloudBees CD ---------------
def test_a_session_id_from_another_key_is_refused(
    make_dashboard: DashboardFactory, tmp_path: Path
) -> None:
    shared = str(tmp_path / "shared-sessions")
    a = make_dashboard(PROPDESK_SESSION_DIR=shared)
    b = make_dashboard(PROPDESK_SESSION_DIR=shared, PROPDESK_SECRET_KEY="another-key-" + "x" * 32)
    browser = requests.Session()
    assert login(browser, a.url).status_code == 303
    cookies = dict(browser.cookies)
    assert requests.get(a.url + "/browse/", cookies=cookies, timeout=10).status_code == 200
    on_b = requests.get(b.url + "/browse/", cookies=cookies, allow_redirects=False, timeout=10)
    assert on_b.status_code == 303 and on_b.headers["Location"].startswith("/login?next=")
    # An id without its signature (or with a made-up one) is not a session either.
    sid = cookies[cookie_name(a)]
    for forged in (sid.rsplit(".", 1)[0], sid.rsplit(".", 1)[0] + ".AAAA", sid + "x"):
        r = requests.get(
            a.url + "/browse/",
            cookies={cookie_name(a): forged},
            allow_redirects=False,
            timeout=10,
        )
        assert r.status_code == 303, forged


def test_a_session_made_for_another_cloudbees_is_no_login_here(
    make_dashboard: DashboardFactory,
    emulator: EmulatorProcess,
    fresh_emulator: EmulatorProcess,
    tmp_path: Path,
) -> None:
    shared = str(tmp_path / "shared-sessions")
    a = make_dashboard(PROPDESK_SESSION_DIR=shared)
    b = make_dashboard(upstream=fresh_emulator, PROPDESK_SESSION_DIR=shared)
    browser = requests.Session()
    assert login(browser, a.url).status_code == 303
    fresh_emulator.reset_counts()
    on_b = browser.get(b.url + "/browse/", allow_redirects=False, timeout=10)
    assert on_b.status_code == 303 and on_b.headers["Location"].startswith("/login?next=")
    assert "expired" not in on_b.headers["Location"]  # never a login there, not an expired one
    assert fresh_emulator.counts() == {}  # A's upstream session id never went to B's server


def test_default_session_folder_is_per_instance() -> None:
    base = {"PROPDESK_CD_URL": "https://cd.example.com", "PROPDESK_SECRET_KEY": "k" * 32}
    one = Settings.from_env(base).session_dir
    assert Settings.from_env(base).session_dir == one  # replicas of one instance share it
    other_key = Settings.from_env({**base, "PROPDESK_SECRET_KEY": "q" * 32}).session_dir
    other_cd = Settings.from_env({**base, "PROPDESK_CD_URL": "https://cd2.example.com"})
    assert len({one, other_key, other_cd.session_dir}) == 3
    assert one.name.startswith("propdesk-sessions-") and "k" * 8 not in str(one)
    given = Settings.from_env({**base, "PROPDESK_SESSION_DIR": "/srv/propdesk"}).session_dir
    assert given == Path("/srv/propdesk")


# -- D6: idle time counts from the last request ----------------------------------------------
@pytest.mark.parametrize("idle", [30.0, 1800.0])
def test_idle_time_counts_from_the_last_request(
    make_dashboard: DashboardFactory, clock: Clock, idle: float
) -> None:
    dash = make_dashboard(PROPDESK_IDLE_TIMEOUT=str(idle))
    http = requests.Session()
    assert login(http, dash.url).status_code == 303

    def status() -> int:
        return http.get(dash.url + "/browse/", allow_redirects=False, timeout=10).status_code

    clock.advance(14)  # a request soon after the login (activity is not rewritten every time)
    assert status() == 200
    clock.advance(idle - 1)  # idle for less than the timeout since that request: still in
    assert status() == 200
    clock.advance(idle * 1.05 + 1)  # the timeout may err by at most 5 %, and only this way
    assert status() == 303


# -- D7: a local expiry during a save keeps the form as a draft --------------------------------
@pytest.mark.parametrize("expiry", ["idle", "lifetime"])
def test_local_expiry_during_a_save_keeps_the_draft(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess, clock: Clock, expiry: str
) -> None:
    settings = {"PROPDESK_IDLE_TIMEOUT": "1800"}
    if expiry == "lifetime":
        settings = {"PROPDESK_IDLE_TIMEOUT": "100000", "PROPDESK_SESSION_LIFETIME": "3600"}
    dash = make_dashboard(**settings)
    project = emulator.new_project("d7")
    emulator.put_value(f"/projects/{project}/note", "before")
    client = Client(dash)
    page = f"/browse/projects/{project}/note"
    data = fields(client.hx("GET", action("edit", page) + "?ctx=detail").text)
    data["value"] = "typed before our own timeout"
    clock.advance(3700)  # past the idle timeout, or past the lifetime
    r = client.hx("POST", action("edit", page), data, page=page)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/login?")
    assert "next=" + quote(page, safe="/") in r.headers["HX-Redirect"]
    kept = stored_session(dash, client.http)
    assert kept.data.get("drafts") and "user" not in kept.data
    assert kept.expires - time.time() <= 2 * 3600 + 5  # no login: it lives two hours at most
    login_page = client.http.get(dash.url + r.headers["HX-Redirect"], timeout=10)
    assert "your unsaved edit is kept" in login_page.text
    back = login(client.http, dash.url, next_path=page)
    assert back.headers["Location"] == page
    restored = client.http.get(dash.url + page, timeout=10)
    assert "typed before our own timeout" in html.unescape(restored.text)
    assert emulator.value(f"/projects/{project}/note") == "before"


# -- D18: ending our login ends the CloudBees CD session too -----------------------------------
def _idle(dash: DashboardThread, http: requests.Session, clock: Clock) -> requests.Response:
    clock.advance(1900)
    return http.get(dash.url + "/browse/", allow_redirects=False, timeout=10)


def _lifetime(dash: DashboardThread, http: requests.Session, clock: Clock) -> requests.Response:
    for _ in range(30):  # active every 25 minutes until the lifetime is over
        clock.advance(1500)
        r = http.get(dash.url + "/browse/", allow_redirects=False, timeout=10)
        if r.status_code != 200:
            return r
    raise AssertionError("the login outlived its lifetime")


def _sso_change(dash: DashboardThread, http: requests.Session, clock: Clock) -> requests.Response:
    http.headers[SSO] = "mallory"
    return http.get(dash.url + "/browse/", allow_redirects=False, timeout=10)


def _second_login(dash: DashboardThread, http: requests.Session, clock: Clock) -> requests.Response:
    return login(http, dash.url, "viewer", "viewer")


Ending = Callable[[DashboardThread, requests.Session, Clock], requests.Response]


@pytest.mark.parametrize("end", [_idle, _lifetime, _sso_change, _second_login])
def test_the_upstream_session_ends_with_ours(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess, clock: Clock, end: Ending
) -> None:
    dash = make_dashboard(
        PROPDESK_TRUSTED_USER_HEADER=SSO,
        PROPDESK_TRUSTED_PROXIES="127.0.0.1/32",
        PROPDESK_SESSION_LIFETIME="7200",
    )
    http = requests.Session()
    http.headers[SSO] = "alice"
    assert login(http, dash.url).status_code == 303
    first = upstream_session(dash, http)
    assert alive_upstream(emulator, first)
    r = end(dash, http, clock)
    assert r.status_code == 303
    assert wait_until(lambda: not alive_upstream(emulator, first)), "upstream session left alive"


def test_a_dead_upstream_does_not_hold_the_user_back(
    make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess, clock: Clock
) -> None:
    dash = make_dashboard(upstream=fresh_emulator)
    http = requests.Session()
    assert login(http, dash.url).status_code == 303
    fresh_emulator.stop()  # ending the upstream session can only fail now
    r = _idle(dash, http, clock)
    assert r.status_code == 303 and "expired=1" in r.headers["Location"]
    assert http.get(dash.url + "/login", timeout=10).status_code == 200


# -- D15: URLs in headers are percent-encoded ------------------------------------------------
def test_non_latin1_next_on_htmx_login(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    target = "/browse/projects/Default/日本 ü€"
    encoded = "/browse/projects/Default/%E6%97%A5%E6%9C%AC%20%C3%BC%E2%82%AC"
    for htmx in (True, False):
        http = requests.Session()
        page = http.get(dashboard.url + "/login", timeout=10)
        r = http.post(
            dashboard.url + "/login",
            data={
                "username": "admin",
                "password": "changeme",
                "next": target,
                "csrf_token": csrf_from(page.text),
            },
            headers={"HX-Request": "true"} if htmx else {},
            allow_redirects=False,
            timeout=10,
        )
        got = r.headers.get("HX-Redirect") if htmx else r.headers.get("Location")
        assert r.status_code == (200 if htmx else 303), r.text
        assert got == encoded
        assert http.get(dashboard.url + "/browse/", timeout=10).status_code == 200  # logged in


# -- a flood of login pages stores nothing ----------------------------------------------------
def test_login_page_flood_stores_no_session(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    store = services_of(dashboard).store
    before = store.count()
    browsers = [requests.Session() for _ in range(40)]
    for browser in browsers:
        page = browser.get(dashboard.url + "/login", timeout=10)
        assert page.status_code == 200 and browser.cookies.get(cookie_name(dashboard))
    assert store.count() == before
    # The page's token still works, and only the login is stored.
    last = browsers[-1]
    token = csrf_from(last.get(dashboard.url + "/login", timeout=10).text)
    assert post_login(last, dashboard.url, token).status_code == 303
    assert store.count() == before + 1
    # A forged form without the page's token is still refused.
    other = browsers[0]
    r = post_login(other, dashboard.url, token)
    assert (
        r.status_code in (400, 422)
        and other.get(dashboard.url + "/browse/", allow_redirects=False, timeout=10).status_code
        == 303
    )
