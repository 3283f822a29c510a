"""Publishing limits and advice: the files' bytes and count, names given twice, missing
dependencies, and the "already exists" check while typing (issue: hardening, resources)."""

from __future__ import annotations

import requests

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess
from tests.web.conftest import DashboardFactory
from tests.web.test_artifacts import key, publish


def fresh_version() -> dict[str, object]:
    """The fields of a version nobody has published."""
    return {"group_id": "g", "artifact_key": key(), "version": "1"}


def test_files_over_the_byte_limit_are_refused_by_their_bytes(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    # Under the body limit (setting + room for the form's fields), over the files' limit.
    client = Client(make_dashboard(PROPDESK_MAX_UPLOAD_BYTES="100000"))
    emulator.reset_counts()
    r = publish(client, fresh_version(), [("a.bin", b"x" * 600_000), ("b.bin", b"y" * 400_000)])
    assert r.status_code == 422
    assert "The files hold 976.6 KiB together; the limit is 97.7 KiB" in r.text
    assert emulator.counts() == {}


def test_too_many_files_get_their_own_message(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    client = Client(make_dashboard(PROPDESK_MAX_UPLOAD_FILES="5"))
    emulator.reset_counts()
    fields = fresh_version()
    few_too_many = publish(client, fields, [(f"f{i}", b"1") for i in range(6)])
    assert few_too_many.status_code == 422
    assert "6 files chosen; one publish may carry at most 5" in few_too_many.text
    # Far more parts than a form may have: refused while the body is read, as "files".
    flood = publish(client, fields, [(f"f{i}", b"1") for i in range(1100)])
    assert flood.status_code == 413
    assert "holds more than 5 files" in flood.headers["HX-Trigger"]
    assert "larger than" not in flood.headers["HX-Trigger"]
    assert emulator.counts() == {}


def test_files_with_one_name_are_refused(admin: Client, emulator: EmulatorProcess) -> None:
    emulator.reset_counts()
    r = publish(admin, fresh_version(), [("same", b"1"), ("same", b"2"), ("same", b"3")])
    assert r.status_code == 422 and "are named “same”" in r.text
    assert emulator.counts() == {}


def test_a_dependency_that_does_not_exist_is_refused(
    admin: Client, emulator: EmulatorProcess
) -> None:
    k = key()
    r = publish(
        admin,
        {
            "group_id": "com.test",
            "artifact_key": k,
            "version": "1.0.0",
            "dependents": ["com.example:payments-api:0.9", "com.example:nope:9.9.9"],
        },
    )
    assert r.status_code == 422
    assert "“com.example:nope:9.9.9” does not exist" in r.text
    missing = requests.get(
        emulator.api + f"/artifactVersions/com.test:{k}:1.0.0",
        auth=("admin", "changeme"),
        timeout=10,
    )
    assert missing.status_code == 404


def test_version_check_while_typing(admin: Client) -> None:
    taken = admin.get(
        "/artifacts/publish/version-check?group_id=com.example&artifact_key=payments-api"
        "&version=0.9",
        htmx=True,
    )
    assert taken.status_code == 200
    assert 'id="err-version"' in taken.text and "payments-api:0.9 already exists" in taken.text
    free = admin.get(
        f"/artifacts/publish/version-check?group_id=com.example&artifact_key={key()}&version=1",
        htmx=True,
    )
    assert 'id="err-version"' in free.text and "already exists" not in free.text
    form = admin.get("/artifacts/publish").text
    assert 'hx-get="/artifacts/publish/version-check"' in form


def test_request_metrics_labels_stay_bounded(make_dashboard: DashboardFactory) -> None:
    dash: DashboardThread = make_dashboard(PROPDESK_METRICS_TOKEN="t" * 32)
    auth = {"Authorization": "Bearer " + "t" * 32}

    def series() -> set[str]:
        text = requests.get(dash.url + "/metrics", headers=auth, timeout=10).text
        return {
            ln.rsplit(" ", 1)[0]
            for ln in text.splitlines()
            if ln.startswith("propdesk_requests_total{")
        }

    before = series()
    for i in range(60):
        requests.request(f"X{i:03d}Y", dash.url + f"/nowhere-{i}", timeout=10)
    added = series() - before
    # 60 made-up methods on 60 unknown paths: one series (per status) instead of 60.
    assert 1 <= len(added) <= 2, sorted(added)
    assert all('method="other"' in s and 'route="unmatched"' in s for s in added)
    assert not any("X00" in s or "nowhere" in s for s in series())
