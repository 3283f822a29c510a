"""Rebuild with properties through the dashboard against a real master: the form prefilled
from a build, a rebuild with one property changed (checked on the master), the identity as
``username`` (read-only, a forged one ignored, explained when the master wants an e-mail
address), a bad integer as a field error with the typed form kept, and a master stopped
mid-session."""

from __future__ import annotations

import html
import re
from pathlib import Path

import requests

from app.buildbot.local_master import LocalMaster
from tests.buildbot.conftest import DashboardOn, TwoBuilds
from tests.support.buildbot import MasterAPI, running_master
from tests.support.client import Client
from tests.support.servers import csrf_from

FORM = "/buildbot/builders/hello/builds/{number}/rebuild"
IDENTITY = "admin"
"""The propdesk (CloudBees CD emulator) user: who a rebuild is attributed to."""
FORGED = "mallory <mallory@example.com>"


def form_values(page: str) -> dict[str, str]:
    """What a browser would send from the rebuild form as shown (checkboxes when checked,
    selects' selected option)."""
    form = page.split('id="rebuild-form"', 1)[1].split("</form>", 1)[0]
    out: dict[str, str] = {}
    for m in re.finditer(
        r'<input type="(?:text|hidden)"[^>]* name="([^"]+)" value="([^"]*)"', form
    ):
        out[m.group(1)] = html.unescape(m.group(2))
    for m in re.finditer(r'<input type="checkbox" name="([^"]+)" value="1" checked', form):
        out[m.group(1)] = "1"
    for m in re.finditer(r'<select[^>]* name="([^"]+)".*?</select>', form, re.S):
        chosen = re.search(r"<option selected>([^<]*)</option>", m.group(0))
        if chosen:
            out[m.group(1)] = html.unescape(chosen.group(1))
    return out


def identity_field(page: str) -> str:
    """The ``username`` field's markup."""
    return page.split('data-field="username"', 1)[1].split("</div>", 1)[0]


def test_form_is_prefilled_from_the_build(user: Client, two_builds: TwoBuilds) -> None:
    page = user.get(FORM.format(number=two_builds.first))
    assert page.status_code == 200
    values = form_values(page.text)
    assert values["greeting"] == "world" and values["loud"] == "1"
    assert values["count"] == "3" and values["flavour"] == "spicy"
    field = identity_field(page.text)  # the propdesk user, shown but not editable or sent
    assert f'value="{IDENTITY}" readonly' in field and "name=" not in field
    assert "username" not in values
    assert values["reason"].startswith(f"Rebuild of hello #{two_builds.first}")
    assert values["scheduler"] == "force"


def test_rebuild_with_one_property_changed(
    user: Client, two_builds: TwoBuilds, api: MasterAPI
) -> None:
    values = form_values(user.get(FORM.format(number=two_builds.first)).text)
    values.update(greeting="changed by propdesk")
    answer = user.post(FORM.format(number=two_builds.first), values, allow_redirects=False)
    assert answer.status_code == 303, answer.text
    location = answer.headers["Location"]
    request_id = int(location.rsplit("request=", 1)[1])
    builder_page = user.get(location)
    assert f"Build request {request_id}" in builder_page.text
    build = api.finished_build(request_id)
    props = api.properties(build["buildid"])
    assert props["greeting"] == "changed by propdesk"
    assert props["loud"] is True and props["count"] == 3 and props["flavour"] == "spicy"
    assert props["owner"] == IDENTITY
    assert props["reason"].startswith("Rebuild of hello")


def test_a_forged_username_is_ignored(user: Client, two_builds: TwoBuilds, api: MasterAPI) -> None:
    """A POST naming someone else as ``username`` still forces the build as the user."""
    values = form_values(user.get(FORM.format(number=two_builds.first)).text)
    values.update(username=FORGED, greeting="forged?")
    answer = user.post(FORM.format(number=two_builds.first), values, allow_redirects=False)
    assert answer.status_code == 303, answer.text
    build = api.finished_build(int(answer.headers["Location"].rsplit("request=", 1)[1]))
    props = api.properties(build["buildid"])
    assert props["greeting"] == "forged?" and props["owner"] == IDENTITY
    assert FORGED not in str(props)


def test_bad_integer_is_a_field_error_and_the_form_is_kept(
    user: Client, two_builds: TwoBuilds
) -> None:
    values = form_values(user.get(FORM.format(number=two_builds.first)).text)
    values.update(count="twelve", greeting="typed <b>text</b>")
    answer = user.post(FORM.format(number=two_builds.first), values)
    assert answer.status_code == 422
    field = answer.text.split('data-field="count"', 1)[1].split("</div>", 1)[0]
    assert 'class="error"' in field and "invalid literal for int()" in html.unescape(field)
    assert 'aria-invalid="true"' in field
    kept = form_values(answer.text)
    assert kept["count"] == "twelve" and kept["greeting"] == "typed <b>text</b>"
    assert "<b>text</b>" not in answer.text  # kept as text, not markup


def test_identity_without_email_is_explained_next_to_username(
    dashboard_on: DashboardOn, strict_master: LocalMaster
) -> None:
    """A master that wants ``Name <email>`` refuses the identity "admin": Buildbot's message
    and propdesk's explanation show next to the read-only field, the typed form is kept,
    and a forged address in the POST does not get around it."""
    number = MasterAPI(strict_master.url).build_with("hello", greeting="strict")
    client = Client(dashboard_on(strict_master.url))
    values = form_values(client.get(FORM.format(number=number)).text)
    values.update(greeting="kept", username=FORGED)
    answer = client.post(FORM.format(number=number), values)
    assert answer.status_code == 422
    field = html.unescape(identity_field(answer.text))
    assert "please fill in email address" in field  # Buildbot's own words
    assert f"propdesk sends your identity '{IDENTITY}'" in field
    assert "need_email=False" in field and 'aria-invalid="true"' in field
    assert f'value="{IDENTITY}" readonly' in field
    assert form_values(answer.text)["greeting"] == "kept"


def test_form_without_csrf_token_is_refused(user: Client, two_builds: TwoBuilds) -> None:
    values = form_values(user.get(FORM.format(number=two_builds.first)).text)
    values.pop("csrf_token")
    answer = user.post(FORM.format(number=two_builds.first), values)
    assert answer.status_code == 400


def test_master_stopped_mid_session(dashboard_on: DashboardOn, tmp_path: Path) -> None:
    with running_master(tmp_path / "own") as master:
        number = MasterAPI(master.url).build_with("hello", greeting="before the stop")
        client = Client(dashboard_on(master.url))
        form = form_values(client.get(FORM.format(number=number)).text)
        master.stop()
        page = client.get("/buildbot/builders/hello/")
        assert page.status_code == 503
        assert "is not reachable" in page.text
        form.update(greeting="typed while down")
        sent = client.post(FORM.format(number=number), form)
        assert sent.status_code == 503  # the form page asks the master first: clear page
        assert "Traceback" not in sent.text and "Nothing was started" in sent.text
        master.start()
        assert client.get("/buildbot/builders/hello/").status_code == 200


def test_stopped_while_the_form_is_sent_keeps_the_form(
    dashboard_on: DashboardOn, tmp_path: Path
) -> None:
    """The master answers the form page's reads, then is gone for the force: the typed
    form comes back with the reason, nothing lost."""
    with running_master(tmp_path / "own") as master:
        number = MasterAPI(master.url).build_with("hello")
        dash = dashboard_on(master.url)
        client = Client(dash)
        form = form_values(client.get(FORM.format(number=number)).text)
        form.update(greeting="kept while down")
        transport = dash.app.extensions["propdesk.buildbot"].transport
        original = transport.rpc

        def stop_then_call(*args: object, **kwargs: object) -> object:
            master.stop()
            return original(*args, **kwargs)

        transport.rpc = stop_then_call  # stands in for "the master dies between two calls"
        sent = client.post(FORM.format(number=number), form)
        assert sent.status_code == 503
        assert "Nothing was started; your form is unchanged" in sent.text
        assert form_values(sent.text)["greeting"] == "kept while down"


def test_buildbot_session_cookie_never_reaches_the_browser(
    dashboard_on: DashboardOn, login_master: LocalMaster
) -> None:
    client = Client(dashboard_on(login_master.url))
    first = client.get("/buildbot/", allow_redirects=False)
    assert first.status_code == 303 and "/buildbot/login" in first.headers["Location"]
    login_page = client.get(first.headers["Location"])
    assert 'value="admin"' in login_page.text  # the propdesk user, offered
    data = {
        "username": "alice",
        "password": "wrong",
        "csrf_token": csrf_from(login_page.text),
        "next": "/buildbot/builders/hello/",
    }
    refused = client.post("/buildbot/login", data)
    assert refused.status_code == 401 and "refused the user name or password" in refused.text
    data["password"] = "secret"
    accepted = client.post("/buildbot/login", data, allow_redirects=False)
    assert accepted.status_code == 303
    assert accepted.headers["Location"].endswith("/buildbot/builders/hello/")
    assert "TWISTED_SESSION" not in str(accepted.headers)
    assert all("TWISTED" not in c.name for c in client.http.cookies)
    assert client.get("/buildbot/builders/hello/").status_code == 200


def test_rebuild_on_a_master_with_a_login(
    dashboard_on: DashboardOn, login_master: LocalMaster
) -> None:
    api = MasterAPI(login_master.url, auth=("alice", "secret"))
    number = api.build_with("world", greeting="needs login")
    client = Client(dashboard_on(login_master.url))
    page = client.get("/buildbot/login")
    data = {"username": "alice", "password": "secret", "csrf_token": csrf_from(page.text)}
    assert client.post("/buildbot/login", data, allow_redirects=False).status_code == 303
    form_url = f"/buildbot/builders/world/builds/{number}/rebuild"
    values = form_values(client.get(form_url).text)
    values.update(greeting="with login")
    answer = client.post(form_url, values, allow_redirects=False)
    assert answer.status_code == 303, answer.text
    build = api.finished_build(int(answer.headers["Location"].rsplit("=", 1)[1]))
    assert api.properties(build["buildid"])["greeting"] == "with login"
    # A new propdesk login asks again: the Buildbot session belonged to the old one.
    client.post("/logout", {"csrf_token": client.token})
    again = Client(client.dash)
    assert again.get("/buildbot/", allow_redirects=False).status_code == 303


def test_oauth2_master_is_explained(dashboard_on: DashboardOn, oauth_master: LocalMaster) -> None:
    client = Client(dashboard_on(oauth_master.url))
    page = client.get("/buildbot/")
    assert page.status_code == 501
    text = html.unescape(page.text)
    assert "OAuth2" in text and "REST API cannot be used" in text
    assert client.get("/buildbot/login").status_code == 501


def test_anonymous_http_is_not_logged_in(login_master: LocalMaster) -> None:
    """The login master answers reads anonymously but refuses a force without a login:
    the reason propdesk asks for the Buildbot user."""
    answer = requests.post(
        login_master.url + "/api/v2/forceschedulers/force",
        json={"jsonrpc": "2.0", "method": "force", "id": 1, "params": {"builderid": "1"}},
        timeout=10,
    )
    assert answer.status_code == 403


def test_a_buildbot_session_the_master_forgot_asks_for_the_login_again(
    dashboard_on: DashboardOn, login_master: LocalMaster
) -> None:
    api = MasterAPI(login_master.url, auth=("alice", "secret"))
    number = api.build_with("world", greeting="forgotten")
    dash = dashboard_on(login_master.url)
    client = Client(dash)
    page = client.get("/buildbot/login")
    data = {"username": "alice", "password": "secret", "csrf_token": csrf_from(page.text)}
    assert client.post("/buildbot/login", data, allow_redirects=False).status_code == 303
    # The master no longer accepts the cookie (as after its session secret changed): the
    # stored session is overwritten with one it never signed.
    store = dash.app.extensions["propdesk"].store
    key = "propdesk:session:" + client.http.cookies["propdesk"]
    stored = store.get(key)
    stored["buildbot_session"]["cookies"] = [["TWISTED_SESSION", "not.a.token"]]
    store.set(key, stored, 3600)
    form_url = f"/buildbot/builders/world/builds/{number}/rebuild"
    values = form_values(client.get(form_url).text)  # reads are anonymous on this master
    answer = client.post(form_url, values, allow_redirects=False)
    assert answer.status_code == 303
    assert "/buildbot/login?" in answer.headers["Location"]
    assert "expired=1" in answer.headers["Location"]
    assert "Your Buildbot session ended" in client.get(answer.headers["Location"]).text


def test_buildbot_login_never_redirects_off_site(
    dashboard_on: DashboardOn, login_master: LocalMaster
) -> None:
    client = Client(dashboard_on(login_master.url))
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        page = client.get("/buildbot/login?next=" + target)
        data = {
            "username": "alice",
            "password": "secret",
            "csrf_token": csrf_from(page.text),
            "next": target,
        }
        answer = client.post("/buildbot/login", data, allow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["Location"] == "/buildbot/"
