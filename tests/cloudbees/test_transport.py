"""The transport against a real emulator: retries, timeouts, redirects, cookies, size cap."""

from __future__ import annotations

import io
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urllib3

from app.cloudbees import (
    AuthenticationError,
    CloudBeesClient,
    NotFound,
    PermissionDenied,
    PropertyPath,
    ServerError,
    Transport,
    TransportSettings,
    UpstreamUnavailable,
)
from app.cloudbees import transport as transport_module
from app.cloudbees.sessions import SessionService
from app.cloudbees.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RETRIES,
    BasicAuth,
    SessionAuth,
)
from tests.support.servers import EmulatorProcess

TlsEmulator = tuple[EmulatorProcess, Path]  # the emulator over https, and the folder of its CA


def settings(
    emu: EmulatorProcess,
    *,
    retries: int = DEFAULT_RETRIES,
    read_timeout: float = 10.0,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> TransportSettings:
    """Settings for the emulator with a short backoff (the knobs the tests turn)."""
    return TransportSettings(
        server_url=emu.base_url,
        read_timeout=read_timeout,
        retries=retries,
        backoff_factor=0.01,
        max_response_bytes=max_response_bytes,
    )


def test_get_is_retried_on_503_and_counted_at_the_emulator(
    fresh_emulator: EmulatorProcess,
) -> None:
    emu = fresh_emulator
    transport = Transport(settings(emu, retries=2))
    cd = CloudBeesClient.with_basic_auth(transport, "admin", "changeme")
    emu.inject_faults(503, 2)
    emu.reset_counts()
    assert any(p.name == "Default" for p in cd.projects.all())
    assert emu.counts() == {"GET /projects": 3}


@pytest.mark.parametrize("action", ["login", "create", "set", "delete", "increment"])
def test_writes_and_login_are_never_retried(fresh_emulator: EmulatorProcess, action: str) -> None:
    emu = fresh_emulator
    transport = Transport(settings(emu, retries=3))
    cd = CloudBeesClient.with_basic_auth(transport, "admin", "changeme")
    path = PropertyPath.project("Default", "PythonProperty")
    calls: dict[str, Callable[[], object]] = {
        "login": lambda: SessionService(transport).login("admin", "changeme"),
        "create": lambda: cd.properties.create(PropertyPath.project("Default", "new")),
        "set": lambda: cd.properties.set(path, "x"),
        "delete": lambda: cd.properties.delete(path),
        "increment": lambda: cd.properties.increment(PropertyPath.project("Default", "n")),
    }
    emu.inject_faults(503, 5)
    emu.reset_counts()
    with pytest.raises(ServerError) as err:
        calls[action]()
    assert err.value.status == 503
    assert sum(emu.counts().values()) == 1


def test_retry_after_is_honoured(fresh_emulator: EmulatorProcess) -> None:
    emu = fresh_emulator
    cd = CloudBeesClient.with_basic_auth(Transport(settings(emu, retries=1)), "admin", "changeme")
    emu.inject_faults(503, 1, retry_after="1")
    start = time.monotonic()
    cd.projects.get("Default")
    assert time.monotonic() - start >= 1.0


def test_redirects_are_not_followed(fresh_emulator: EmulatorProcess) -> None:
    emu = fresh_emulator
    cd = CloudBeesClient.with_basic_auth(Transport(settings(emu)), "admin", "changeme")
    emu.inject_faults(302, 1, location=emu.base_url + "/rest/v1.0/projects")
    emu.reset_counts()
    with pytest.raises(ServerError) as err:
        cd.projects.get("Default")
    assert err.value.status == 302 and "redirect" in err.value.message
    assert emu.counts() == {"GET /projects/{projectName}": 1}


def test_read_timeout_from_the_latency_knob(fresh_emulator: EmulatorProcess) -> None:
    emu = fresh_emulator
    cd = CloudBeesClient.with_basic_auth(
        Transport(settings(emu, read_timeout=0.5, retries=0)), "admin", "changeme"
    )
    emu.set_latency(20_000)
    start = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as err:
        cd.projects.all()
    elapsed = time.monotonic() - start
    emu.set_latency(0)
    assert err.value.code == "Timeout" and "did not answer within 0.5 s" in str(err.value)
    # The 0.5 s timeout, not the 20 s latency: the bound leaves room for a busy machine.
    assert elapsed < 10


def test_refused_connection_is_upstream_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    transport = Transport(TransportSettings(server_url=f"http://127.0.0.1:{port}", retries=0))
    with pytest.raises(UpstreamUnavailable) as err:
        SessionService(transport).login("admin", "changeme")
    assert f"127.0.0.1:{port} is not reachable" in str(err.value)
    assert "changeme" not in str(err.value)


def test_response_size_is_capped(emulator: EmulatorProcess) -> None:
    transport = Transport(settings(emulator, max_response_bytes=10_000))
    cd = CloudBeesClient.with_basic_auth(transport, "admin", "changeme")
    with pytest.raises(ServerError) as err:
        cd.properties.sheet(PropertyPath.project("platform-config", "bulk"))
    assert err.value.code == "ResponseTooLarge"


def test_server_cookies_are_never_kept(emulator: EmulatorProcess) -> None:
    transport = Transport(settings(emulator))
    SessionService(transport).login("admin", "changeme")  # the emulator sets a cookie
    assert len(transport._session().cookies) == 0
    with pytest.raises(AuthenticationError):
        transport.call("GET", ("projects",), auth=None)


def test_two_users_in_two_threads_never_share_a_session(emulator: EmulatorProcess) -> None:
    transport = Transport(settings(emulator))
    results: dict[str, object] = {}

    def work(user: str, password: str) -> None:
        session = SessionService(transport).login(user, password)
        cd = CloudBeesClient.for_session(transport, session.session_id)
        path = PropertyPath.project("Default", f"written-by-{user}")
        outcomes = []
        for _ in range(20):
            try:
                cd.properties.set(path, user)
                outcomes.append("ok")
            except PermissionDenied:
                outcomes.append("denied")
        try:
            transport.call("GET", ("projects",), auth=None)
            outcomes.append("anonymous ok")
        except AuthenticationError:
            outcomes.append("anonymous refused")
        results[user] = outcomes

    threads = [
        threading.Thread(target=work, args=a) for a in (("admin", "changeme"), ("viewer", "viewer"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["admin"] == ["ok"] * 20 + ["anonymous refused"]
    assert results["viewer"] == ["denied"] * 20 + ["anonymous refused"]


def test_secrets_never_appear_in_errors(emulator: EmulatorProcess) -> None:
    transport = Transport(settings(emulator))
    with pytest.raises(AuthenticationError) as err:
        SessionService(transport).login("admin", "s3cret-Passw0rd")
    assert "s3cret" not in str(err.value) and "s3cret" not in repr(err.value.args)
    session = SessionService(transport).login("viewer", "viewer")
    cd = CloudBeesClient.for_session(transport, session.session_id)
    with pytest.raises(PermissionDenied) as denied:
        cd.properties.set(PropertyPath.project("Default", "x"), "1")
    text = f"{denied.value} {denied.value.args} {denied.value.path} {session!r}"
    assert session.session_id not in text
    assert "s3cret" not in repr(BasicAuth("u", "s3cret")) and session.session_id not in repr(
        SessionAuth(session.session_id)
    )


# -- TLS ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsEmulator]:
    # trustme is a test extra, not a runtime dependency: skip the TLS tests without it.
    trustme = pytest.importorskip("trustme")
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    trustme.CA().cert_pem.write_to_path(str(folder / "other-ca.pem"))
    emu = EmulatorProcess(folder, seed=None, tls=(folder / "server.pem", folder / "server.pem"))
    yield emu, folder
    emu.stop()


def test_tls_with_the_right_ca(tls_emulator: TlsEmulator) -> None:
    emu, folder = tls_emulator
    assert emu.base_url.startswith("https://")
    with CloudBeesClient.login(
        emu.base_url, "admin", "changeme", ca_bundle=folder / "ca.pem"
    ) as cd:
        assert cd.projects.get("Default").name == "Default"


def test_tls_with_a_wrong_ca_fails_clearly(
    tls_emulator: TlsEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu, folder = tls_emulator
    # REQUESTS_CA_BUNDLE names the right CA: it must not override the configured one.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(folder / "ca.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(folder / "ca.pem"))
    with pytest.raises(UpstreamUnavailable) as err:
        CloudBeesClient.login(emu.base_url, "admin", "changeme", ca_bundle=folder / "other-ca.pem")
    assert err.value.code == "TLSError" and "TLS verification" in str(err.value)
    # No silent fallback to the system store either: it does not know the throwaway CA.
    with pytest.raises(UpstreamUnavailable):
        CloudBeesClient.login(emu.base_url, "admin", "changeme")


def test_tls_opt_out_is_explicit_and_logged(
    tls_emulator: TlsEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu, _ = tls_emulator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        with caplog.at_level("WARNING"):
            cd = CloudBeesClient.login(emu.base_url, "admin", "changeme", verify_tls=False)
        assert cd.projects.get("Default").name == "Default"
        cd.logout()
    assert any("TLS verification" in r.message and "OFF" in r.message for r in caplog.records)


def test_path_of_ca_bundle_is_used_per_call(tls_emulator: TlsEmulator) -> None:
    emu, folder = tls_emulator
    transport = Transport(
        TransportSettings(server_url=emu.base_url, ca_bundle=Path(folder / "ca.pem"))
    )
    # The pooled session's own verify stays at its default: the bundle travels per call.
    assert transport._session().verify is True
    assert SessionService(transport).login("admin", "changeme").user_name == "admin"


def test_every_call_is_observed_by_operation(emulator: EmulatorProcess) -> None:
    seen: list[tuple[str, str | None]] = []

    def observe(operation: str, seconds: float, error: str | None) -> None:
        assert seconds >= 0
        seen.append((operation, error))

    transport_module.OBSERVERS.append(observe)
    try:
        cd = CloudBeesClient.with_basic_auth(Transport(settings(emulator)), "admin", "changeme")
        cd.projects.get("Default")
        with pytest.raises(NotFound):
            cd.artifacts.publish(
                "com.test", "observed", "1.0", [("a", io.BytesIO(b"1"))], repository="nope"
            )
        with pytest.raises(NotFound):
            cd.projects.get("no-such-project-observed")
        cd.properties.get(PropertyPath.project("Default", "PythonProperty"))
    finally:
        transport_module.OBSERVERS.remove(observe)
    assert seen == [
        ("GET /projects/{name}", None),
        ("POST /commander/publishArtifact.php", "HTTP 404"),
        ("GET /projects/{name}", "NotFound"),
        ("GET /properties//{path}", None),
    ]
