"""Artifact version downloads streamed through propdesk from the artifact repository
(issue 15; reference section 6): the archive and its manifest, the session only to a
trusted host, and no cap of PROPDESK_MAX_RESPONSE_BYTES on the stream."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import uuid

import pytest
import requests

from app.cloudbees.repository import RepositoryPolicy
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess
from tests.web.conftest import DashboardFactory

BIG = os.urandom(300_000)  # more than the small PROPDESK_MAX_RESPONSE_BYTES below
NOTES = b"release notes\n"


def published(client: Client) -> str:
    """A new version with two files in the ``default`` repository; its name."""
    key = f"dl-{uuid.uuid4().hex[:8]}"
    r = client.http.post(
        client.dash.url + "/artifacts/publish",
        data={"group_id": "com.dl", "artifact_key": key, "version": "1.0.0"},
        files=[("files", ("app.bin", BIG)), ("files", ("notes.txt", NOTES))],
        headers={"X-CSRFToken": client.token, "HX-Request": "true"},
        timeout=60,
    )
    assert r.status_code == 200 and "HX-Redirect" in r.headers, r.text
    return f"com.dl:{key}:1.0.0"


@pytest.fixture
def small_answers(make_dashboard: DashboardFactory) -> DashboardThread:
    return make_dashboard(PROPDESK_MAX_RESPONSE_BYTES="20000")


def test_the_archive_streams_through_past_the_answer_limit(
    small_answers: DashboardThread, emulator: EmulatorProcess
) -> None:
    client = Client(small_answers)
    name = published(client)
    page = client.get(f"/artifacts/{name}").text
    assert f'href="/artifacts/{name}/download"' in page and "Download the version" in page
    r = client.get(f"/artifacts/{name}/download")
    assert r.status_code == 200 and len(r.content) > 20_000
    assert r.headers["Content-Type"] == "application/octet-stream"
    stem = name.replace(":", "_")
    assert r.headers["Content-Disposition"] == f'attachment; filename="{stem}.tgz"'
    got: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(r.content), mode="r:gz") as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member)
            assert data is not None
            got[member.name] = data.read()
    assert got == {"app.bin": BIG, "notes.txt": NOTES}
    seen = [q["route"] for q in emulator.requests_seen()]
    assert "GET /artifacts/{groupId}/{artifactKey}/{version}" in seen  # the repository route


def test_the_manifest_lists_the_files(dashboard: DashboardThread) -> None:
    client = Client(dashboard)
    name = published(client)
    r = client.get(f"/artifacts/{name}/download?manifest=1")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    lines = sorted(r.text.splitlines())
    assert lines == [
        f"app.bin\t{len(BIG)}\t{hashlib.sha256(BIG).hexdigest()}",
        f"notes.txt\t{len(NOTES)}\t{hashlib.sha256(NOTES).hexdigest()}",
    ]


def test_no_session_goes_to_an_untrusted_repository(dashboard: DashboardThread) -> None:
    client = Client(dashboard)  # payments-api 1.0.0 lives in "releases", on another host
    page = client.get("/artifacts/com.example:payments-api:1.0.0").text
    assert "repo.internal.example.com" in page and "Download the version" not in page
    r = client.get("/artifacts/com.example:payments-api:1.0.0/download")
    assert r.status_code == 403 and "PROPDESK_REPOSITORY_HOSTS" in r.text


def test_the_repository_wants_a_session(emulator: EmulatorProcess) -> None:
    url = emulator.base_url + "/artifacts/com.example/checkout-service/1.0.0"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, auth=("admin", "changeme"), timeout=10).status_code == 200


@pytest.mark.parametrize(
    "cd,extra,repository,allowed",
    [
        ("https://cd.example.com", (), "https://cd.example.com", True),
        ("https://cd.example.com", (), "https://CD.example.com:8443/repo", True),
        ("https://cd.example.com", (), "https://repo.example.com", False),
        ("https://cd.example.com", ("repo.example.com",), "https://repo.example.com", True),
        ("https://cd.example.com", ("repo.example.com",), "http://repo.example.com", False),
        ("http://127.0.0.1:8900", (), "http://127.0.0.1:8900", True),
        ("https://cd.example.com", (), "ftp://cd.example.com", False),
    ],
)
def test_where_the_session_may_go(
    cd: str, extra: tuple[str, ...], repository: str, allowed: bool
) -> None:
    assert RepositoryPolicy(cd, extra).may_receive_session(repository) is allowed


def test_a_repository_without_url_is_the_cd_server() -> None:
    policy = RepositoryPolicy("https://cd.example.com/", ())
    assert policy.base_for("") == "https://cd.example.com"
    assert policy.base_for("https://repo.example.com/r/") == "https://repo.example.com/r"
