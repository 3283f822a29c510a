"""``GET /api/v1/changes``: the journal as a collection, ``path__startswith``, and a key
with prefixes seeing only the changes under them."""

from __future__ import annotations

from tests.api.support import Api, make_key
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def test_changes_list_the_journal(
    api: Api, admin_client: Client, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project()
    for value in ("1", "2"):
        api.put(f"/properties/projects/{project}/a", json={"value": value})
    api.put(f"/sheets/projects/{project}/s")
    api.put(f"/properties/projects/{project}/s/b", json={"value": "x"})
    api.delete(f"/properties/projects/{project}/a")
    mine = api.get("/changes", params={"path__startswith": f"/projects/{project}/"}).json()
    assert mine["meta"]["total"] == 5
    assert [(c["action"], c["path"].rsplit("/", 1)[1]) for c in mine["changes"]] == [
        ("delete", "a"),
        ("create", "b"),
        ("create", "s"),
        ("modify", "a"),
        ("create", "a"),
    ]
    first = mine["changes"][-1]
    assert (first["source"], first["user"], first["ssoUser"]) == ("api", "admin", "key:deploy-bot")
    assert first["before"] is None and first["after"]["value"] == "1"
    picked = api.get(
        "/changes",
        params=[
            ("path__startswith", f"/projects/{project}/"),
            ("action", "create"),
            ("order", "path"),
            ("field", "path"),
            ("field", "after"),
            ("limit", "2"),
        ],
    ).json()
    assert picked["meta"]["total"] == 3
    assert [c["path"].rsplit("/", 1)[1] for c in picked["changes"]] == ["a", "s"]
    assert set(picked["changes"][0]) == {"path", "after"}
    refused = api.get("/changes", params={"before": "x"})
    assert refused.status_code == 400 and "'before'" in refused.json()["error"]["message"]
    scoped = Api(api_dashboard, make_key(admin_client, "s-only", prefixes=f"/projects/{project}/s"))
    seen = scoped.get("/changes").json()
    assert {c["path"] for c in seen["changes"]} == {
        f"/projects/{project}/s",
        f"/projects/{project}/s/b",
    }
