"""``POST /api/v1/artifacts/<group:key>/versions``: a multipart publish over real HTTP
through the emulator, checked as the publish page checks it, refused for read-only keys."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
import requests

from tests.api.conftest import DATA_KEY
from tests.api.support import Api, make_key
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import ADMIN, DashboardThread, EmulatorProcess


def group() -> str:
    return "g" + uuid.uuid4().hex[:8]


def post(api: Api, name: str, data: list[tuple[str, str]], files: Any = None) -> Any:
    return api.call("POST", f"/artifacts/{name}/versions", data=data, files=files)


def test_publish_with_files_and_dependencies(api: Api, emulator: EmulatorProcess) -> None:
    g = group()
    first = post(api, f"{g}:lib", [("version", "1.0.0")])
    assert first.status_code == 201, first.text
    assert first.json()["artifactVersion"]["name"] == f"{g}:lib:1.0.0"
    big = bytes(range(256)) * 1024
    files = [("files", ("app.bin", big)), ("files", ("notes.txt", b"hello\n"))]
    data = [
        ("version", "2.1.0-rc-3"),
        ("description", "built by the pipeline"),
        ("repository", "default"),
        ("dependencies", f"{g}:lib:1.0.0"),
    ]
    answer = post(api, f"{g}:app", data, files)
    assert answer.status_code == 201, answer.text
    made = answer.json()["artifactVersion"]
    assert (made["version"], made["description"]) == ("2.1.0-rc-3", "built by the pipeline")
    assert made["dependentVersions"] == [f"{g}:lib:1.0.0"]
    upstream = requests.get(
        emulator.api + f"/artifactVersions/{g}:app:2.1.0-rc-3", auth=ADMIN, timeout=10
    ).json()["artifactVersion"]
    assert upstream["artifactVersionState"] == "available"
    sha = hashlib.sha256(big).hexdigest()
    assert (emulator.db.parent / "emulator-files" / sha[:2] / sha).read_bytes() == big
    listed = api.get(f"/artifacts/{g}:app/versions", params={"field": "version"}).json()
    assert listed["artifactVersions"] == [{"version": "2.1.0-rc-3"}]
    again = post(api, f"{g}:app", [("version", "2.1.0-rc-3")])
    assert again.status_code == 409 and again.json()["error"]["code"] == "Conflict"


@pytest.mark.parametrize(
    "name,data,files,needle",
    [
        ("g:k", [("version", "v1.x")], None, "version: A version looks like"),
        ("g:k", [], None, "version: Required."),
        ("g!x:k", [("version", "1")], None, "groupId: Group id may hold only"),
        ("g:k", [("version", "1"), ("dependencies", "nope")], None, "dependencies: “nope”"),
        ("g:k", [("version", "1"), ("colour", "red")], None, "unrecognized form field 'colour'"),
        (
            "g:k",
            [("version", "1")],
            [("files", ("a.txt", b"1")), ("files", ("a.txt", b"2"))],
            "files: Two or more files are named “a.txt”",
        ),
        ("no-colon", [("version", "1")], None, "groupId:artifactKey"),
    ],
)
def test_bad_input_is_refused_before_any_upstream_call(
    api: Api,
    emulator: EmulatorProcess,
    name: str,
    data: list[tuple[str, str]],
    files: Any,
    needle: str,
) -> None:
    emulator.reset_counts()
    answer = post(api, name, data, files)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "InvalidArgument" and needle in error["message"]
    assert emulator.counts() == {}


def test_missing_dependency_is_refused(api: Api) -> None:
    g = group()
    answer = post(api, f"{g}:app", [("version", "1"), ("dependencies", f"{g}:lib:9.9")])
    assert answer.status_code == 400
    assert f"'{g}:lib:9.9' does not exist" in answer.json()["error"]["message"]
    assert api.get(f"/artifacts/{g}:app/versions").status_code == 404  # nothing published


def test_upload_limits_of_the_publish_page_hold(make_dashboard: DashboardFactory) -> None:
    dash = make_dashboard(
        PROPDESK_DATA_KEYS=DATA_KEY, PROPDESK_MAX_UPLOAD_FILES="2", PROPDESK_MAX_UPLOAD_BYTES="1000"
    )
    api = Api(dash, make_key(Client(dash), "limits"))
    three = [("files", (f"f{i}", b"x")) for i in range(3)]
    answer = post(api, f"{group()}:app", [("version", "1")], three)
    assert answer.status_code == 400 and "at most 2" in answer.json()["error"]["message"]
    big = [("files", ("a", b"x" * 600)), ("files", ("b", b"y" * 600))]
    answer = post(api, f"{group()}:app", [("version", "1")], big)
    assert answer.status_code == 400 and "the limit is" in answer.json()["error"]["message"]


def test_read_only_and_prefixed_keys_are_refused(
    api_dashboard: DashboardThread, admin_client: Client
) -> None:
    g = group()
    reader = Api(api_dashboard, make_key(admin_client, "reader", scope="read-only"))
    answer = post(reader, f"{g}:app", [("version", "1")])
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "AccessDenied"
    narrow = Api(api_dashboard, make_key(admin_client, "narrow", prefixes="/projects/Default"))
    answer = post(narrow, f"{g}:app", [("version", "1")])
    assert answer.status_code == 403 and "outside the key's prefixes" in answer.text
    assert reader.get(f"/artifacts/{g}:app/versions").status_code == 404
