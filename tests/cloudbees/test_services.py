"""The services against the real emulator: every call, typed errors, path encoding."""

from __future__ import annotations

import contextlib
import io
import re
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.cloudbees import (
    AuthenticationError,
    CloudBeesClient,
    CloudBeesError,
    Conflict,
    NotFound,
    NotSupported,
    PermissionDenied,
    PropertyPath,
    Transport,
    TransportSettings,
    ValidationError,
)
from app.cloudbees.artifacts import version_key
from app.cloudbees.sessions import SessionService
from app.cloudbees.transport import BasicAuth, SessionAuth
from tests.support.servers import EmulatorProcess

README = Path(__file__).resolve().parents[2] / "README.md"


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def project(cd: CloudBeesClient) -> str:
    name = unique("svc")
    cd.projects.create(name)
    return name


# -- sessions -------------------------------------------------------------------------------
def test_login_logout(emulator: EmulatorProcess, transport: Transport) -> None:
    sessions = SessionService(transport)
    session = sessions.login("admin", "changeme")
    assert session.user_name == "admin" and session.session_id not in repr(session)
    cd = CloudBeesClient.for_session(transport, session.session_id)
    assert cd.projects.get("Default").name == "Default"
    sessions.logout(session)
    with pytest.raises(AuthenticationError):
        cd.projects.get("Default")
    sessions.logout(session)  # already gone: nothing to do, no error


def test_login_with_token(transport: Transport) -> None:
    assert SessionService(transport).login_with_token("admin-access-token").user_name == "admin"


def test_login_refused_carries_the_server_message(transport: Transport) -> None:
    with pytest.raises(AuthenticationError) as err:
        SessionService(transport).login("admin", "wrong")
    assert err.value.status == 401 and err.value.message == "Invalid user name or password"


@pytest.mark.parametrize("status", [404, 405, 501])
def test_logout_tolerates_a_server_without_the_route(
    fresh_emulator: EmulatorProcess, status: int
) -> None:
    transport = Transport(TransportSettings(server_url=fresh_emulator.base_url, retries=0))
    session = SessionService(transport).login("admin", "changeme")
    fresh_emulator.inject_faults(status, 1)
    SessionService(transport).logout(session)  # no exception


# -- projects -------------------------------------------------------------------------------
def test_projects(cd: CloudBeesClient) -> None:
    projects = {p.name: p for p in cd.projects.all()}
    assert projects["EC-Kubernetes-1.2.3"].is_plugin
    default = projects["Default"]
    assert not default.is_plugin and default.create_time is not None
    assert isinstance(default.property_sheet_id, int) and default.tracked is True


# -- properties -----------------------------------------------------------------------------
def test_get_raw_by_default_and_expanded_on_request(cd: CloudBeesClient) -> None:
    path = PropertyPath.parse("/projects/checkout-service/deploy/prod/url")
    raw = cd.properties.get(path)
    assert raw.value is not None and "$[" in raw.value and raw.has_references
    assert cd.properties.get(path, expand=True).value == (
        "https://prod.internal.example.com:443/checkout-service"
    )


def test_sheet_by_path_by_id_and_recurse(cd: CloudBeesClient) -> None:
    deploy = PropertyPath.project("checkout-service", "deploy")
    sheet = cd.properties.sheet(deploy)
    assert [p.name for p in sheet.properties] == ["dev", "prod", "staging"]
    assert all(p.is_sheet and p.sheet is None for p in sheet.properties)
    deep = cd.properties.sheet(deploy, recurse=True)
    prod = next(p for p in deep.properties if p.name == "prod")
    assert prod.sheet is not None and "database" in {p.name for p in prod.sheet.properties}
    assert prod.property_sheet_id is not None
    by_id = cd.properties.sheet_by_id(prod.property_sheet_id)
    assert {p.name for p in by_id.properties} == {p.name for p in prod.sheet.properties}
    root = cd.properties.sheet(PropertyPath.project("Default"))
    assert "PythonProperty" in {p.name for p in root.properties}
    server = cd.properties.sheet(PropertyPath.server())
    assert "motd" in {p.name for p in server.properties}


def test_write_calls(cd: CloudBeesClient, project: str) -> None:
    base = PropertyPath.project(project)
    created = cd.properties.create(base.child("a"), "one\n  two", description="d")
    assert created.value == "one\n  two" and created.description == "d"
    with pytest.raises(Conflict):
        cd.properties.create(base.child("a"), "again")
    sheet = cd.properties.create_sheet(base.child("cfg"), description="s")
    assert sheet.is_sheet
    assert cd.properties.set(base.child("cfg").child("x"), "1").value == "1"
    modified = cd.properties.modify(
        base.child("a"), new_name="b", description="renamed", expandable=False
    )
    assert (modified.name, modified.value, modified.description, modified.expandable) == (
        "b",
        "one\n  two",
        "renamed",
        False,
    )
    assert modified.create_time is not None  # read back whole, not the partial PUT answer
    assert cd.properties.increment(base.child("n"), 5).value == "5"
    assert cd.properties.increment(base.child("n")).value == "6"
    cd.properties.delete(base.child("cfg"))
    with pytest.raises(NotFound):
        cd.properties.get(base.child("cfg").child("x"))


# -- typed errors for every code of the reference ----------------------------------------
def raw(transport: Transport, method: str, segs: tuple[str, ...], **kw: Any) -> None:
    transport.call(method, segs, auth=BasicAuth("admin", "changeme"), **kw)


CASES: list[tuple[str, type[CloudBeesError], Any]] = [
    ("NoCredentials", AuthenticationError, lambda t: t.call("GET", ("projects",), auth=None)),
    ("InvalidCredentials", AuthenticationError, lambda t: SessionService(t).login("admin", "nope")),
    (
        "AccessDenied",
        PermissionDenied,
        lambda t: t.call(
            "POST", ("projects",), auth=BasicAuth("viewer", "viewer"), body={"projectName": "x"}
        ),
    ),
    ("NoSuchProject", NotFound, lambda t: raw(t, "GET", ("projects", "nope-x"))),
    (
        "NoSuchProperty",
        NotFound,
        lambda t: raw(t, "GET", ("properties", "", "projects", "Default", "nope")),
    ),
    ("NoSuchArtifact", NotFound, lambda t: raw(t, "GET", ("artifacts", "g:nope"))),
    (
        "NoSuchArtifactVersion",
        NotFound,
        lambda t: raw(t, "GET", ("artifactVersions", "com.example:payments-api:9.9")),
    ),
    (
        "NoSuchRepository",
        NotFound,
        lambda t: raw(
            t,
            "POST",
            ("artifactVersions",),
            body={"artifactName": "g:k", "version": "1", "repositoryName": "nope"},
        ),
    ),
    (
        "DuplicatePropertyName",
        Conflict,
        lambda t: raw(
            t,
            "POST",
            ("properties",),
            body={"propertyName": "PythonProperty", "projectName": "Default"},
        ),
    ),
    (
        "DuplicateArtifactVersion",
        Conflict,
        lambda t: raw(
            t,
            "POST",
            ("artifactVersions",),
            body={
                "artifactName": "com.example:payments-api",
                "version": "0.9",
                "repositoryName": "releases",
            },
        ),
    ),
    (
        "InvalidPropertyName",
        ValidationError,
        lambda t: raw(
            t,
            "POST",
            ("properties",),
            body={"propertyName": "properties", "projectName": "Default"},
        ),
    ),
    (
        "InvalidArtifactName",
        ValidationError,
        lambda t: raw(t, "POST", ("artifacts",), params={"groupId": "a/b", "artifactKey": "k"}),
    ),
    (
        "InvalidVersion",
        ValidationError,
        lambda t: raw(
            t, "POST", ("artifactVersions",), body={"artifactName": "g:k", "version": "v1"}
        ),
    ),
    (
        "InvalidArgument",
        ValidationError,
        lambda t: raw(t, "PUT", ("properties", "x"), params={"projectName": "Default"}),
    ),
    ("NotImplemented", NotSupported, lambda t: raw(t, "GET", ("noSuchRoute",))),
]


@pytest.mark.parametrize("code,cls,call", CASES, ids=[c[0] for c in CASES])
def test_typed_error_for_every_code(
    transport: Transport, code: str, cls: type[CloudBeesError], call: Any
) -> None:
    with pytest.raises(cls) as err:
        call(transport)
    assert err.value.code == code
    assert err.value.status is not None and err.value.message


# -- path encoding: user input never changes the route or host ---------------------------
@pytest.mark.parametrize(
    "project_name",
    ["a/b", "q?x=1", "h#frag", "p%2Fq", "..", "sp ace", "http://evil.example/x", "ü-名前"],
)
def test_segments_are_percent_encoded(
    emulator: EmulatorProcess, cd: CloudBeesClient, project_name: str
) -> None:
    name = f"{project_name}-{uuid.uuid4().hex[:4]}" if project_name != ".." else ".."
    with contextlib.suppress(Conflict):  # ".." exists after the first run of this case
        cd.projects.create(name)
    emulator.reset_counts()
    path = PropertyPath.project(name, "v?x#y%2F z")
    cd.properties.set(path, "value")
    assert cd.properties.get(path).value == "value"
    assert cd.projects.get(name).name == name
    seen = emulator.requests_seen()
    assert [s["route"] for s in seen] == [
        "PUT /properties//{path}",
        "GET /properties//{path}",
        "GET /projects/{projectName}",
    ]
    for s in seen:
        assert re.fullmatch(
            r"/rest/v1\.0/(properties//projects|projects)/[^/?#]+(/[^/?#]+)?", s["path"]
        ), s["path"]


@pytest.mark.parametrize("bad", ["a/b", "..", ".", "properties", "x[1]", "", "tab\t"])
def test_invalid_names_are_refused_before_any_call(
    emulator: EmulatorProcess, cd: CloudBeesClient, bad: str
) -> None:
    emulator.reset_counts()
    with pytest.raises(ValidationError):
        cd.properties.set(PropertyPath.project("Default").child(bad), "1")
    assert emulator.counts() == {}


def test_path_parse_and_str_round_trip() -> None:
    for text in (
        "/projects/Default/ci/version",
        "/server/settings",
        "/projects[a/b]/x",
        "/artifactVersions/com.example:app:1.0/buildUrl",
    ):
        assert str(PropertyPath.parse(text)) == text
    assert PropertyPath.parse("/projects[My Project]/x").segments == ("projects", "My Project", "x")
    with pytest.raises(ValidationError):
        PropertyPath.parse("/nowhere/x")


# -- artifacts ------------------------------------------------------------------------------
def test_artifacts_versions_repositories(cd: CloudBeesClient) -> None:
    assert "com.example:checkout-service" in {a.name for a in cd.artifacts.all()}
    versions = [v.version for v in cd.artifacts.versions("com.example:checkout-service")]
    assert versions == ["2.0.0-rc1-17", "1.10.0", "1.9.2", "1.2.0", "1.0.0"]
    dependent = cd.artifacts.version("com.example:payments-api:1.0.0")
    assert dependent.dependent_versions == ("com.example:checkout-service:1.10.0",)
    assert {r.name for r in cd.artifacts.repositories()} >= {"default", "releases"}


def test_create_artifact_and_version(cd: CloudBeesClient) -> None:
    key = unique("a")
    assert cd.artifacts.create_artifact("com.test", key).name == f"com.test:{key}"
    v = cd.artifacts.create_version(
        "com.test",
        key,
        "1.0.0",
        repository="releases",
        description="d",
        dependents=["com.example:payments-api:0.9"],
    )
    assert (v.state, v.repository_name, v.dependent_versions) == (
        "available",
        "releases",
        ("com.example:payments-api:0.9",),
    )
    with pytest.raises(Conflict):
        cd.artifacts.create_version("com.test", key, "1.0.0")
    with pytest.raises(ValidationError):
        cd.artifacts.create_version("com.test", key, "not-a-version")


def test_version_order() -> None:
    ordered = [
        "1.0.0-rc1",
        "1.0.0",
        "1.2",
        "1.9.2",
        "1.10.0-beta-2",
        "1.10.0-beta-10",
        "1.10.0",
        "2",
    ]
    assert sorted(reversed(ordered), key=version_key) == ordered


def test_publish_streams_files(cd: CloudBeesClient, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    size = 24 * 1024 * 1024
    with big.open("wb") as f:
        f.truncate(size)
    key = unique("pub")
    tracemalloc.start()
    with big.open("rb") as stream:
        version = cd.artifacts.publish(
            "com.test",
            key,
            "3.1.4",
            [("big.bin", stream), ("notes.txt", io.BytesIO(b"hello"))],
            description="two files",
        )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert version.state == "available"
    assert {(f.name, f.size) for f in version.files} == {("big.bin", size), ("notes.txt", 5)}
    assert peak < size / 4, f"peak Python allocation {peak} bytes for a {size}-byte upload"


def test_publish_errors_are_typed(cd: CloudBeesClient) -> None:
    with pytest.raises(NotFound) as err:
        cd.artifacts.publish(
            "com.test", unique(), "1.0", [("a", io.BytesIO(b"1"))], repository="nope"
        )
    assert err.value.code == "NoSuchRepository"


def test_viewer_cannot_publish(emulator: EmulatorProcess) -> None:
    with (
        CloudBeesClient.login(emulator.base_url, "viewer", "viewer") as cd,
        pytest.raises(PermissionDenied),
    ):
        cd.artifacts.publish("com.test", unique(), "1.0", [("a", io.BytesIO(b"1"))])


def test_publish_with_basic_auth(emulator: EmulatorProcess) -> None:
    transport = Transport(TransportSettings(server_url=emulator.base_url))
    cd = CloudBeesClient.with_basic_auth(transport, "admin", "changeme")
    v = cd.artifacts.publish("com.test", unique(), "1.0", [("a", io.BytesIO(b"1"))])
    assert v.state == "available"


def test_session_auth_is_header_only(emulator: EmulatorProcess) -> None:
    # The session id travels in a header: never in a URL the emulator logged.
    transport = Transport(TransportSettings(server_url=emulator.base_url))
    session = SessionService(transport).login("admin", "changeme")
    cd = CloudBeesClient(transport, SessionAuth(session.session_id))
    cd.projects.all()
    assert all(session.session_id not in (s["path"] + s["query"]) for s in emulator.requests_seen())


# -- the README example runs as written --------------------------------------------------
def test_readme_example_runs(emulator: EmulatorProcess, capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text()
    section = text.split("## Use propdesk's client from Python", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    assert "http://127.0.0.1:8900" in code
    exec(compile(code.replace("http://127.0.0.1:8900", emulator.base_url), "README", "exec"), {})  # noqa: S102
    out = capsys.readouterr().out
    assert "PythonRestApi" in out or "UpdatedPython" in out


def test_publish_carries_dependents(cd: CloudBeesClient) -> None:
    v = cd.artifacts.publish(
        "com.test",
        unique(),
        "1.0",
        [("a", io.BytesIO(b"1"))],
        dependents=["com.example:payments-api:0.9"],
    )
    assert v.dependent_versions == ("com.example:payments-api:0.9",)
