"""Artifact pages and publishing, over real HTTP against the emulator."""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from collections.abc import Mapping, Sequence

import pytest
import requests

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, csrf_from, login
from tests.web.conftest import DashboardFactory


def key() -> str:
    return f"k-{uuid.uuid4().hex[:8]}"


def publish(
    client: Client,
    data: Mapping[str, object],
    files: Sequence[tuple[str, bytes]] = (),
    htmx: bool = True,
) -> requests.Response:
    headers = {"X-CSRFToken": client.token}
    if htmx:
        headers["HX-Request"] = "true"
    return client.http.post(
        client.dash.url + "/artifacts/publish",
        data=data,
        files=[("files", f) for f in files] or None,
        headers=headers,
        allow_redirects=False,
        timeout=60,
    )


def test_list_shows_latest_version_by_version_order(admin: Client) -> None:
    page = admin.get("/artifacts")
    row = re.search(r"com\.example:checkout-service</a></td>\s*<td><a [^>]+>([^<]+)</a>", page.text)
    assert row and row.group(1) == "2.0.0-rc1-17"
    filtered = admin.get("/artifacts?q=payments", htmx=True)
    assert "payments-api" in filtered.text and "checkout-service" not in filtered.text


def test_versions_newest_first(admin: Client) -> None:
    page = admin.get("/artifacts/com.example:checkout-service").text
    versions = re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>', page)
    assert versions == ["2.0.0-rc1-17", "1.10.0", "1.9.2", "1.2.0", "1.0.0"]
    assert "available" in page and "Publish version" in page


def test_version_page_links_to_its_property_sheet(admin: Client) -> None:
    page = admin.get("/artifacts/com.example:payments-api:1.0.0").text
    assert 'href="/browse/artifactVersions/com.example%3Apayments-api%3A1.0.0/"' in page
    assert "com.example:checkout-service:1.10.0" in page
    sheet = admin.get("/browse/artifactVersions/com.example%3Apayments-api%3A1.0.0/")
    assert sheet.status_code == 200


def test_publish_form_prefilled(admin: Client) -> None:
    page = admin.get("/artifacts/publish?artifact=com.example:payments-api").text
    assert 'name="group_id" value="com.example"' in page
    assert 'name="artifact_key" value="payments-api"' in page
    assert '<option value="releases"' in page


def test_publish_without_files(admin: Client, emulator: EmulatorProcess) -> None:
    k = key()
    emulator.reset_counts()
    r = publish(
        admin,
        {
            "group_id": "com.test",
            "artifact_key": k,
            "version": "1.0.0",
            "repository": "releases",
            "description": "first",
            "dependents": ["com.example:payments-api:0.9"],
        },
    )
    assert r.status_code == 200, r.text
    assert r.headers["HX-Redirect"] == f"/artifacts/com.test:{k}?published=1.0.0"
    counts = emulator.counts()
    assert counts.get("POST /artifacts") == 1  # created when missing, as the KB article does
    assert counts.get("POST /artifactVersions") == 1
    page = admin.get(r.headers["HX-Redirect"]).text
    assert "Published version 1.0.0" in page and "releases" in page
    v = requests.get(
        emulator.api + f"/artifactVersions/com.test:{k}:1.0.0",
        auth=("admin", "changeme"),
        timeout=10,
    ).json()["artifactVersion"]
    assert v["dependentArtifactVersions"] == ["com.example:payments-api:0.9"]


def test_publish_with_two_files_arrives_intact(admin: Client, emulator: EmulatorProcess) -> None:
    k = key()
    big = bytes(range(256)) * 4096  # 1 MiB
    r = publish(
        admin,
        {"group_id": "com.test", "artifact_key": k, "version": "2.0"},
        [("app.bin", big), ("notes.txt", b"hello\n")],
    )
    assert r.status_code == 200, r.text
    v = requests.get(
        emulator.api + f"/artifactVersions/com.test:{k}:2.0", auth=("admin", "changeme"), timeout=10
    ).json()["artifactVersion"]
    assert v["artifactVersionState"] == "available"
    sha = hashlib.sha256(big).hexdigest()
    assert (emulator.db.parent / "emulator-files" / sha[:2] / sha).read_bytes() == big
    page = admin.get(f"/artifacts/com.test:{k}:2.0").text
    assert "app.bin" in page and "1.0 MiB" in page and sha in page


@pytest.mark.parametrize(
    "data,field,needle",
    [
        ({"group_id": "bad/group", "artifact_key": "k", "version": "1"}, "group_id", "letters"),
        ({"group_id": "g", "artifact_key": "k", "version": "v1.x"}, "version", "1.2.3"),
        ({"group_id": "g", "artifact_key": "", "version": "1"}, "artifact_key", "Required"),
        (
            {"group_id": "g", "artifact_key": "k", "version": "1", "dependents": ["nope"]},
            "dependents",
            "not a version name",
        ),
    ],
)
def test_checks_before_any_call(
    admin: Client, emulator: EmulatorProcess, data: dict[str, object], field: str, needle: str
) -> None:
    emulator.reset_counts()
    r = publish(admin, data)
    assert r.status_code == 422
    slot = re.search(rf'<p class="error" id="err-{field}"[^>]*>([^<]*)</p>', r.text)
    assert slot and needle in html.unescape(slot.group(1))
    assert 'hx-swap-oob="true"' in r.text
    assert emulator.counts() == {}


def test_existing_version_and_upstream_refusals_inline(admin: Client) -> None:
    r = publish(
        admin, {"group_id": "com.example", "artifact_key": "payments-api", "version": "0.9"}
    )
    assert r.status_code == 422 and "com.example:payments-api:0.9 already exists" in r.text
    r = publish(
        admin,
        {
            "group_id": "com.test",
            "artifact_key": key(),
            "version": "1",
            "repository": "no-such-repo",
        },
    )
    assert r.status_code == 422
    slot = re.search(r'id="err-repository"[^>]*>([^<]*)<', r.text)
    assert slot and "no-such-repo" in slot.group(1)


def test_without_htmx_the_typed_form_comes_back(admin: Client) -> None:
    r = publish(
        admin,
        {"group_id": "g", "artifact_key": "k", "version": "not valid", "description": "my words"},
        htmx=False,
    )
    assert r.status_code == 422
    assert 'value="not valid"' in r.text and "my words" in r.text


def test_upload_over_the_limit_is_refused_before_upstream(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(PROPDESK_MAX_UPLOAD_BYTES="100000")
    client = Client(dash)
    emulator.reset_counts()
    r = publish(
        client,
        {"group_id": "g", "artifact_key": key(), "version": "1"},
        [("big.bin", b"x" * 2_000_000)],
    )
    assert r.status_code == 413
    assert "larger than the limit of 97.7 KiB; nothing was sent" in r.headers["HX-Trigger"]
    assert r.headers["HX-Reswap"] == "none"
    assert emulator.counts() == {}


def test_read_only_user_refused_plainly(dashboard: DashboardThread) -> None:
    viewer = Client(dashboard, "viewer", "viewer")
    r = publish(viewer, {"group_id": "com.test", "artifact_key": key(), "version": "1"})
    assert r.status_code == 422
    assert "viewer may not publish artifacts" in html.unescape(r.text)


def test_expired_session_keeps_the_typed_form(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    client = Client(dashboard)
    k = key()
    emulator.expire_sessions("admin")
    r = client.http.post(
        dashboard.url + "/artifacts/publish",
        data={
            "group_id": "com.test",
            "artifact_key": k,
            "version": "3.1",
            "description": "kept",
            "dependents": ["a:b:1", "c:d:2"],
            "draft_key": "publish",
        },
        headers={
            "HX-Request": "true",
            "X-CSRFToken": client.token,
            "HX-Current-URL": dashboard.url + "/artifacts/publish",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert r.headers["HX-Redirect"].startswith("/login?")
    page = client.http.get(dashboard.url + r.headers["HX-Redirect"], timeout=10)
    login(client.http, dashboard.url, next_path="/artifacts/publish")
    form = client.http.get(dashboard.url + "/artifacts/publish", timeout=10).text
    assert csrf_from(page.text)
    for text in (
        f'value="{k}"',
        'value="3.1"',
        "kept",
        'value="a:b:1"',
        'value="c:d:2"',
        "choose them again",
    ):
        assert text in form
