"""The emulator against the upstream contract (../shared/reference/cloudbees-cd-rest.md).

Every test talks to a real emulator process over HTTP; one test per rule of the reference.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from werkzeug.serving import make_server

from emulator import EmulatorSettings, create_emulator
from tests.support.servers import EmulatorProcess

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def unique(prefix: str = "p") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_project(admin: requests.Session, api: str) -> str:
    name = unique("proj")
    r = admin.post(api + "/projects", json={"projectName": name, "description": "test"}, timeout=10)
    assert r.status_code == 200, r.text
    return name


def error_of(r: requests.Response) -> dict[str, str]:
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"where", "message", "details", "code"}
    return dict(body["error"])


def all_scalars_are_strings(node: Any) -> bool:
    if isinstance(node, dict):
        return all(all_scalars_are_strings(v) for v in node.values())
    if isinstance(node, list):
        return all(all_scalars_are_strings(v) for v in node)
    return isinstance(node, str)


# -- 1. conventions -------------------------------------------------------------------------
def test_unknown_route_is_501_not_implemented(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    r = admin.get(emulator.api + "/noSuchThing", timeout=10)
    assert r.status_code == 501
    assert error_of(r)["code"] == "NotImplemented"
    r = admin.get(emulator.base_url + "/not/rest/at/all", timeout=10)
    assert r.status_code == 501


def test_unknown_request_name_is_501(emulator: EmulatorProcess, admin: requests.Session) -> None:
    r = admin.put(
        emulator.api + "/properties/x",
        params={"projectName": "Default", "request": "frobnicate"},
        timeout=10,
    )
    assert r.status_code == 501


def test_body_that_is_not_json_is_400(emulator: EmulatorProcess, admin: requests.Session) -> None:
    r = admin.post(
        emulator.api + "/projects",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 400
    assert error_of(r)["code"] == "InvalidArgument"


def test_body_wins_over_query_string(emulator: EmulatorProcess, admin: requests.Session) -> None:
    project = new_project(admin, emulator.api)
    r = admin.put(
        emulator.api + "/properties/clash",
        params={"projectName": project, "value": "from-query"},
        json={"value": "from-body"},
        timeout=10,
    )
    assert r.status_code == 200
    assert r.json()["property"]["value"] == "from-body"


def test_every_scalar_is_a_string_and_times_are_iso(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    for path in (
        "/projects",
        "/properties?path=/projects/checkout-service&recurse=1&expand=0",
        "/artifactVersions",
        "/repositories",
        "/artifacts",
    ):
        body = admin.get(emulator.api + path, timeout=10).json()
        assert all_scalars_are_strings(body), path
    prop = admin.get(
        emulator.api + "/properties/PythonProperty", params={"projectName": "Default"}, timeout=10
    ).json()["property"]
    assert ISO.match(prop["createTime"]) and ISO.match(prop["modifyTime"])


@pytest.mark.parametrize("raw,expected", [("1", "1"), ("true", "1"), ("0", "0"), ("false", "0")])
def test_booleans_accept_0_1_true_false(
    emulator: EmulatorProcess, admin: requests.Session, raw: str, expected: str
) -> None:
    project = new_project(admin, emulator.api)
    r = admin.post(
        emulator.api + "/properties",
        params={"propertyName": "b", "projectName": project, "value": "v", "expandable": raw},
        timeout=10,
    )
    assert r.json()["property"]["expandable"] == expected


def test_bad_boolean_names_the_argument(emulator: EmulatorProcess, admin: requests.Session) -> None:
    r = admin.post(
        emulator.api + "/properties",
        params={"propertyName": "b", "projectName": "Default", "value": "v", "expandable": "maybe"},
        timeout=10,
    )
    assert r.status_code == 400
    assert "expandable" in error_of(r)["message"]


def test_one_object_wrapped_list_uses_singular_key(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    one = admin.get(emulator.api + "/projects/Default", timeout=10).json()
    assert isinstance(one["project"], dict)
    many = admin.get(emulator.api + "/projects", timeout=10).json()
    assert isinstance(many["project"], list)


def test_names_in_urls_are_percent_decoded(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    name = "Electric Cloud " + unique()
    admin.post(emulator.api + "/projects", json={"projectName": name}, timeout=10)
    r = admin.get(emulator.api + "/projects/" + quote(name, safe=""), timeout=10)
    assert r.status_code == 200
    assert r.json()["project"]["projectName"] == name


def test_empty_fields_are_left_out(emulator: EmulatorProcess, admin: requests.Session) -> None:
    project = new_project(admin, emulator.api)
    admin.post(
        emulator.api + "/properties",
        json={"propertyName": "empty", "projectName": project, "propertyType": "sheet"},
        timeout=10,
    )
    sheet = admin.get(
        emulator.api + "/properties", params={"path": f"/projects/{project}/empty"}, timeout=10
    ).json()["propertySheet"]
    assert "property" not in sheet


# -- 2. sessions ----------------------------------------------------------------------------
def test_login_with_query_or_json(emulator: EmulatorProcess) -> None:
    r1 = requests.post(
        emulator.api + "/sessions", params={"userName": "admin", "password": "changeme"}, timeout=10
    )
    r2 = requests.post(
        emulator.api + "/sessions", json={"userName": "admin", "password": "changeme"}, timeout=10
    )
    for r in (r1, r2):
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"sessionId", "userName"} and body["userName"] == "admin"
        assert re.fullmatch(r"[A-Z0-9]{16}", body["sessionId"])
    assert r1.json()["sessionId"] != r2.json()["sessionId"]


def test_login_with_access_token(emulator: EmulatorProcess) -> None:
    r = requests.post(emulator.api + "/sessions", json={"token": "admin-access-token"}, timeout=10)
    assert r.status_code == 200 and r.json()["userName"] == "admin"
    bad = requests.post(emulator.api + "/sessions", json={"token": "nope"}, timeout=10)
    assert bad.status_code == 401


def test_session_by_header_cookie_and_basic(emulator: EmulatorProcess) -> None:
    sid = requests.post(
        emulator.api + "/sessions", json={"userName": "admin", "password": "changeme"}, timeout=10
    ).json()["sessionId"]
    url = emulator.api + "/projects/Default"
    assert requests.get(url, headers={"sessionId": sid}, timeout=10).status_code == 200
    assert requests.get(url, cookies={"sessionId": sid}, timeout=10).status_code == 200
    assert requests.get(url, auth=("admin", "changeme"), timeout=10).status_code == 200


def test_no_credentials_envelope(emulator: EmulatorProcess) -> None:
    no_session: dict[str, str] = {}
    for auth, headers in (
        (None, no_session),
        (("admin", "wrong"), no_session),
        (None, {"sessionId": "NOSUCHSESSION"}),
    ):
        r = requests.get(emulator.api + "/projects", auth=auth, headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.json() == {
            "error": {
                "where": "",
                "message": "No credentials/session found in this request",
                "details": "",
                "code": "NoCredentials",
            }
        }


def test_wrong_password_is_401_invalid_credentials(emulator: EmulatorProcess) -> None:
    r = requests.post(
        emulator.api + "/sessions", json={"userName": "admin", "password": "nope"}, timeout=10
    )
    assert r.status_code == 401
    assert error_of(r)["code"] == "InvalidCredentials"
    assert "sessionId" not in r.cookies


def test_logout_kills_the_session(emulator: EmulatorProcess) -> None:
    sid = requests.post(
        emulator.api + "/sessions", json={"userName": "admin", "password": "changeme"}, timeout=10
    ).json()["sessionId"]
    headers = {"sessionId": sid}
    assert requests.delete(emulator.api + "/sessions", headers=headers, timeout=10).ok
    r = requests.get(emulator.api + "/projects", headers=headers, timeout=10)
    assert r.status_code == 401


class ManualClock:
    """A time source that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def emulator_on_a_clock(workdir: Path, clock: ManualClock, **settings: Any) -> Iterator[str]:
    """An emulator in this process whose sessions age by ``clock``, over real HTTP on a free
    loopback port; yields its API base URL."""
    app = create_emulator(
        EmulatorSettings(
            db_path=workdir / "emulator.sqlite3", files_dir=workdir / "files", **settings
        ),
        clock=clock,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/rest/v1.0"
    finally:
        server.shutdown()
        server.server_close()


def test_session_lifetime_is_configurable(tmp_path: Path) -> None:
    clock = ManualClock()
    with emulator_on_a_clock(tmp_path, clock, session_lifetime=60.0) as api:
        sid = requests.post(
            api + "/sessions", json={"userName": "admin", "password": "changeme"}, timeout=10
        ).json()["sessionId"]

        def status() -> int:
            return requests.get(
                api + "/projects", headers={"sessionId": sid}, timeout=10
            ).status_code

        assert status() == 200
        clock.advance(59)  # used within the lifetime: alive, and idle time starts again
        assert status() == 200
        clock.advance(61)  # idle for longer than the lifetime
        assert status() == 401


def test_control_expires_one_users_sessions(emulator: EmulatorProcess) -> None:
    def login(user: str, password: str) -> str:
        return str(
            requests.post(
                emulator.api + "/sessions",
                json={"userName": user, "password": password},
                timeout=10,
            ).json()["sessionId"]
        )

    viewer, admin_sid = login("viewer", "viewer"), login("admin", "changeme")
    assert emulator.expire_sessions("viewer") >= 1
    url = emulator.api + "/projects"
    assert requests.get(url, headers={"sessionId": viewer}, timeout=10).status_code == 401
    assert requests.get(url, headers={"sessionId": admin_sid}, timeout=10).status_code == 200


def test_viewer_is_read_only(emulator: EmulatorProcess) -> None:
    auth = ("viewer", "viewer")
    assert requests.get(emulator.api + "/projects", auth=auth, timeout=10).status_code == 200
    calls: list[tuple[str, str, dict[str, str] | None, dict[str, str] | None]] = [
        ("PUT", "/properties/x", {"projectName": "Default", "value": "1"}, None),
        ("POST", "/projects", None, {"projectName": unique()}),
        ("DELETE", "/properties/PythonProperty", {"projectName": "Default"}, None),
        ("POST", "/artifacts", {"groupId": "g", "artifactKey": "k"}, None),
    ]
    for method, path, params, body in calls:
        r = requests.request(
            method, emulator.api + path, params=params, json=body, auth=auth, timeout=10
        )
        assert r.status_code == 403, (method, path)
        assert error_of(r)["code"] == "AccessDenied"


# -- 4. projects ----------------------------------------------------------------------------
def test_projects_list_shape_and_plugin_key(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    projects = admin.get(emulator.api + "/projects", timeout=10).json()["project"]
    names = {p["projectName"] for p in projects}
    assert {"Default", "checkout-service", "payments-api"} <= names
    plugins = [p for p in projects if "pluginKey" in p]
    assert [p["pluginKey"] for p in plugins] == ["EC-Kubernetes"]
    default = admin.get(emulator.api + "/projects/Default", timeout=10).json()["project"]
    for field in (
        "projectId",
        "projectName",
        "description",
        "createTime",
        "modifyTime",
        "lastModifiedBy",
        "owner",
        "propertySheetId",
        "tracked",
    ):
        assert field in default


def test_project_create_modify_delete(emulator: EmulatorProcess, admin: requests.Session) -> None:
    name = new_project(admin, emulator.api)
    again = admin.post(emulator.api + "/projects", json={"projectName": name}, timeout=10)
    assert again.status_code == 409
    renamed = name + "-x"
    r = admin.put(
        emulator.api + f"/projects/{name}",
        json={"newName": renamed, "description": "d2"},
        timeout=10,
    )
    assert r.json()["project"]["projectName"] == renamed
    assert admin.delete(emulator.api + f"/projects/{renamed}", timeout=10).status_code == 200
    r = admin.get(emulator.api + f"/projects/{renamed}", timeout=10)
    assert r.status_code == 404 and error_of(r)["code"] == "NoSuchProject"


@pytest.mark.parametrize("name", ["", "x" * 256])
def test_project_name_length(emulator: EmulatorProcess, admin: requests.Session, name: str) -> None:
    r = admin.post(emulator.api + "/projects", json={"projectName": name}, timeout=10)
    assert r.status_code == 400


# -- 5. properties --------------------------------------------------------------------------
def test_get_property_by_name_and_by_path(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    by_name = admin.get(
        emulator.api + "/properties/version", timeout=10, params={"projectName": "checkout-service"}
    )
    assert by_name.status_code == 404  # a name is looked up in the project's root sheet
    by_path = admin.get(
        emulator.api + "/properties//projects/checkout-service/ci/version", timeout=10
    )
    assert by_path.json()["property"]["value"] == "1.10.0"
    quoted = admin.get(
        emulator.api + "/properties//" + quote("projects[checkout-service]/ci/version"),
        timeout=10,
    )
    assert quoted.json()["property"]["value"] == "1.10.0"


def test_sheet_property_has_sheet_id_and_no_value(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    prop = admin.get(
        emulator.api + "/properties//projects/checkout-service/deploy", timeout=10
    ).json()["property"]
    assert "propertySheetId" in prop and "value" not in prop
    by_id = admin.get(
        emulator.api + f"/propertySheets/{prop['propertySheetId']}", timeout=10
    ).json()["propertySheet"]
    assert [p["propertyName"] for p in by_id["property"]] == ["dev", "prod", "staging"]


def test_sheet_by_path_and_recurse(emulator: EmulatorProcess, admin: requests.Session) -> None:
    flat = admin.get(
        emulator.api + "/properties",
        timeout=10,
        params={"path": "/projects/checkout-service/deploy", "expand": "0"},
    ).json()["propertySheet"]
    assert all("propertySheet" not in p for p in flat["property"])
    deep = admin.get(
        emulator.api + "/properties",
        timeout=10,
        params={"path": "/projects/checkout-service/deploy", "recurse": "1", "expand": "0"},
    ).json()["propertySheet"]
    prod = next(p for p in deep["property"] if p["propertyName"] == "prod")
    database = next(p for p in prod["propertySheet"]["property"] if p["propertyName"] == "database")
    names = [p["propertyName"] for p in database["propertySheet"]["property"]]
    assert names == ["jdbcUrl", "poolSize"]


def test_project_root_sheet_by_locator(emulator: EmulatorProcess, admin: requests.Session) -> None:
    sheet = admin.get(
        emulator.api + "/properties", params={"projectName": "Default"}, timeout=10
    ).json()["propertySheet"]
    assert "PythonProperty" in {p["propertyName"] for p in sheet["property"]}


def test_server_level_properties(emulator: EmulatorProcess, admin: requests.Session) -> None:
    r = admin.get(emulator.api + "/properties//server/settings/ipAddress", timeout=10)
    assert r.json()["property"]["value"] == "cd.internal.example.com"
    sheet = admin.get(emulator.api + "/properties", params={"path": "/server"}, timeout=10).json()[
        "propertySheet"
    ]
    assert {"settings", "motd"} <= {p["propertyName"] for p in sheet["property"]}


def test_expansion_default_and_raw(emulator: EmulatorProcess, admin: requests.Session) -> None:
    url = emulator.api + "/properties//projects/checkout-service/deploy/prod/url"
    expanded = admin.get(url, timeout=10).json()["property"]["value"]
    raw = admin.get(url, params={"expand": "0"}, timeout=10).json()["property"]["value"]
    assert expanded == "https://prod.internal.example.com:443/checkout-service"
    assert raw == "https://$[/projects/checkout-service/deploy/prod/host]:$[port]/checkout-service"


def test_broken_reference_fails_the_read_but_not_raw(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    url = emulator.api + "/properties//projects/payments-api/deploy/prod/brokenRef"
    r = admin.get(url, timeout=10)
    assert r.status_code == 404
    err = error_of(r)
    assert err["code"] == "NoSuchProperty" and "doesNotExist" in err["message"]
    assert admin.get(url, params={"expand": "0"}, timeout=10).status_code == 200


def test_non_expandable_value_is_not_expanded(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    project = new_project(admin, emulator.api)
    admin.post(
        emulator.api + "/properties",
        json={
            "propertyName": "lit",
            "projectName": project,
            "value": "$[/server/settings/ipAddress]",
            "expandable": "0",
        },
        timeout=10,
    )
    got = admin.get(
        emulator.api + "/properties/lit", params={"projectName": project}, timeout=10
    ).json()["property"]
    assert got["value"] == "$[/server/settings/ipAddress]"


def test_reference_cycle_is_refused_not_hung(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    project = new_project(admin, emulator.api)
    for a, b in (("a", "b"), ("b", "a")):
        admin.put(
            emulator.api + f"/properties/{a}",
            params={"projectName": project, "value": f"$[/projects/{project}/{b}]"},
            timeout=10,
        )
    r = admin.get(emulator.api + "/properties/a", params={"projectName": project}, timeout=10)
    assert r.status_code == 400


def test_set_creates_then_updates(emulator: EmulatorProcess, admin: requests.Session) -> None:
    project = new_project(admin, emulator.api)
    url = emulator.api + "/properties/greeting"
    first = admin.put(url, params={"projectName": project, "value": "hi"}, timeout=10)
    assert first.status_code == 200 and first.json()["property"]["value"] == "hi"
    second = admin.put(url, json={"projectName": project, "value": "hello\n  world"}, timeout=10)
    assert second.json()["property"]["value"] == "hello\n  world"
    assert second.json()["property"]["propertyId"] == first.json()["property"]["propertyId"]


def test_set_needs_a_value_and_refuses_sheets(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    r = admin.put(emulator.api + "/properties/x", params={"projectName": "Default"}, timeout=10)
    assert r.status_code == 400 and "value" in error_of(r)["message"]
    r = admin.put(
        emulator.api + "/properties//projects/checkout-service/deploy",
        params={"value": "x"},
        timeout=10,
    )
    assert r.status_code == 400


def test_create_value_sheet_and_nested_path(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    project = new_project(admin, emulator.api)
    sheet = admin.post(
        emulator.api + "/properties",
        json={
            "propertyName": "cfg",
            "projectName": project,
            "propertyType": "sheet",
            "description": "a sheet",
        },
        timeout=10,
    ).json()["property"]
    assert "propertySheetId" in sheet
    nested = admin.post(
        emulator.api + "/properties",
        json={"propertyName": f"/projects/{project}/cfg/timeout", "value": "30", "counter": "1"},
        timeout=10,
    )
    assert nested.status_code == 200 and nested.json()["property"]["counter"] == "1"
    relative = admin.post(
        emulator.api + "/properties",
        json={"propertyName": "cfg/retries", "projectName": project, "value": "3"},
        timeout=10,
    )
    assert relative.status_code == 200
    dup = admin.post(
        emulator.api + "/properties",
        json={"propertyName": "cfg", "projectName": project},
        timeout=10,
    )
    assert dup.status_code == 409 and error_of(dup)["code"] == "DuplicatePropertyName"
    missing_parent = admin.post(
        emulator.api + "/properties",
        json={"propertyName": "nope/x", "projectName": project, "value": "1"},
        timeout=10,
    )
    assert missing_parent.status_code == 404


def test_modify_answers_only_changed_fields(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    project = new_project(admin, emulator.api)
    admin.put(
        emulator.api + "/properties/old", params={"projectName": project, "value": "v"}, timeout=10
    )
    r = admin.put(
        emulator.api + "/properties/old",
        params={
            "projectName": project,
            "request": "modifyProperty",
            "newName": "new",
            "description": "renamed",
        },
        timeout=10,
    )
    prop = r.json()["property"]
    assert prop["propertyName"] == "new" and prop["description"] == "renamed"
    assert "value" not in prop and "createTime" not in prop
    full = admin.get(
        emulator.api + "/properties/new", params={"projectName": project}, timeout=10
    ).json()["property"]
    assert full["value"] == "v"


def test_increment_is_atomic_under_200_parallel_calls(emulator: EmulatorProcess) -> None:
    project = unique("counter")
    requests.post(
        emulator.api + "/projects",
        json={"projectName": project},
        auth=("admin", "changeme"),
        timeout=10,
    ).raise_for_status()
    url = emulator.api + "/properties/hits"
    params = {"projectName": project, "request": "incrementProperty", "incrementBy": "1"}

    def bump(_: int) -> int:
        r = requests.put(url, params=params, auth=("admin", "changeme"), timeout=60)
        return r.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(bump, range(200)))
    assert statuses == [200] * 200
    final = requests.get(
        url, params={"projectName": project}, auth=("admin", "changeme"), timeout=10
    ).json()["property"]
    assert final["value"] == "200"


def test_increment_refuses_non_integer(emulator: EmulatorProcess, admin: requests.Session) -> None:
    r = admin.put(
        emulator.api + "/properties/PythonProperty",
        params={"projectName": "Default", "request": "incrementProperty", "incrementBy": "1"},
        timeout=10,
    )
    assert r.status_code == 400


def test_delete_sheet_deletes_contents(emulator: EmulatorProcess, admin: requests.Session) -> None:
    project = new_project(admin, emulator.api)
    admin.post(
        emulator.api + "/properties",
        json={"propertyName": "s", "projectName": project, "propertyType": "sheet"},
        timeout=10,
    )
    admin.post(
        emulator.api + "/properties",
        json={"propertyName": "s/inner", "projectName": project, "value": "1"},
        timeout=10,
    )
    r = admin.delete(emulator.api + f"/properties//projects/{project}/s", timeout=10)
    assert r.status_code == 200
    gone = admin.get(emulator.api + f"/properties//projects/{project}/s/inner", timeout=10)
    assert gone.status_code == 404
    again = admin.delete(
        emulator.api + "/properties/s", params={"projectName": project}, timeout=10
    )
    assert again.status_code == 404 and error_of(again)["code"] == "NoSuchProperty"


@pytest.mark.parametrize(
    "name", ["properties", "project", "", "a" * 256, "x[1]", ".", "..", "tab\there"]
)
def test_reserved_and_invalid_names(
    emulator: EmulatorProcess, admin: requests.Session, name: str
) -> None:
    r = admin.post(
        emulator.api + "/properties",
        json={"propertyName": name, "projectName": "Default", "value": "1"},
        timeout=10,
    )
    assert r.status_code == 400
    assert error_of(r)["code"] == "InvalidPropertyName"


def test_encoded_slash_stays_one_segment(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    r = admin.put(
        emulator.api + "/properties/a%2Fb",
        params={"projectName": "Default", "value": "1"},
        timeout=10,
    )
    assert r.status_code == 400 and error_of(r)["code"] == "InvalidPropertyName"
    seen = [q for q in emulator.requests_seen() if q["path"].endswith("/properties/a%2Fb")]
    assert seen and seen[-1]["route"] == "PUT /properties/{propertyName}"


def test_ten_thousand_property_sheet_in_one_answer(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    project = new_project(admin, emulator.api)
    admin.post(
        emulator.api + "/properties",
        json={"propertyName": "big", "projectName": project, "propertyType": "sheet"},
        timeout=10,
    ).raise_for_status()
    sheet_id = admin.get(emulator.api + f"/properties//projects/{project}/big", timeout=10).json()[
        "property"
    ]["propertySheetId"]
    # Bulk-load through SQLite directly: 10,000 HTTP creates would only test the loader.
    with sqlite3.connect(emulator.db) as db:
        db.executemany(
            "INSERT INTO properties(sheet_id, name, value, owner, create_time, modify_time, "
            "last_modified_by) VALUES (?,?,?,?,?,?,?)",
            [
                (
                    int(sheet_id),
                    f"k{i:05d}",
                    f"v{i}",
                    "admin",
                    "2026-01-01T00:00:00.000Z",
                    "2026-01-01T00:00:00.000Z",
                    "admin",
                )
                for i in range(10_000)
            ],
        )
    r = admin.get(emulator.api + f"/propertySheets/{sheet_id}", params={"expand": "0"}, timeout=30)
    entries = r.json()["propertySheet"]["property"]
    assert len(entries) == 10_000 and entries[0]["propertyName"] == "k00000"
    # How long it takes is a benchmark figure (python -m bench), not a timed test.


# -- 6. artifacts ---------------------------------------------------------------------------
def test_create_artifact_and_get(emulator: EmulatorProcess, admin: requests.Session) -> None:
    key = unique("art")
    r = admin.post(
        emulator.api + "/artifacts",
        params={"groupId": "com.test", "artifactKey": key, "description": "d"},
        timeout=10,
    )
    art = r.json()["artifact"]
    assert art["artifactName"] == f"com.test:{key}"
    got = admin.get(emulator.api + f"/artifacts/com.test:{key}", timeout=10).json()["artifact"]
    assert got["artifactId"] == art["artifactId"]
    dup = admin.post(
        emulator.api + "/artifacts", params={"groupId": "com.test", "artifactKey": key}, timeout=10
    )
    assert dup.status_code == 409


@pytest.mark.parametrize("group,key", [("bad/group", "k"), ("g", "k:x"), ("", "k"), ("g", "ké")])
def test_invalid_artifact_names(
    emulator: EmulatorProcess, admin: requests.Session, group: str, key: str
) -> None:
    r = admin.post(
        emulator.api + "/artifacts", params={"groupId": group, "artifactKey": key}, timeout=10
    )
    assert r.status_code == 400 and error_of(r)["code"] == "InvalidArtifactName"


@pytest.mark.parametrize(
    "version,ok",
    [
        ("1", True),
        ("1.2", True),
        ("1.2.3", True),
        ("1.2.3-beta", True),
        ("1.2.3-rc1-17", True),
        ("v1", False),
        ("1..2", False),
        ("1.2.3.4", False),
        ("", False),
        ("1.2-", False),
        ("1 .2", False),
    ],
)
def test_version_rules(
    emulator: EmulatorProcess, admin: requests.Session, version: str, ok: bool
) -> None:
    key = unique("ver")
    r = admin.post(
        emulator.api + "/artifactVersions",
        json={"groupId": "com.test", "artifactKey": key, "version": version},
        timeout=10,
    )
    if ok:
        v = r.json()["artifactVersion"]
        assert v["artifactVersionState"] == "available" and v["version"] == version
    else:
        assert r.status_code == 400 and error_of(r)["code"] == "InvalidVersion"


def test_version_lifecycle(emulator: EmulatorProcess, admin: requests.Session) -> None:
    key = unique("life")
    name = f"com.test:{key}"
    body = {
        "artifactName": name,
        "version": "1.0.0",
        "repositoryName": "releases",
        "description": "first",
        "dependentArtifactVersions": ["com.example:checkout-service:1.10.0"],
    }
    v = admin.post(emulator.api + "/artifactVersions", json=body, timeout=10).json()
    assert v["artifactVersion"]["dependentArtifactVersions"] == [
        "com.example:checkout-service:1.10.0"
    ]
    assert admin.post(emulator.api + "/artifactVersions", json=body, timeout=10).status_code == 409
    listed = admin.get(
        emulator.api + "/artifactVersions", params={"artifactName": name}, timeout=10
    ).json()["artifactVersion"]
    assert [x["artifactVersionName"] for x in listed] == [f"{name}:1.0.0"]
    assert (
        admin.delete(emulator.api + f"/artifactVersions/{name}:1.0.0", timeout=10).status_code
        == 200
    )
    r = admin.get(emulator.api + f"/artifactVersions/{name}:1.0.0", timeout=10)
    assert r.status_code == 404 and error_of(r)["code"] == "NoSuchArtifactVersion"
    assert admin.delete(emulator.api + f"/artifacts/{name}", timeout=10).status_code == 200
    r = admin.get(emulator.api + f"/artifacts/{name}", timeout=10)
    assert error_of(r)["code"] == "NoSuchArtifact"


def test_unknown_repository(emulator: EmulatorProcess, admin: requests.Session) -> None:
    r = admin.post(
        emulator.api + "/artifactVersions",
        json={"groupId": "g", "artifactKey": unique(), "version": "1", "repositoryName": "nope"},
        timeout=10,
    )
    assert r.status_code == 404 and error_of(r)["code"] == "NoSuchRepository"


def test_repositories(emulator: EmulatorProcess, admin: requests.Session) -> None:
    repos = admin.get(emulator.api + "/repositories", timeout=10).json()["repository"]
    assert repos[0]["repositoryName"] == "default"
    assert {"default", "releases"} <= {r["repositoryName"] for r in repos}


def test_artifact_properties_by_path(emulator: EmulatorProcess, admin: requests.Session) -> None:
    r = admin.put(
        emulator.api + "/properties//artifactVersions[com.example:payments-api:1.0.0]/buildUrl",
        params={"value": "https://ci/1"},
        timeout=10,
    )
    assert r.status_code == 200
    got = admin.get(
        emulator.api + "/properties/buildUrl",
        params={"artifactVersionName": "com.example:payments-api:1.0.0"},
        timeout=10,
    )
    assert got.json()["property"]["value"] == "https://ci/1"


def test_publish_with_files(emulator: EmulatorProcess) -> None:
    sid = requests.post(
        emulator.api + "/sessions", json={"userName": "admin", "password": "changeme"}, timeout=10
    ).json()["sessionId"]
    key = unique("pub")
    payload = b"x" * 300_000
    r = requests.post(
        emulator.base_url + "/commander/publishArtifact.php",
        data={
            "artifactName": f"com.test:{key}",
            "artifactVersionVersion": "2.0.1",
            "repositoryName": "default",
            "compress": "1",
            "commanderSessionId": sid,
        },
        files=[("files[]", ("app.jar", payload)), ("files[]", ("notes.txt", b"hello"))],
        timeout=30,
    )
    assert r.status_code == 200 and r.text == "Artifact-Published-OK"
    v = requests.get(
        emulator.api + f"/artifactVersions/com.test:{key}:2.0.1",
        headers={"sessionId": sid},
        timeout=10,
    ).json()["artifactVersion"]
    assert v["artifactVersionState"] == "available"
    files = {f["fileName"]: f for f in v["artifactFile"]}
    assert files["app.jar"]["fileSize"] == "300000"
    sha = hashlib.sha256(payload).hexdigest()
    assert files["app.jar"]["sha256"] == sha
    stored = emulator.db.parent / "emulator-files" / sha[:2] / sha
    assert stored.read_bytes() == payload


@pytest.mark.parametrize(
    "fields,code",
    [
        (
            {
                "artifactName": "com.test:k",
                "artifactVersionVersion": "1.0",
                "repositoryName": "nope",
            },
            "NoSuchRepository",
        ),
        ({"artifactName": "bad/name:k", "artifactVersionVersion": "1.0"}, "InvalidArtifactName"),
        ({"artifactName": "com.test:k", "artifactVersionVersion": "x.y"}, "InvalidVersion"),
    ],
)
def test_publish_errors_are_plain_text(
    emulator: EmulatorProcess, fields: dict[str, str], code: str
) -> None:
    r = requests.post(
        emulator.base_url + "/commander/publishArtifact.php",
        data=fields,
        auth=("admin", "changeme"),
        files=[("files[]", ("a", b"1"))],
        timeout=10,
    )
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.text.startswith(f"publishArtifactAPI error [{code}]")


def test_publish_needs_credentials_and_write(emulator: EmulatorProcess) -> None:
    data = {"artifactName": "com.test:k", "artifactVersionVersion": "1.0"}
    r = requests.post(
        emulator.base_url + "/commander/cgi-bin/publishArtifactAPI.cgi", data=data, timeout=10
    )
    assert "[NoCredentials]" in r.text
    r = requests.post(
        emulator.base_url + "/commander/publishArtifact.php",
        data=data,
        auth=("viewer", "viewer"),
        timeout=10,
    )
    assert "[AccessDenied]" in r.text


# -- 7. controls ----------------------------------------------------------------------------
def test_counts_and_latency_controls(fresh_emulator: EmulatorProcess) -> None:
    emu = fresh_emulator
    emu.reset_counts()
    auth = ("admin", "changeme")
    requests.get(emu.api + "/projects", auth=auth, timeout=10)
    requests.get(emu.api + "/projects", auth=auth, timeout=10)
    requests.get(emu.api + "/properties//server/motd", auth=auth, timeout=10)
    assert emu.counts() == {"GET /projects": 2, "GET /properties//{path}": 1}
    emu.set_latency(300)
    start = time.perf_counter()
    requests.get(emu.api + "/projects", auth=auth, timeout=10)
    assert time.perf_counter() - start >= 0.3
    emu.set_latency(0)


def test_controls_are_off_without_the_flag(tmp_path: Any) -> None:
    emu = EmulatorProcess(tmp_path, seed=None, controls=False)
    try:
        r = requests.get(emu.base_url + "/_emulator/counts", timeout=10)
        assert r.status_code == 501 and r.json()["error"]["code"] == "NotImplemented"
        assert (
            requests.get(emu.api + "/projects", auth=("admin", "changeme"), timeout=10).status_code
            == 200
        )
    finally:
        emu.stop()
