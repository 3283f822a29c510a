"""Redis (or the login-limit store) down: visitors of the login page get the documented 503
page, never a 500."""

from __future__ import annotations

import requests

from tests.conftest import DashboardFactory
from tests.support.servers import RedisProcess, csrf_from

DOWN = "session store is unavailable"


def test_new_visitors_get_the_503_page_when_redis_is_down(
    make_dashboard: DashboardFactory, redis_server: RedisProcess
) -> None:
    dash = make_dashboard(PROPDESK_SESSION_BACKEND="redis", PROPDESK_REDIS_URL=redis_server.url)
    early = requests.Session()
    token = csrf_from(early.get(dash.url + "/login", timeout=10).text)  # a form from before
    redis_server.stop()
    form = {"username": "admin", "password": "changeme"}
    page = requests.get(dash.url + "/login", timeout=30)
    assert page.status_code == 503 and DOWN in page.text
    hx = requests.get(dash.url + "/login", headers={"HX-Request": "true"}, timeout=30)
    assert hx.status_code == 503 and DOWN in hx.headers["HX-Trigger"]
    sent = early.post(
        dash.url + "/login",
        data={**form, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert sent.status_code == 503 and DOWN in sent.text
    assert requests.get(dash.url + "/healthz", timeout=10).status_code == 200


def test_a_failing_login_limit_store_gives_the_503_page(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard()
    counts = dash.settings.session_dir / "ratelimits" / "counts.sqlite3"
    counts.mkdir(parents=True)  # a folder where the SQLite file should be: every count fails
    http = requests.Session()
    token = csrf_from(http.get(dash.url + "/login", timeout=10).text)
    r = http.post(
        dash.url + "/login",
        data={"username": "admin", "password": "changeme", "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 503 and DOWN in r.text
