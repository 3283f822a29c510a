"""Login limits as shipped: counted across gunicorn workers without Redis, per address, per
(user, address) and per user, with a device cookie that keeps the real user out of reach of
attempts made elsewhere; a refusal is a 429 with ``Retry-After``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import DashboardFactory
from tests.deploy.conftest import GunicornFactory
from tests.support.servers import DashboardProcess, DashboardThread, csrf_from


@pytest.fixture
def two_workers(make_gunicorn: GunicornFactory) -> DashboardProcess:
    return make_gunicorn(
        PROPDESK_LOGIN_RATE_LIMIT="10 per hour", WEB_CONCURRENCY="2", PROPDESK_THREADS="8"
    )


def attempt(
    http: requests.Session, base: str, user: str, password: str, address: str | None = None
) -> requests.Response:
    """One login through the form, optionally from ``address`` (as a trusted proxy says)."""
    headers = {"X-Forwarded-For": address} if address else {}
    page = http.get(base + "/login", headers=headers, timeout=10)
    return http.post(
        base + "/login",
        data={"username": user, "password": password, "csrf_token": csrf_from(page.text)},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def test_the_limit_is_counted_across_workers(two_workers: DashboardProcess) -> None:
    browsers = [requests.Session() for _ in range(30)]
    tokens = [csrf_from(b.get(two_workers.url + "/login", timeout=10).text) for b in browsers]

    def post(i: int) -> requests.Response:
        return browsers[i].post(
            two_workers.url + "/login",
            data={"username": "admin", "password": f"guess-{i}", "csrf_token": tokens[i]},
            allow_redirects=False,
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=15) as pool:
        answers = list(pool.map(post, range(30)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [401] * 10 + [429] * 20
    for r in answers:
        if r.status_code == 429:
            assert 1 <= int(r.headers["Retry-After"]) <= 3600  # the rest of the hour
            assert "Too many login attempts" in r.text


def behind_a_proxy(make_dashboard: DashboardFactory, limit: str) -> DashboardThread:
    """A dashboard that believes the client address a proxy on this machine names (as
    ``attempt`` sends it), with the login rate limit ``limit``."""
    return make_dashboard(
        PROPDESK_PROXY_COUNT="1",
        PROPDESK_TRUSTED_PROXIES="127.0.0.1/32",
        PROPDESK_LOGIN_RATE_LIMIT=limit,
    )


def test_a_device_cookie_keeps_the_real_user_in(make_dashboard: DashboardFactory) -> None:
    dash = behind_a_proxy(make_dashboard, "5 per hour")
    admin = requests.Session()
    first = attempt(admin, dash.url, "admin", "changeme", "10.0.0.1")
    assert first.status_code == 303
    cookies = first.raw.headers.getlist("Set-Cookie")
    device = [c for c in cookies if c.startswith("propdesk-device=")]
    assert device and "HttpOnly" in device[0] and "SameSite=Strict" in device[0]
    viewer = requests.Session()
    assert attempt(viewer, dash.url, "viewer", "viewer", "10.0.0.3").status_code == 303
    # 24 wrong passwords for "Admin " from 24 addresses lock the account for new browsers...
    codes = [
        attempt(requests.Session(), dash.url, "Admin ", "wrong", f"10.1.0.{i}").status_code
        for i in range(24)
    ]
    assert codes == [401] * 4 + [429] * 20  # every attempt counts: the real login was one
    stranger = attempt(requests.Session(), dash.url, "admin", "changeme", "10.0.0.2")
    assert stranger.status_code == 429 and int(stranger.headers["Retry-After"]) >= 1
    # ...another user's device cookie is no pass for this one...
    assert attempt(viewer, dash.url, "admin", "changeme", "10.0.0.3").status_code == 429
    # ...but the browser that logged in before gets in.
    assert attempt(admin, dash.url, "admin", "changeme", "10.0.0.1").status_code == 303


def test_a_device_cookie_has_its_own_limit(make_dashboard: DashboardFactory) -> None:
    dash = behind_a_proxy(make_dashboard, "3 per hour")
    thief = requests.Session()
    assert attempt(thief, dash.url, "admin", "changeme", "10.0.0.1").status_code == 303
    # A stolen device cookie, tried from ever new addresses, still runs into a limit.
    codes = [
        attempt(thief, dash.url, "admin", f"guess-{i}", f"10.2.0.{i}").status_code for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]  # 3 per device: its first login had none yet
