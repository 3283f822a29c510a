"""The knowledge-base article's calls (reference section 8), run exactly as users copy them.

They use ``requests`` with ``verify=False`` against plain http, which is what the article
does; only the server name differs.
"""

from __future__ import annotations

# ruff: noqa: S501 (the article passes verify=False; these are its own calls)
import requests

from tests.support.servers import EmulatorProcess


def test_article_calls_run_unchanged(fresh_emulator: EmulatorProcess) -> None:
    emulator = fresh_emulator
    server = emulator.base_url
    # 1. login with query parameters
    resp = requests.post(
        server + "/rest/v1.0/sessions?password=changeme&userName=admin", verify=False, timeout=10
    )
    body = resp.json()
    assert set(body) == {"sessionId", "userName"}
    # 2. headers
    headers = {"Accept": "application/json", "sessionId": body["sessionId"]}
    # 3. getProperty
    prop = requests.get(
        server + "/rest/v1.0/properties/PythonProperty?projectName=Default",
        headers=headers,
        verify=False,
        timeout=10,
    ).json()
    assert set(prop["property"]) == {
        "propertyId",
        "propertyName",
        "counter",
        "createTime",
        "description",
        "expandable",
        "lastModifiedBy",
        "modifyTime",
        "owner",
        "tracked",
        "value",
    }
    assert prop["property"]["propertyName"] == "PythonProperty"
    assert prop["property"]["counter"] == "0" and prop["property"]["expandable"] == "1"
    assert prop["property"]["tracked"] == "1" and prop["property"]["description"] == ""
    # 4. PUT with Basic auth
    put = requests.put(
        server + "/rest/v1.0/properties/PythonProperty?projectName=Default&value=UpdatedPython",
        auth=("admin", "changeme"),
        verify=False,
        timeout=10,
    )
    assert put.json()["property"]["value"] == "UpdatedPython"
    # 5. "publish artifact version": creates the artifact 2:2
    art = requests.post(
        server + "/rest/v1.0/artifacts?artifactKey=2&groupId=2",
        auth=("admin", "changeme"),
        verify=False,
        timeout=10,
    )
    assert art.status_code == 200
    got = requests.get(server + "/rest/v1.0/artifacts/2:2", headers=headers, timeout=10)
    assert got.json()["artifact"]["artifactName"] == "2:2"
    # 6. no credentials
    none = requests.get(
        server + "/rest/v1.0/properties/PythonProperty?projectName=Default", timeout=10
    )
    assert none.json() == {
        "error": {
            "where": "",
            "message": "No credentials/session found in this request",
            "details": "",
            "code": "NoCredentials",
        }
    }
