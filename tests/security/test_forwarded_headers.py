"""Forwarded headers (``X-Forwarded-*``) are believed only from the trusted proxies, and a
forwarded path prefix only when it is a plain absolute path."""

from __future__ import annotations

import re

import pytest
import requests

from app.config import ConfigError, Settings
from tests.conftest import DashboardFactory
from tests.support.servers import csrf_from

PREFIX = {
    "X-Forwarded-Prefix": "/propdesk",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Host": "tools.example.com",
}


def test_a_proxy_count_needs_trusted_proxies() -> None:
    env = {
        "PROPDESK_CD_URL": "https://cd.example.com",
        "PROPDESK_SECRET_KEY": "k" * 32,
        "PROPDESK_PROXY_COUNT": "1",
    }
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env)
    assert "PROPDESK_PROXY_COUNT" in str(err.value)
    assert "PROPDESK_TRUSTED_PROXIES" in str(err.value)
    trusted = Settings.from_env({**env, "PROPDESK_TRUSTED_PROXIES": "10.0.0.5"})
    assert trusted.proxy_count == 1


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(
    make_dashboard: DashboardFactory,
) -> None:
    # The test connects from 127.0.0.1; only 127.0.0.2 is a trusted proxy.
    dash = make_dashboard(
        PROPDESK_PROXY_COUNT="1",
        PROPDESK_TRUSTED_PROXIES="127.0.0.2/32",
        PROPDESK_LOGIN_RATE_LIMIT="3 per hour",
    )
    r = requests.get(dash.url + "/browse/", headers=PREFIX, allow_redirects=False, timeout=10)
    assert r.headers["Location"] == "/login?next=/browse/"
    page = requests.get(dash.url + "/login", headers=PREFIX, timeout=10)
    assert 'action="/login"' in page.text and "Path=/;" in page.headers["Set-Cookie"] + ";"
    codes = []
    for i in range(5):  # a new client address every time: the limit still counts one peer
        http = requests.Session()
        http.headers["X-Forwarded-For"] = f"10.9.0.{i}"
        form = http.get(dash.url + "/login", timeout=10)
        codes.append(
            http.post(
                dash.url + "/login",
                data={"username": "admin", "password": "x", "csrf_token": csrf_from(form.text)},
                timeout=10,
            ).status_code
        )
    assert codes == [401, 401, 401, 429, 429]


@pytest.mark.parametrize(
    "prefix",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/propdesk//evil.example",
        "evil.example",
        "/prop\x01desk",
        "/propdesk/../evil",
        "/propdesk?x=1",
        "/%2F%2Fevil.example",
    ],
)
def test_only_a_plain_prefix_is_accepted(make_dashboard: DashboardFactory, prefix: str) -> None:
    dash = make_dashboard(PROPDESK_PROXY_COUNT="1", PROPDESK_TRUSTED_PROXIES="127.0.0.1/32")
    page = requests.get(dash.url + "/login", headers={"X-Forwarded-Prefix": prefix}, timeout=10)
    assert page.status_code == 200
    urls = re.findall(r'(?:href|src|action)="([^"]*)"', page.text)
    assert urls and 'src="/static/vendor/htmx/htmx-2.0.11.min.js"' in page.text
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert "evil" not in url and "desk" not in url, url
    cookie = page.headers["Set-Cookie"]
    assert "Path=/;" in cookie + ";" and "evil" not in cookie


def test_a_plain_prefix_from_a_trusted_proxy_is_kept(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(PROPDESK_PROXY_COUNT="1", PROPDESK_TRUSTED_PROXIES="127.0.0.1/32")
    page = requests.get(dash.url + "/login", headers=PREFIX, timeout=10)
    assert 'action="/propdesk/login"' in page.text
    assert 'src="/propdesk/static/vendor/htmx/htmx-2.0.11.min.js"' in page.text
    assert "Path=/propdesk" in page.headers["Set-Cookie"]
