"""Several replicas sharing sessions and rate limits through a real Redis."""

from __future__ import annotations

import requests

from tests.support.servers import EmulatorProcess, RedisProcess, csrf_from, login, wait_until
from tests.web.conftest import DashboardFactory


def test_two_replicas_share_logins_and_logout(
    make_dashboard: DashboardFactory, redis_server: RedisProcess, emulator: EmulatorProcess
) -> None:
    env = {"PROPDESK_SESSION_BACKEND": "redis", "PROPDESK_REDIS_URL": redis_server.url}
    a, b = make_dashboard(**env), make_dashboard(**env)
    browser = requests.Session()
    assert login(browser, a.url).status_code == 303
    cookies = dict(browser.cookies)
    # No sticky routing: the same cookie works on the other replica.
    on_b = requests.get(b.url + "/browse/", cookies=cookies, allow_redirects=False, timeout=10)
    assert on_b.status_code == 200 and "checkout-service" in on_b.text
    token = csrf_from(on_b.text)
    out = requests.post(
        b.url + "/logout",
        cookies=cookies,
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert out.status_code == 303
    on_a = requests.get(a.url + "/browse/", cookies=cookies, allow_redirects=False, timeout=10)
    assert on_a.status_code == 303 and "/login" in on_a.headers["Location"]


def test_rate_limit_is_shared_between_replicas(
    make_dashboard: DashboardFactory, redis_server: RedisProcess
) -> None:
    env = {
        "PROPDESK_SESSION_BACKEND": "redis",
        "PROPDESK_REDIS_URL": redis_server.url,
        "PROPDESK_LOGIN_RATE_LIMIT": "3 per minute",
    }
    a, b = make_dashboard(**env), make_dashboard(**env)
    http = requests.Session()
    codes = [login(http, url, "admin", "wrong").status_code for url in (a.url, b.url, a.url, b.url)]
    assert codes == [401, 401, 401, 429]


def test_redis_down_readyz_and_pages_say_so(
    make_dashboard: DashboardFactory, redis_server: RedisProcess
) -> None:
    dash = make_dashboard(PROPDESK_SESSION_BACKEND="redis", PROPDESK_REDIS_URL=redis_server.url)
    browser = requests.Session()
    assert login(browser, dash.url).status_code == 303
    assert requests.get(dash.url + "/readyz", timeout=10).status_code == 200
    redis_server.stop()
    ready = requests.get(dash.url + "/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    assert requests.get(dash.url + "/healthz", timeout=10).status_code == 200  # liveness
    page = browser.get(dash.url + "/browse/", allow_redirects=False, timeout=30)
    assert page.status_code == 503 and "session store is unavailable" in page.text
    hx = browser.get(dash.url + "/browse/", headers={"HX-Request": "true"}, timeout=30)
    assert hx.status_code == 503 and "session store is unavailable" in hx.headers["HX-Trigger"]
    redis_server.start()
    assert wait_until(
        lambda: requests.get(dash.url + "/readyz", timeout=10).status_code == 200, timeout=15
    )
    # The session written before the fault is still valid (Redis kept it on disk).
    again = browser.get(dash.url + "/browse/", allow_redirects=False, timeout=30)
    assert again.status_code == 200
