"""``/api/v1/artifacts`` and an artifact's versions as collections."""

from __future__ import annotations

import uuid

import requests

from tests.api.support import Api
from tests.support.servers import ADMIN, EmulatorProcess


def test_artifacts_and_versions_are_collections(api: Api, emulator: EmulatorProcess) -> None:
    group = "g" + uuid.uuid4().hex[:8]
    for version in ("1.0.0", "1.1.0", "2.0.0"):
        requests.post(
            emulator.api + "/artifactVersions",
            json={"groupId": group, "artifactKey": "app", "version": version},
            auth=ADMIN,
            timeout=10,
        ).raise_for_status()
    listed = api.get("/artifacts", params={"groupId": group}).json()
    assert [a["name"] for a in listed["artifacts"]] == [f"{group}:app"]
    versions = api.get(
        f"/artifacts/{group}:app/versions",
        params=[("version__ge", "1.1"), ("order", "-version"), ("field", "version")],
    ).json()
    assert versions == {
        "artifactVersions": [{"version": "2.0.0"}, {"version": "1.1.0"}],
        "meta": {"total": 2},
    }
    assert api.get(f"/artifacts/{group}:nothing/versions").status_code == 404
    assert api.get("/artifacts/no-colon/versions").status_code == 400
