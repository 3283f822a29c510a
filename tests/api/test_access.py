"""Who may call the API: keys by header or query parameter, the exact 401, scope and
prefix refusals, the rate limit, browser sessions and keys kept apart, keys never logged,
and each key's upstream session (renewed on 401, shared by the workers)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import requests

from app.journal import Source
from app.services import services
from tests.api.conftest import DATA_KEY
from tests.api.support import Api, make_key
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess

ROOT = Path(__file__).resolve().parents[2]


def assert_invalid_key(answer: requests.Response) -> None:
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert answer.text == "Invalid API key"


@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
def test_both_transports_carry_the_key(
    api_dashboard: DashboardThread, rw_key: str, in_query: bool
) -> None:
    good = Api(api_dashboard, rw_key, in_query=in_query)
    assert good.get("/sheets/projects/Default").status_code == 200
    assert good.get("/properties/projects/Default/PythonProperty").status_code == 200
    bad = Api(api_dashboard, rw_key[:-2] + "xx", in_query=in_query)
    assert_invalid_key(bad.get("/sheets/projects/Default"))


@pytest.mark.parametrize("key", [None, "", "propdesk_", "Bearer x", "propdesk_" + "A" * 300])
def test_missing_and_unknown_keys_get_the_exact_401(
    api_dashboard: DashboardThread, key: str | None
) -> None:
    api = Api(api_dashboard, key)
    for method in ("GET", "PUT", "DELETE"):
        assert_invalid_key(api.call(method, "/properties/projects/Default/PythonProperty"))
    assert_invalid_key(api.get("/sheets/projects/Default"))


def test_version_is_public_and_the_same_with_a_key(
    api_dashboard: DashboardThread, api: Api
) -> None:
    public = Api(api_dashboard, None).get("/version")
    assert public.status_code == 200
    assert set(public.json()) == {"id", "builduser", "version"}
    assert public.json()["id"] == "dev" and public.json()["version"] == "0.1.0"
    assert api.get("/version").json() == public.json()
    assert_invalid_key(Api(api_dashboard, "propdesk_wrong").get("/version"))


def test_a_read_only_key_never_writes(
    admin_client: Client, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project(x="1")
    api = Api(api_dashboard, make_key(admin_client, "reader", scope="read-only"))
    assert api.get(f"/properties/projects/{project}/x").json()["property"]["value"] == "1"
    for answer in (
        api.put(f"/properties/projects/{project}/x", json={"value": "2"}),
        api.delete(f"/properties/projects/{project}/x"),
        api.put(f"/sheets/projects/{project}/s"),
    ):
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "AccessDenied"
        assert "read-only" in answer.json()["error"]["message"]
    assert emulator.value(f"/projects/{project}/x") == "1"


def test_a_key_stays_inside_its_prefixes(
    admin_client: Client, api_dashboard: DashboardThread, api: Api, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project(x="1")
    assert api.put(f"/sheets/projects/{project}/ci").status_code == 201
    key = make_key(admin_client, "ci-only", prefixes=f"/projects/{project}/ci")
    api = Api(api_dashboard, key)
    inside = api.put(f"/properties/projects/{project}/ci/version", json={"value": "7"})
    assert inside.status_code == 201
    for answer in (
        api.get(f"/properties/projects/{project}/x"),
        api.put(f"/properties/projects/{project}/x", json={"value": "2"}),
        api.get(f"/sheets/projects/{project}"),
        api.put(f"/properties/projects/{project}/cid", json={"value": "2"}),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "AccessDenied"
        assert "outside the key's prefixes" in answer.json()["error"]["message"]
    assert emulator.value(f"/projects/{project}/x") == "1"


def test_the_rate_limit_answers_429_with_retry_after(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(PROPDESK_DATA_KEYS=DATA_KEY, PROPDESK_API_RATE_LIMIT="3 per minute")
    api = Api(dash, make_key(Client(dash)))
    assert [api.get("/version").status_code for _ in range(3)] == [200] * 3
    refused = api.get("/version")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "TooManyRequests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = Api(dash, make_key(Client(dash), "another"))  # counted per key
    assert other.get("/version").status_code == 200


def test_browser_sessions_do_not_authenticate_the_api(
    admin_client: Client, api_dashboard: DashboardThread
) -> None:
    """A logged-in browser's cookie is not a key (no cookie, no CSRF on /api/)."""
    answer = admin_client.http.get(api_dashboard.url + "/api/v1/sheets/projects/Default")
    assert_invalid_key(answer)


def test_keys_do_not_authenticate_pages(api_dashboard: DashboardThread, rw_key: str) -> None:
    page = requests.get(
        api_dashboard.url + "/browse/",
        headers={"API-Key": rw_key},
        params={"api_key": rw_key},
        allow_redirects=False,
        timeout=10,
    )
    assert page.status_code in (302, 303) and "/login" in page.headers["Location"]


def test_api_answers_set_no_cookie(api: Api) -> None:
    answer = api.get("/sheets/projects/Default")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers


def test_keys_are_never_logged(
    api_dashboard: DashboardThread, rw_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """No record of propdesk's own loggers holds the key, sent either way. The test server's
    werkzeug access log does (which shows the capture would see it); in production gunicorn's
    access log replaces it, and its format has the path without the query string. urllib3's
    records are this test's own client's (propdesk never sends the key upstream)."""
    caplog.set_level(logging.DEBUG)
    for in_query in (True, False):
        api = Api(api_dashboard, rw_key, in_query=in_query)
        assert api.get("/sheets/projects/Default").status_code == 200
        assert api.get("/properties/projects/Default/nothing-here").status_code == 404
        assert api.put("/properties/projects/Default/x", data="[").status_code == 400
    own = [r for r in caplog.records if r.name.split(".")[0] not in ("werkzeug", "urllib3")]
    assert not [record for record in own if rw_key in f"{record.getMessage()} {record.__dict__}"]
    served = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(rw_key in line for line in served)
    conf = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    access = re.search(r"^access_log_format = \((.*?)^\)", conf, re.M | re.S)
    assert access and '"path":"%(U)s"' in access.group(1)
    assert not re.search(r"%\((r|q)\)s|\{(api-key|query_string)\}", access.group(1), re.I)


def test_the_journal_records_source_api_and_the_key_name(
    api: Api, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project()
    assert api.put(f"/properties/projects/{project}/v", json={"value": "1"}).status_code == 201
    with api_dashboard.app.app_context():
        from app.cloudbees import PropertyPath

        entries = services().journal.history(PropertyPath.project(project, "v")).items
    assert [(e.source, e.actor.cd_user, e.actor.sso_user) for e in entries] == [
        (Source.API, "admin", "key:deploy-bot")
    ]


def test_the_upstream_session_is_renewed_after_a_401(api: Api, emulator: EmulatorProcess) -> None:
    assert api.get("/sheets/projects/Default").status_code == 200
    emulator.reset_counts()
    assert api.get("/sheets/projects/Default").status_code == 200
    assert emulator.counts().get("POST /sessions", 0) == 0  # the kept session is reused
    assert emulator.expire_sessions("admin") >= 1
    assert api.get("/properties/projects/Default/PythonProperty").status_code == 200
    assert emulator.counts().get("POST /sessions", 0) == 1  # logged in again with the token


def test_a_token_revoked_upstream_is_a_clear_403(
    admin_client: Client, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    token = requests.post(
        emulator.base_url + "/_emulator/tokens", params={"userName": "admin"}, timeout=10
    ).json()["token"]
    api = Api(api_dashboard, make_key(admin_client, "minted", token=token))
    assert api.get("/sheets/projects/Default").status_code == 200
    requests.delete(emulator.base_url + f"/_emulator/tokens/{token}", timeout=10)
    emulator.expire_sessions("admin")
    refused = api.get("/sheets/projects/Default")
    assert refused.status_code == 403
    assert "access token" in refused.json()["error"]["message"]


def test_expanding_never_reads_outside_the_prefixes(
    admin_client: Client, api_dashboard: DashboardThread, api: Api, emulator: EmulatorProcess
) -> None:
    """A ``$[...]`` reference is read by the server as the key's owner, anywhere: a key with
    prefixes must not use ``expand=1`` to read what lies outside them."""
    project = emulator.new_project(secret="s3cret")
    assert api.put(f"/sheets/projects/{project}/ci").status_code == 201
    ci = Api(api_dashboard, make_key(admin_client, "ci-only", prefixes=f"/projects/{project}/ci"))
    url = f"/properties/projects/{project}/ci/peek"
    for reference in (f"$[/projects/{project}/secret]", "$[secret]"):
        assert ci.put(url, json={"value": reference}).status_code in (200, 201)
        refused = ci.get(url, params={"expand": "1"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "AccessDenied"
        assert "s3cret" not in refused.text
    assert ci.put(url, json={"value": "plain"}).status_code == 200
    plain = ci.get(url, params={"expand": "1"})
    assert plain.status_code == 200 and plain.json()["property"]["value"] == "plain"
    unrestricted = api.get(f"/properties/projects/{project}/ci/peek", params={"expand": "1"})
    assert unrestricted.json()["property"]["value"] == "plain"
    assert ci.put(url, json={"value": "$[secret]"}).status_code == 200
    assert api.get(url, params={"expand": "1"}).json()["property"]["value"] == "s3cret"
