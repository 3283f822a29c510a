"""The Buildbot pages through a real dashboard against a real master: builders, a
builder's builds (paged, filtered in the URL), a build's properties, compare, escaping,
and the pages existing only when ``PROPDESK_BUILDBOT_URL`` is set."""

from __future__ import annotations

import html
import re
import socket
from pathlib import Path

import pytest
from markupsafe import escape

from app.buildbot.local_master import LocalMaster
from app.web import buildbot as buildbot_views
from app.web import buildbot_filters
from tests.buildbot.conftest import XSS_DESCRIPTION, XSS_GREETING, DashboardOn, TwoBuilds
from tests.support.buildbot import MasterAPI, accepted
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, dashboard_env, free_port


def rows(page: str, table: str) -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)[1:]


def test_builders_page_lists_builders_with_their_last_build(
    user: Client, two_builds: TwoBuilds
) -> None:
    page = user.get("/buildbot/")
    assert page.status_code == 200
    hello, world = rows(page.text, "builders")
    assert ">hello</a>" in hello and 'class="tag">demo' in hello
    assert re.search(r">#\d+</a> <span class=\"badge result-success", hello)
    assert "Says hello to the world" in world
    assert '<a href="/buildbot/">Buildbot</a>' in page.text  # the nav entry


def test_markup_stays_text(user: Client, two_builds: TwoBuilds) -> None:
    index = user.get("/buildbot/").text
    assert XSS_DESCRIPTION not in index
    assert str(escape(XSS_DESCRIPTION)) in index
    build = user.get(f"/buildbot/builders/hello/builds/{two_builds.second}").text
    assert XSS_GREETING not in build
    assert "&lt;img src=x onerror=alert(" in build
    compare = user.get(
        f"/buildbot/builders/hello/builds/{two_builds.first}?compare={two_builds.second}"
    )
    assert XSS_GREETING not in compare.text


def test_builds_are_paged_newest_first_with_filters_in_the_url(
    user: Client, two_builds: TwoBuilds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buildbot_filters, "PAGE_SIZE", 1)
    monkeypatch.setattr(buildbot_views, "PAGE_SIZE", 1)
    first = user.get("/buildbot/builders/hello/?result=success")
    numbers = [int(n) for n in re.findall(r">#(\d+)</a>", first.text)]
    assert len(numbers) == 1
    assert 'href="?result=success&amp;page=2">Older' in first.text
    second = user.get("/buildbot/builders/hello/?result=success&page=2")
    older = [int(n) for n in re.findall(r">#(\d+)</a>", second.text)]
    assert older and older[0] < numbers[0]
    assert "<option selected>success</option>" in second.text


def test_filters_that_match_nothing_say_so(user: Client, two_builds: TwoBuilds) -> None:
    page = user.get("/buildbot/builders/hello/?result=failure&completion=finished")
    assert page.status_code == 200
    assert "No build matches." in page.text
    odd = user.get("/buildbot/builders/hello/?result=nonsense&page=abc")  # ignored, not a 500
    assert odd.status_code == 200 and "No build matches." not in odd.text


def test_build_properties_table_and_filter(user: Client, two_builds: TwoBuilds) -> None:
    page = user.get(f"/buildbot/builders/hello/builds/{two_builds.first}")
    assert page.status_code == 200
    text = page.text
    answer = r'data-name="answer"><td>answer</td><td><span class="text">42</span></td>'
    assert re.search(answer + "<td>SetPropertyFromCommand Step</td>", text)
    assert re.search(r'data-name="loud"><td>loud</td><td><span class="badge">true</span>', text)
    assert re.search(r'data-name="count"><td>count</td><td><code>3</code>', text)
    filtered = user.get(f"/buildbot/builders/hello/builds/{two_builds.first}?q=greet").text
    assert re.findall(r'data-name="([^"]+)"', filtered) == ["greeting"]


def test_compare_two_builds(user: Client, two_builds: TwoBuilds) -> None:
    first, second = two_builds.first, two_builds.second
    page = user.get(f"/buildbot/builders/hello/builds/{first}?compare={second}").text
    found = re.findall(r'data-state="([^"]+)">\s*<td>([^<]+)</td>', page)
    by_name = {name: state for state, name in found}
    assert by_name["greeting"] == "differs" and by_name["loud"] == "differs"
    assert by_name["count"] == "differs" and by_name["flavour"] == "differs"
    assert by_name["answer"] == "same" and by_name["buildername"] == "same"
    diff_only = user.get(f"/buildbot/builders/hello/builds/{first}?compare={second}&diff=1").text
    shown = re.findall(r'data-state="([^"]+)"', diff_only)
    assert shown and "same" not in shown


def test_missing_builder_and_build_are_404_pages(user: Client) -> None:
    assert user.get("/buildbot/builders/nope/").status_code == 404
    missing = user.get("/buildbot/builders/hello/builds/99999")
    assert missing.status_code == 404 and "has no build 99999" in html.unescape(missing.text)


def test_no_buildbot_url_no_pages_and_no_nav(emulator: EmulatorProcess, tmp_path: Path) -> None:
    dash = DashboardThread(dashboard_env(emulator.base_url, tmp_path / "sessions"))
    try:
        plain = Client(dash)
        assert plain.get("/buildbot/").status_code == 404
        assert "Buildbot" not in plain.get("/browse/").text
    finally:
        dash.stop()


def test_propdesk_starts_while_buildbot_is_down(dashboard_on: DashboardOn) -> None:
    client = Client(dashboard_on(f"http://127.0.0.1:{free_port()}"))
    page = client.get("/buildbot/")
    assert page.status_code == 503
    assert "not reachable" in page.text
    assert client.get("/browse/").status_code == 200


def test_waiting_requests_are_bounded_and_the_page_says_more_wait(
    dashboard_on: DashboardOn, strict_master: LocalMaster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests on ``idle`` (its worker never connects) wait for ever: with a page of 2,
    the newest 2 of 3 are listed and the page says more exist."""
    monkeypatch.setattr(buildbot_views, "PENDING_SHOWN", 2)
    api = MasterAPI(strict_master.url)
    sent = [api.force("idle", scheduler="force-idle") for _ in range(3)]
    client = Client(dashboard_on(strict_master.url))
    page = client.get("/buildbot/builders/idle/")
    assert page.status_code == 200
    listed = [int(n) for n in re.findall(r">Build request (\d+)</a>", page.text)]
    assert listed == sorted(sent, reverse=True)[:2]
    assert "More requests are waiting or running: these are the newest 2." in page.text


def test_build_request_page_leads_to_its_build(user: Client, api: MasterAPI) -> None:
    request_id = api.force("world", greeting="req")
    build = api.finished_build(request_id)
    answer = user.get(f"/buildbot/requests/{request_id}", allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/buildbot/builders/world/builds/{build['number']}")


def test_a_hung_master_costs_a_page_one_deadline(dashboard_on: DashboardOn) -> None:
    """A master that takes connections and never answers (a listening socket never read:
    a real master cannot be made to hang on demand): the page is a clear 503 after
    ``PROPDESK_UPSTREAM_DEADLINE``, with one attempt, not the read timeout times the
    retries."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        client = Client(dashboard_on(url, PROPDESK_UPSTREAM_DEADLINE="1"))
        page = client.get("/buildbot/")
        assert page.status_code == 503
        assert "no answer in time" in page.text
        assert accepted(silent) == 1
        assert client.get("/browse/").status_code == 200  # CloudBees pages unaffected
