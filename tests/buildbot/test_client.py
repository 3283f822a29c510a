"""The Buildbot client against real masters: builders, builds through collection queries,
properties, force schedulers, a force over JSON-RPC, logins and typed errors."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from app.buildbot import (
    BadRequest,
    BuildbotClient,
    BuildbotSettings,
    BuildbotTransport,
    CollectionQuery,
    FieldErrors,
    Filter,
    LoginRefused,
    NotFound,
    OAuth2Only,
    PermissionDenied,
    QueryError,
    ServerError,
    Unreachable,
)
from app.buildbot.local_master import LocalMaster
from tests.buildbot.conftest import LOGIN, XSS_DESCRIPTION, XSS_GREETING, TwoBuilds
from tests.support.buildbot import USER, MasterAPI, accepted, running_master
from tests.support.servers import free_port


def client_of(url: str) -> BuildbotClient:
    return BuildbotClient(BuildbotTransport(BuildbotSettings(url, retries=0)), None)


def test_builders_with_description_and_tags(master: LocalMaster) -> None:
    builders = client_of(master.url).builders()
    assert [b.name for b in builders] == ["hello", "world"]
    assert builders[0].description == XSS_DESCRIPTION
    assert builders[0].tags == ("demo", "hello")


def test_builds_newest_first_paged_and_filtered(master: LocalMaster, two_builds: TwoBuilds) -> None:
    bb = client_of(master.url)
    hello = bb.builder("hello")
    newest = bb.builds(hello, CollectionQuery(order=("-number",), limit=1))
    assert [b.number for b in newest] == [max(two_builds.first, two_builds.second)]
    second_page = bb.builds(hello, CollectionQuery(order=("-number",), offset=1, limit=1))
    assert second_page[0].number < newest[0].number
    ok = bb.builds(hello, CollectionQuery(filters=(Filter.of("results", "eq", 0),)))
    assert {two_builds.first, two_builds.second} <= {b.number for b in ok}
    assert all(b.result == "success" and b.complete for b in ok)
    failed = bb.builds(hello, CollectionQuery(filters=(Filter.of("results", "ne", 0),)))
    assert failed == ()
    # Ordering on a field that was not selected is refused by Buildbot; the query selects it.
    picked = bb.builds(
        hello, CollectionQuery(fields=("buildid", "builderid", "number"), order=("-number",))
    )
    assert picked[0].number == newest[0].number


def test_build_properties_values_and_sources(master: LocalMaster, two_builds: TwoBuilds) -> None:
    bb = client_of(master.url)
    build = bb.build(bb.builder("hello"), two_builds.first)
    props = {p.name: p for p in build.properties}
    assert props["greeting"].value == "world"
    assert props["greeting"].source == "Force Build Form"
    assert props["loud"].value is True and props["loud"].kind == "boolean"
    assert props["count"].value == 3 and props["count"].kind == "number"
    assert props["answer"].value == "42"
    assert props["answer"].source == "SetPropertyFromCommand Step"
    assert props["owners"].kind == "json"


def test_force_schedulers_describe_their_form(master: LocalMaster) -> None:
    bb = client_of(master.url)
    (scheduler,) = bb.force_schedulers(bb.builder("world"))
    kinds = {p.name: p.kind for p in scheduler.parameters}
    assert kinds["greeting"] == "text" and kinds["loud"] == "bool"
    assert kinds["count"] == "int" and kinds["flavour"] == "list"
    assert kinds["username"] == "username" and "branch" in kinds
    flavour = scheduler.parameter("flavour")
    assert flavour is not None and flavour.choices == ("plain", "spicy")
    assert flavour.default == "plain"


def test_force_over_json_rpc_starts_a_build_with_the_properties(
    master: LocalMaster, api: MasterAPI
) -> None:
    bb = client_of(master.url)
    world = bb.builder("world")
    forced = bb.force("force", world, {"username": USER, "greeting": "from-client"})
    (builder_id, request_id) = forced.build_requests[0]
    assert builder_id == world.builderid
    build = api.finished_build(request_id)
    assert api.properties(build["buildid"])["greeting"] == "from-client"


def test_bad_values_come_back_per_field(master: LocalMaster) -> None:
    bb = client_of(master.url)
    with pytest.raises(FieldErrors) as caught:
        bb.force("force", bb.builder("hello"), {"flavour": "salty", "count": "many"})
    assert set(caught.value.fields) == {"flavour", "count"}
    assert "does not belong to list" in caught.value.fields["flavour"]
    assert "invalid literal" in caught.value.fields["count"]


def test_typed_errors(master: LocalMaster, two_builds: TwoBuilds) -> None:
    bb = client_of(master.url)
    hello = bb.builder("hello")
    with pytest.raises(NotFound):
        bb.builder("no-such-builder")
    with pytest.raises(NotFound):
        bb.build(hello, 99999)
    with pytest.raises(BadRequest, match="invalid limit"):
        bb.transport.get(("builders",), [("limit", "x")])
    with pytest.raises(BadRequest, match="unrecognized query parameter"):
        bb.transport.get(("builders",), [("foo", "1")])
    with pytest.raises(ServerError):  # -32603: no such scheduler
        bb.force("no-such-scheduler", hello, {"username": USER})


def test_queries_refuse_what_buildbot_would_misread() -> None:
    with pytest.raises(QueryError):
        Filter.of("number", "bogus", 1)  # Buildbot would silently ignore it
    with pytest.raises(QueryError):
        CollectionQuery(limit=0)
    query = CollectionQuery(
        fields=("number",), filters=(Filter.of("results", "in", 0, 1),), order=("-buildid",)
    )
    assert query.to_params() == [
        ("field", "number"),
        ("field", "results"),
        ("field", "buildid"),
        ("results__in", "0"),
        ("results__in", "1"),
        ("order", "-buildid"),
    ]
    assert Filter.of("complete", "eq", False).params() == [("complete__eq", "false")]


def test_login_keeps_a_session_cookie_and_wrong_password_is_refused(
    login_master: LocalMaster,
) -> None:
    transport = BuildbotTransport(BuildbotSettings(login_master.url, retries=0))
    assert BuildbotClient(transport, None).auth().needs_login
    with pytest.raises(LoginRefused):
        transport.login(LOGIN[0], "wrong")
    session = transport.login(*LOGIN)
    assert [name for name, _ in session.cookies] == ["TWISTED_SESSION"]
    assert "secret" not in repr(session) and session.cookies[0][1] not in repr(session)
    anonymous = BuildbotClient(transport, None)
    hello = anonymous.builder("hello")
    with pytest.raises(PermissionDenied):
        anonymous.force("force", hello, {"username": USER})
    forced = BuildbotClient(transport, session).force("force", hello, {"username": USER})
    assert forced.build_requests


def test_oauth2_master_is_recognised(oauth_master: LocalMaster) -> None:
    transport = BuildbotTransport(BuildbotSettings(oauth_master.url, retries=0))
    auth = BuildbotClient(transport, None).auth()
    assert auth.oauth2 and auth.name == "GitHub"
    with pytest.raises(OAuth2Only):  # /auth/login sends the browser to GitHub
        transport.login("someone", "password")


def test_no_master_is_unreachable() -> None:
    bb = client_of(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(Unreachable, match="not reachable"):
        bb.builders()


def test_markup_in_values_is_kept_as_data(master: LocalMaster, two_builds: TwoBuilds) -> None:
    bb = client_of(master.url)
    build = bb.build(bb.builder("hello"), two_builds.second)
    assert {p.name: p.value for p in build.properties}["greeting"] == XSS_GREETING


def test_tls_verified_against_the_given_ca(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")  # a test extra
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    tls = (tmp_path / "cert.pem", tmp_path / "key.pem")
    with running_master(tmp_path / "tls", tls=tls, ca_bundle=tmp_path / "ca.pem") as master:
        assert master.url.startswith("https://")
        trusted = BuildbotSettings(master.url, retries=0, ca_bundle=tmp_path / "ca.pem")
        names = [b.name for b in BuildbotClient(BuildbotTransport(trusted), None).builders()]
        assert names == ["hello", "world"]
        with pytest.raises(Unreachable, match="TLS verification"):
            client_of(master.url).builders()  # the system store does not know this CA


@pytest.mark.parametrize(
    ("location", "ours"),
    [
        ("/", True),
        ("/#/builders", True),
        ("http://127.0.0.1:8010/", True),
        ("http://127.0.0.1:8010", True),
        ("//github.com/login/oauth/authorize", False),
        ("/\\github.com/", False),
        ("http://127.0.0.1:80100/", False),
        ("http://127.0.0.1:8010.evil.example/", False),
        ("https://127.0.0.1:8010/", False),
        ("https://github.com/login/oauth/authorize?redirect_uri=http://127.0.0.1:8010/", False),
    ],
)
def test_only_a_redirect_back_into_the_master_counts_as_a_login(location: str, ours: bool) -> None:
    """A login answer's redirect tells a worked login from an outside (OAuth2) provider:
    a protocol-relative URL or a host that merely starts like the master's is outside."""
    transport = BuildbotTransport(BuildbotSettings("http://127.0.0.1:8010/", retries=0))
    assert transport._is_ours(location) is ours


def test_a_hung_master_holds_a_page_no_longer_than_its_deadline() -> None:
    """A master that takes connections and never answers: a loopback socket that listens
    and is never read, since a real master cannot be made to hang on demand. A read that
    timed out is not sent again (the master has it), and once the page's deadline has
    passed no further call is made: a hung master holds a propdesk thread for one deadline,
    not a read timeout per attempt and per call."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings = BuildbotSettings(url, read_timeout=5.0, retries=2, deadline=0.5)
        transport = BuildbotTransport(settings)
        bb = BuildbotClient(transport, None)
        transport.start_deadline()
        try:
            with pytest.raises(Unreachable, match="no answer in time"):
                bb.builders()  # its read timeout cut to the deadline's 0.5 s
            assert accepted(silent) == 1  # not retried
            with pytest.raises(Unreachable, match=r"within the 0\.5 s this page may wait"):
                bb.builders()
            assert accepted(silent) == 0  # not even sent
        finally:
            transport.end_deadline()
