"""Operations under gunicorn as shipped: metrics, JSON logs with request ids, no secrets."""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.conftest import GunicornFactory
from tests.support.servers import DashboardProcess, EmulatorProcess, csrf_from, login

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def site(make_gunicorn: GunicornFactory) -> DashboardProcess:
    return make_gunicorn(PROPDESK_METRICS_TOKEN=TOKEN, WEB_CONCURRENCY="2")


def test_metrics_need_the_token_and_count_by_route(site: DashboardProcess) -> None:
    assert requests.get(site.url + "/metrics", timeout=10).status_code == 404
    wrong = requests.get(
        site.url + "/metrics", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert wrong.status_code == 404
    browser = requests.Session()
    login(browser, site.url)
    for _ in range(6):  # spread over both workers
        browser.get(site.url + "/browse/projects/checkout-service/ci/version", timeout=10)
    r = requests.get(
        site.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert r.status_code == 200
    text = r.text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("propdesk_requests_total{")
        and 'route="/browse/<node:path>"' in ln
        and 'status="200"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) == 6.0  # summed across worker processes
    assert 'propdesk_upstream_seconds_count{operation="GET /properties//{path}"}' in text
    assert "checkout-service" not in text  # labels are route templates, never raw paths
    assert "propdesk_active_sessions" in text


def metric(site: DashboardProcess, name: str) -> float:
    """The value of one unlabelled metric on ``/metrics`` (fails if it is missing)."""
    r = requests.get(
        site.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert r.status_code == 200
    values = [
        sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
        if sample.name == name
    ]
    assert len(values) == 1, (name, values)
    return float(values[0])


def test_active_sessions_gauge_counts_a_login(site: DashboardProcess) -> None:
    assert metric(site, "propdesk_active_sessions") == 0  # nobody has logged in yet
    browser = requests.Session()
    assert login(browser, site.url).status_code == 303
    assert browser.get(site.url + "/browse/", timeout=10).status_code == 200
    # The login wrote its activity to the store the gauge counts (the gauge used to stay 0).
    assert metric(site, "propdesk_active_sessions") >= 1


def test_json_logs_with_request_id_and_no_secrets(
    site: DashboardProcess, emulator: EmulatorProcess
) -> None:
    browser = requests.Session()
    r = login(browser, site.url, "admin", "changeme")
    cookie = next(iter(browser.cookies)).value or ""
    page = browser.get(
        site.url + "/browse/projects/Default/", headers={"X-Request-ID": "req-42"}, timeout=10
    )
    assert page.headers["X-Request-ID"] == "req-42"
    bad_id = browser.get(site.url + "/browse/", headers={"X-Request-ID": 'x" y'}, timeout=10)
    assert bad_id.headers["X-Request-ID"] != 'x" y'
    token = csrf_from(page.text)
    browser.post(
        site.url + "/new/projects/Default/",
        data={"kind": "value", "name": "logged-change", "value": "v"},
        headers={"HX-Request": "true", "X-CSRFToken": token, "X-Request-ID": "req-43"},
        timeout=10,
    )
    login(requests.Session(), site.url, "admin", "wrong-secret-pw")
    log = site.log_path.read_text()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert entries, log[-2000:]
    access = [e for e in entries if e.get("path") == "/browse/projects/Default/"]
    assert access and access[0]["request_id"] == "req-42"
    change = [e for e in entries if e.get("event") == "property.created"]
    assert change and change[0]["request_id"] == "req-43" and change[0]["user"] == "admin"
    assert change[0]["path"] == "/projects/Default/logged-change"
    requests.delete(
        emulator.api + "/properties//projects/Default/logged-change",
        auth=("admin", "changeme"),
        timeout=10,
    )
    with sqlite3.connect(emulator.db) as db:
        upstream_ids = [row[0] for row in db.execute("SELECT id FROM sessions")]
    assert upstream_ids
    for secret in ("changeme", "wrong-secret-pw", cookie, token, *upstream_ids):
        assert secret and secret not in log
    assert r.status_code == 303
