"""Keeping the user's place (issue 15): a create shows the page that holds the new row, a
delete updates the count, slash-less sheet URLs and expired logins keep the query string,
the login form knows who was logged in, and a 404 links to the nearest existing sheet."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, csrf_from, login
from tests.web.conftest import DashboardFactory

BULK = "/browse/projects/platform-config/bulk/"


def names(text: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>', text)


def highlighted(text: str) -> list[str]:
    return re.findall(r'<tr data-row="([^"]+)" class=" highlight">', text)


@pytest.fixture
def small_pages(make_dashboard: DashboardFactory) -> DashboardThread:
    return make_dashboard(PROPDESK_PAGE_SIZE="5")


@pytest.fixture
def twelve(emulator: EmulatorProcess) -> str:
    """A project of 12 properties, k00 to k11: three pages of five."""
    return emulator.new_project("place", **{f"k{i:02d}": str(i) for i in range(12)})


def create(admin: Client, project: str, name: str, **state: str) -> requests.Response:
    data = {"kind": "value", "name": name, "value": "new", **state}
    return admin.hx("POST", f"/new/projects/{project}/", data, page=f"/browse/projects/{project}/")


def test_a_create_shows_the_page_that_holds_the_new_row(
    small_pages: DashboardThread, twelve: str
) -> None:
    admin = Client(small_pages)
    last = create(admin, twelve, "zz")
    assert "page 3 of 3" in last.text and "zz" in names(last.text)
    assert highlighted(last.text) == ["zz"]
    assert last.headers["HX-Replace-Url"] == f"/browse/projects/{twelve}/?page=3"
    first = create(admin, twelve, "k005", sort="name", dir="asc")
    assert "page 1 of 3" in first.text and highlighted(first.text) == ["k005"]
    assert first.headers["HX-Replace-Url"] == f"/browse/projects/{twelve}/"
    newest = create(admin, twelve, "a-new", sort="modified", dir="desc", q="new")
    assert names(newest.text)[0] == "a-new" and "match" in newest.text
    assert newest.headers["HX-Replace-Url"] == (
        f"/browse/projects/{twelve}/?q=new&sort=modified&dir=desc"
    )


def test_deleting_a_row_updates_the_count(
    small_pages: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("place", a="1", b="2", c="x")
    admin = Client(small_pages)
    sheet = f"/browse/projects/{project}/"
    assert "3 entries" in admin.get(sheet).text
    r = admin.hx("POST", f"/delete/projects/{project}/a", page=sheet)
    assert r.status_code == 200
    assert '<p id="sheet-summary"' in r.text and 'hx-swap-oob="true"' in r.text
    assert "2 entries" in r.text and "<tr" not in r.text  # the row itself just goes
    filtered = admin.hx("POST", f"/delete/projects/{project}/b", page=sheet + "?q=x")
    assert "1 of 1 match" in filtered.text


def test_a_sheet_url_without_its_slash_keeps_the_query(admin: Client) -> None:
    r = admin.get(
        "/browse/projects/checkout-service/deploy?q=prod&sort=modified", allow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/browse/projects/checkout-service/deploy/?q=prod&sort=modified"
    assert "HX-Request" in r.headers["Vary"]


def test_htmx_gets_the_sheet_itself_at_the_slashless_url(admin: Client) -> None:
    slashless = admin.get("/browse/projects/checkout-service/deploy?q=prod", htmx=True)
    canonical = admin.get("/browse/projects/checkout-service/deploy/?q=prod", htmx=True)
    assert slashless.status_code == canonical.status_code == 200
    assert "HX-Redirect" not in slashless.headers
    assert slashless.text == canonical.text and slashless.text.lstrip().startswith(
        '<div id="sheet-table">'
    )
    assert "HX-Request" in slashless.headers["Vary"]


def test_next_keeps_the_filter_typed_when_the_login_ended(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    client = Client(dashboard)
    emulator.expire_sessions("admin")
    # The filter box asks for the new view while the page still shows the old one.
    r = client.http.get(
        dashboard.url + BULK + "?q=key-02",
        headers={"HX-Request": "true", "HX-Current-URL": dashboard.url + BULK},
        timeout=30,
    )
    target = urlsplit(r.headers["HX-Redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [BULK + "?q=key-02"]


def test_the_login_form_after_an_expiry_offers_the_same_user(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    viewer = Client(dashboard, "viewer", "viewer")
    emulator.expire_sessions("viewer")
    r = viewer.get("/browse/projects/checkout-service/", allow_redirects=False)
    page = viewer.http.get(dashboard.url + r.headers["Location"], timeout=10).text
    assert "Your CloudBees CD session ended" in page
    assert re.search(r'<input[^>]*name="username"[^>]*value="viewer"', page)
    fresh = requests.get(dashboard.url + "/login", timeout=10).text
    assert not re.search(r'<input[^>]*name="username"[^>]*value="viewer"', fresh)


def test_login_while_logged_in_goes_home(dashboard: DashboardThread) -> None:
    browser = requests.Session()
    assert login(browser, dashboard.url).status_code == 303
    home = browser.get(dashboard.url + "/login", allow_redirects=False, timeout=10)
    assert home.status_code == 303 and home.headers["Location"] == "/"
    onward = browser.get(
        dashboard.url + "/login?next=/artifacts", allow_redirects=False, timeout=10
    )
    assert onward.headers["Location"] == "/artifacts"
    assert csrf_from(requests.get(dashboard.url + "/login", timeout=10).text)  # others: form


def test_a_missing_property_links_to_the_nearest_existing_sheet(
    admin: Client, emulator: EmulatorProcess
) -> None:
    r = admin.get("/browse/projects/checkout-service/deploy/prod/nope/deeper")
    assert r.status_code == 404
    assert 'href="/browse/projects/checkout-service/deploy/prod/" rel="up"' in r.text
    emulator.reset_counts()
    deep = admin.get("/browse/projects/checkout-service/a/b/c/d/e/f")
    assert deep.status_code == 404 and 'href="/browse/" rel="up"' in deep.text
    assert sum(emulator.counts().values()) == 1 + 3  # the page's read, then three lookups
    gone = admin.get("/browse/projects/no-such-project-x/a")
    assert gone.status_code == 404 and 'href="/browse/" rel="up"' in gone.text
    owner = admin.get("/browse/projects/checkout-service/nope")
    assert 'href="/browse/projects/checkout-service/" rel="up"' in owner.text


@pytest.fixture
def admin(dashboard: DashboardThread) -> Client:
    return Client(dashboard)
