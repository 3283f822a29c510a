"""A key with path prefixes expands a value without references from one read: nothing in
it to expand, so the raw read is the answer. Real emulator over HTTP; its request log
counts the reads."""

from __future__ import annotations

from tests.api.support import Api, make_key
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def test_a_prefixed_key_expands_a_plain_value_from_one_read(
    admin_client: Client, api_dashboard: DashboardThread, api: Api, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("expand-once")
    assert api.put(f"/sheets/projects/{project}/ci").status_code == 201
    ci = Api(api_dashboard, make_key(admin_client, "ci-once", prefixes=f"/projects/{project}/ci"))
    path = f"/projects/{project}/ci/plain"
    assert ci.put("/properties" + path, json={"value": "plain"}).status_code == 201
    seen = len(emulator.requests_to(path, "GET"))
    shown = ci.get("/properties" + path, params={"expand": "1"})
    assert shown.status_code == 200 and shown.json()["property"]["value"] == "plain"
    assert shown.headers["ETag"].startswith('W/"')  # an expanded answer's ETag stays weak
    assert len(emulator.requests_to(path, "GET")) - seen == 1
