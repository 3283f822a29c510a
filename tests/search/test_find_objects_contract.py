"""The emulator's ``findObjects`` against the reference (section 9), over real HTTP.

Each test searches inside a project of its own (a ``path`` filter), so the shared,
seeded emulator's other data never changes what a test sees.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.support.servers import EmulatorProcess

Filter = dict[str, Any]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def project(emulator: EmulatorProcess, admin: requests.Session) -> str:
    """A project holding: ``app/`` (a sheet) with ``dbHost`` = ``database.internal``,
    ``percent`` = ``100%_done[x]``, ``script`` = ``<script>alert(1)</script>``, and
    ``Database`` = ``$[/server/x]``; then ``zeta`` = ``last`` at the top (written last)."""
    name = unique("find")
    r = admin.post(emulator.api + "/projects", json={"projectName": name}, timeout=10)
    assert r.status_code == 200, r.text

    def create(prop: str, value: str | None = None) -> str:
        """Create ``prop``; its ``modifyTime``."""
        body: dict[str, str] = {"propertyName": prop, "projectName": name}
        if value is None:
            body["propertyType"] = "sheet"
        else:
            body["value"] = value
        r = admin.post(emulator.api + "/properties", json=body, timeout=10)
        assert r.status_code == 200, r.text
        return str(r.json()["property"]["modifyTime"])

    create("app")
    create("app/dbHost", "database.internal")
    create("app/percent", "100%_done[x]")
    create("app/script", "<script>alert(1)</script>")
    before = create("app/Database", "$[/server/x]")
    stamp = create("zeta", "last")
    while stamp <= before:  # same millisecond: write again until zeta is the newest
        body = {"projectName": name, "value": "last"}
        r = admin.put(emulator.api + "/properties/zeta", json=body, timeout=10)
        assert r.status_code == 200, r.text
        stamp = str(r.json()["property"]["modifyTime"])
    return name


def find(
    emulator: EmulatorProcess,
    session: requests.Session,
    project: str,
    *filters: Filter,
    **extra: Any,
) -> requests.Response:
    """``findObjects`` on properties under ``project`` and matching every filter."""
    scope = {"propertyName": "path", "operator": "like", "operand1": f"/projects/{project}/%"}
    body = {"objectType": "property", "filter": [scope, *filters], "numObjects": 100, **extra}
    return session.put(
        emulator.api + "/objects", params={"request": "findObjects"}, json=body, timeout=10
    )


def names(r: requests.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [o["property"]["propertyName"] for o in r.json().get("object", [])]


def contains(field: str, text: str) -> Filter:
    return {"propertyName": field, "operator": "contains", "operand1": text}


def test_contains_matches_names_ignoring_case_and_carries_the_path(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    r = find(emulator, admin, project, contains("propertyName", "database"))
    assert names(r) == ["Database"]
    entry = r.json()["object"][0]
    assert entry["objectId"].startswith("property-")
    prop = entry["property"]
    assert prop["path"] == f"/projects/{project}/app/Database"
    assert prop["value"] == "$[/server/x]"  # raw: a search shows what is stored
    assert all(isinstance(v, str) for v in prop.values())


@pytest.mark.parametrize("text", ["%", "_", "[x]", "%_d"])
def test_contains_takes_wildcards_and_brackets_literally(
    emulator: EmulatorProcess, admin: requests.Session, project: str, text: str
) -> None:
    assert names(find(emulator, admin, project, contains("value", text))) == ["percent"]


def test_like_keeps_its_wildcards(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    like = {"propertyName": "value", "operator": "like", "operand1": "data%"}
    assert names(find(emulator, admin, project, like)) == ["dbHost"]


def test_or_and_not_combine(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    either = {
        "operator": "or",
        "filter": [contains("propertyName", "database"), contains("value", "database")],
    }
    assert sorted(names(find(emulator, admin, project, either))) == ["Database", "dbHost"]
    both = {"operator": "and", "filter": [either, contains("value", "internal")]}
    assert names(find(emulator, admin, project, both)) == ["dbHost"]
    # ``not`` of a field a sheet lacks (its value) keeps the sheet: the missing field is false.
    without = {"operator": "not", "filter": [contains("value", "t")]}
    assert sorted(names(find(emulator, admin, project, without))) == ["Database", "app", "percent"]


def test_a_sheet_whose_name_matches_is_a_result(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    r = find(emulator, admin, project, contains("propertyName", "app"))
    assert names(r) == ["app"]
    prop = r.json()["object"][0]["property"]
    assert "propertySheetId" in prop and "value" not in prop


def test_sort_by_name_and_by_modified_time(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    up = [{"propertyName": "propertyName", "order": "ascending"}]
    assert names(find(emulator, admin, project, sort=up)) == [
        "Database",
        "app",
        "dbHost",
        "percent",
        "script",
        "zeta",
    ]
    down = {"propertyName": "propertyName", "order": "descending"}
    assert names(find(emulator, admin, project, sort=down))[0] == "zeta"
    newest = [{"propertyName": "modifyTime", "order": "descending"}]
    assert names(find(emulator, admin, project, sort=newest))[0] == "zeta"


def test_paging_ids_and_total_count(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    sort = [{"propertyName": "propertyName", "order": "ascending"}]
    r = find(emulator, admin, project, sort=sort, firstResult=2, numObjects=2, maxIds=3)
    body = r.json()
    assert names(r) == ["dbHost", "percent"]
    assert len(body["objectId"]) == 3
    assert body["objectId"][:2] == [o["objectId"] for o in body["object"]]
    assert body["totalCount"] == "6"
    past = find(emulator, admin, project, sort=sort, firstResult=50).json()
    assert past == {"totalCount": "6"}  # empty lists are left out
    ids_only = find(emulator, admin, project, numObjects=0).json()
    assert "object" not in ids_only and len(ids_only["objectId"]) == 6


def test_exact_name_and_path_equality(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    exact = {"propertyName": "propertyName", "operator": "equals", "operand1": "dbHost"}
    assert names(find(emulator, admin, project, exact)) == ["dbHost"]
    at = {"propertyName": "path", "operator": "equals", "operand1": f"/projects/{project}/zeta"}
    assert names(find(emulator, admin, project, at)) == ["zeta"]


def test_a_viewer_may_search(
    emulator: EmulatorProcess, admin: requests.Session, project: str
) -> None:
    viewer = requests.Session()
    viewer.auth = ("viewer", "viewer")
    assert names(find(emulator, viewer, project, contains("value", "last"))) == ["zeta"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"filter": []}, 400, "InvalidArgument"),  # no objectType
        ({"objectType": "project"}, 501, "NotImplemented"),
        (
            {"objectType": "property", "filter": [contains("secret", "x")]},
            400,
            "InvalidArgument",
        ),
        (
            {
                "objectType": "property",
                "filter": [{"propertyName": "value", "operator": "soundsLike", "operand1": "x"}],
            },
            400,
            "InvalidArgument",
        ),
        ({"objectType": "property", "filter": [{"operator": "or", "filter": []}]}, 400, None),
        ({"objectType": "property", "firstResult": -1}, 400, "InvalidArgument"),
        ({"objectType": "property", "maxIds": "many"}, 400, "InvalidArgument"),
        ({"objectType": "property", "sort": [{"propertyName": "x"}]}, 400, "InvalidArgument"),
        (
            {"objectType": "property", "filter": [{"propertyName": "value", "operator": "equals"}]},
            400,
            "InvalidArgument",
        ),
    ],
)
def test_bad_searches_are_refused_with_the_envelope(
    emulator: EmulatorProcess,
    admin: requests.Session,
    body: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    r = admin.put(
        emulator.api + "/objects", params={"request": "findObjects"}, json=body, timeout=10
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == (code or "InvalidArgument")


def test_deeply_nested_filters_are_refused(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    node: Filter = contains("value", "x")
    for _ in range(40):
        node = {"operator": "not", "filter": [node]}
    body = {"objectType": "property", "filter": node}
    r = admin.put(emulator.api + "/objects", params={"request": "findObjects"}, json=body)
    assert r.status_code == 400
    assert "filter" in r.json()["error"]["message"]


def test_other_requests_on_objects_are_not_implemented(
    emulator: EmulatorProcess, admin: requests.Session
) -> None:
    r = admin.put(
        emulator.api + "/objects", params={"request": "deleteObjects"}, json={}, timeout=10
    )
    assert r.status_code == 501
    assert admin.get(emulator.api + "/objects", timeout=10).status_code == 501


def test_searching_needs_credentials(emulator: EmulatorProcess) -> None:
    r = requests.put(
        emulator.api + "/objects",
        params={"request": "findObjects"},
        json={"objectType": "property"},
        timeout=10,
    )
    assert r.status_code == 401
