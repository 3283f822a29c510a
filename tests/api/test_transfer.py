"""``/api/v1/export`` and ``/api/v1/import``: a sheet out as YAML or JSON, back in as a
merge or a mirror, a dry run that changes nothing, conflicts reported, never forced."""

from __future__ import annotations

import yaml

from tests.api.support import Api, make_key
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def test_export_then_import_a_changed_copy(api: Api, emulator: EmulatorProcess) -> None:
    project = emulator.new_project(keep="1", change="old", drop="x")
    exported = api.get(f"/export/projects/{project}")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("application/yaml")
    data = yaml.safe_load(exported.text)
    assert data["properties"] == {"keep": "1", "change": "old", "drop": "x"}
    as_json = api.get(f"/export/projects/{project}", params={"format": "json"}).json()
    assert as_json == data
    data["properties"].update(change="new", added="y")
    del data["properties"]["drop"]
    body = yaml.safe_dump(data)
    url = f"/import/projects/{project}"
    dry = api.call("POST", url, params={"mode": "mirror", "dry_run": "1"}, data=body).json()
    assert dry["plan"]["counts"] == {"create": 1, "modify": 1, "delete": 1}
    assert emulator.value(f"/projects/{project}/drop") == "x"  # a dry run writes nothing
    merged = api.call("POST", url, params={"mode": "merge"}, data=body).json()["report"]
    assert merged["counts"]["applied"] == 2 and merged["counts"]["failed"] == 0
    assert emulator.value(f"/projects/{project}/drop") == "x"  # a merge deletes nothing
    mirrored = api.call("POST", url, params={"mode": "mirror"}, data=body).json()["report"]
    assert mirrored["counts"]["applied"] == 1
    assert api.get(f"/properties/projects/{project}/drop").status_code == 404
    assert emulator.value(f"/projects/{project}/change") == "new"
    again = api.call("POST", url, params={"mode": "mirror"}, data=body).json()["report"]
    assert again["results"] == []  # idempotent: nothing left to do
    entries = api.get("/changes", params={"path__startswith": f"/projects/{project}/"}).json()
    assert {c["source"] for c in entries["changes"]} == {"api"}


def test_bad_files_and_modes_are_400(api: Api, emulator: EmulatorProcess) -> None:
    project = emulator.new_project()
    url = f"/import/projects/{project}"
    broken = api.call("POST", url, data="propdesk-export: 1\nproperties: [\n")
    assert broken.status_code == 400 and "line" in broken.json()["error"]["message"]
    other = api.call("POST", url, data="propdesk-export: 9\nproperties: {}\n")
    assert other.status_code == 400
    mode = api.call("POST", url, params={"mode": "replace"}, data="x")
    assert mode.status_code == 400 and "'mode'" in mode.json()["error"]["message"]
    assert api.get(f"/export/projects/{project}", params={"format": "xml"}).status_code == 400


def test_a_read_only_key_may_only_dry_run(
    admin_client: Client, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project(a="1")
    reader = Api(api_dashboard, make_key(admin_client, "reader", scope="read-only"))
    body = "propdesk-export: 1\nproperties:\n  a: '2'\n"
    url = f"/import/projects/{project}"
    assert reader.call("POST", url, params={"dry_run": "1"}, data=body).status_code == 200
    assert reader.call("POST", url, data=body).status_code == 403
    assert emulator.value(f"/projects/{project}/a") == "1"
