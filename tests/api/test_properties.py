"""``/api/v1/properties`` and ``/api/v1/sheets``: reads with ETags, compare-and-set
writes (``If-Match``, ``If-None-Match: *``), deletes, sheets, and a race of two keys that
loses no update."""

from __future__ import annotations

import threading

import pytest

from tests.api.support import Api, make_key
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def envelope(answer_json: dict[str, dict[str, str]]) -> tuple[str, str]:
    assert set(answer_json) == {"error"} and set(answer_json["error"]) == {"code", "message"}
    return answer_json["error"]["code"], answer_json["error"]["message"]


def test_a_property_reads_raw_with_an_etag(api: Api, emulator: EmulatorProcess) -> None:
    project = emulator.new_project(target="world", ref="hello $[target]")
    answer = api.get(f"/properties/projects/{project}/ref")
    assert answer.status_code == 200 and answer.headers["ETag"].startswith('"')
    prop = answer.json()["property"]
    assert prop["path"] == f"/projects/{project}/ref" and prop["name"] == "ref"
    assert (prop["value"], prop["kind"], prop["expandable"]) == (
        "hello $[target]",
        "property",
        True,
    )
    assert prop["modifyTime"].endswith("Z") and prop["lastModifiedBy"] == "admin"
    expanded = api.get(f"/properties/projects/{project}/ref", params={"expand": "1"})
    assert expanded.json()["property"]["value"] == "hello world"
    assert expanded.headers["ETag"].startswith('W/"')
    same = api.get(
        f"/properties/projects/{project}/ref", headers={"If-None-Match": answer.headers["ETag"]}
    )
    assert same.status_code == 304


def test_missing_things_are_404_in_the_envelope(api: Api, emulator: EmulatorProcess) -> None:
    project = emulator.new_project()
    code, message = envelope(api.get(f"/properties/projects/{project}/nothing").json())
    assert code == "NotFound" and "nothing" in message
    assert api.get("/properties/projects/no-such-project-xyz/x").status_code == 404
    answer = api.get("/no/such/route")
    assert answer.status_code == 404 and envelope(answer.json())[0] == "NotFound"


def test_create_change_and_conditions(api: Api, emulator: EmulatorProcess) -> None:
    project = emulator.new_project()
    url = f"/properties/projects/{project}/v"
    created = api.put(url, json={"value": "1", "description": "d"}, headers={"If-None-Match": "*"})
    assert created.status_code == 201 and created.json()["property"]["description"] == "d"
    again = api.put(url, json={"value": "2"}, headers={"If-None-Match": "*"})
    assert again.status_code == 412 and envelope(again.json())[0] == "PreconditionFailed"
    etag = created.headers["ETag"]
    changed = api.put(url, json={"value": "2"}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.json()["property"]["value"] == "2"
    assert changed.headers["ETag"] != etag
    stale = api.put(url, json={"value": "3"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert emulator.value(f"/projects/{project}/v") == "2"
    plain = api.put(url, json={"value": "4", "expandable": False})
    assert plain.status_code == 200 and plain.json()["property"]["expandable"] is False
    unchanged = api.put(url, json={"value": "4"})
    assert unchanged.headers["ETag"] == plain.headers["ETag"]  # nothing written
    missing = api.put(f"/properties/projects/{project}/w", json={"value": "1"},
                      headers={"If-Match": "*"})  # fmt: skip
    assert missing.status_code == 412


def test_delete_honours_if_match(api: Api, emulator: EmulatorProcess) -> None:
    project = emulator.new_project(v="1")
    url = f"/properties/projects/{project}/v"
    etag = api.get(url).headers["ETag"]
    emulator.put_value(f"/projects/{project}/v", "changed elsewhere")
    assert api.delete(url, headers={"If-Match": etag}).status_code == 412
    fresh = api.get(url).headers["ETag"]
    assert api.delete(url, headers={"If-Match": fresh}).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404


def test_sheets_are_made_once_and_values_are_not_sheets(
    api: Api, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project(v="1")
    made = api.put(f"/sheets/projects/{project}/s", json={"description": "a sheet"})
    assert made.status_code == 201 and made.json()["property"]["kind"] == "sheet"
    assert api.put(f"/sheets/projects/{project}/s").status_code == 200
    assert api.put(f"/properties/projects/{project}/s", json={"value": "x"}).status_code == 409
    assert api.put(f"/sheets/projects/{project}/v").status_code == 409
    inside = api.put(f"/properties/projects/{project}/s/inner", json={"value": "x"})
    assert inside.status_code == 201
    listed = api.get(f"/sheets/projects/{project}/s").json()
    assert [p["path"] for p in listed["properties"]] == [f"/projects/{project}/s/inner"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"not json", "JSON object"),
        (b"[1]", "JSON object"),
        (b"{}", "'value' is required"),
        (b'{"value": 1}', "'value' must be a string"),
        (b'{"value": "x", "expandable": "yes"}', "'expandable'"),
        (b'{"value": "x", "colour": "red"}', "unknown member 'colour'"),
        (b'{"value": "\\ud800"}', "lone surrogate"),
    ],
)
def test_bad_bodies_are_400_naming_the_problem(
    api: Api, emulator: EmulatorProcess, body: bytes, named: str
) -> None:
    answer = api.put("/properties/projects/Default/api-bad-body", data=body)
    assert answer.status_code == 400
    code, message = envelope(answer.json())
    assert code == "InvalidArgument" and named in message


@pytest.mark.parametrize(
    "path", ["nowhere/x", "projects/Default/a[b", "projects/Default/properties", "server"]
)
def test_bad_paths_are_400(api: Api, path: str) -> None:
    answer = api.put(f"/properties/{path}", json={"value": "x"})
    assert answer.status_code == 400 and envelope(answer.json())[0] == "InvalidArgument"


def test_unknown_parameters_are_refused_by_name(api: Api) -> None:
    answer = api.get("/properties/projects/Default/PythonProperty", params={"foo": "1"})
    assert answer.status_code == 400
    assert envelope(answer.json())[1] == "unrecognized query parameter 'foo'"


def test_if_match_races_between_two_keys_lose_no_update(
    admin_client: Client, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    """Two keys increment one counter by read, then If-Match write, retrying on 412:
    after 100 successful rounds in all the counter says 100."""
    project = emulator.new_project(counter="0")
    url = f"/properties/projects/{project}/counter"
    apis = [Api(api_dashboard, make_key(admin_client, f"racer-{n}")) for n in range(2)]
    wins = [0, 0]
    refusals = [0, 0]
    errors: list[str] = []

    def race(n: int) -> None:
        while wins[n] < 50 and not errors:
            read = apis[n].get(url)
            if read.status_code != 200:
                errors.append(read.text)
                return
            value = int(read.json()["property"]["value"])
            answer = apis[n].put(
                url, json={"value": str(value + 1)}, headers={"If-Match": read.headers["ETag"]}
            )
            if answer.status_code == 200:
                wins[n] += 1
            elif answer.status_code == 412:
                refusals[n] += 1
            else:
                errors.append(answer.text)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors
    assert wins == [50, 50]
    assert emulator.value(f"/projects/{project}/counter") == "100"  # 0 lost updates
