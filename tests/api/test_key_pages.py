"""The settings page of API keys: only a name to type, defaults prefilled, the key shown
once, tokens checked against the logged-in user, keys listed and revoked."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from tests.api.support import NEW_KEY, Api, make_key
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, csrf_from


def test_the_form_needs_only_a_name_and_has_defaults(admin_client: Client) -> None:
    page = client_page(admin_client)
    assert re.search(r'value="read-only"[^>]*checked|checked[^>]*value="read-only"', page)
    assert re.search(r'name="days"[^>]*value="90"|value="90"[^>]*name="days"', page)
    assert "every path" in page or "empty = every path" in page
    assert 'href="/settings/api-keys/"' in admin_client.get("/browse/").text  # in the header
    key = make_key(admin_client, "only a name", scope="read-only")
    listed = client_page(admin_client)
    assert "only a name" in listed and "read-only" in listed
    assert key not in listed  # shown once, never again


def client_page(client: Client) -> str:
    answer = client.get("/settings/api-keys/")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.text


def revoke_url(page: str) -> str:
    """The URL the revoke form of the one key listed on ``page`` posts to."""
    found = re.search(r'action="(/settings/api-keys/\d+/revoke)"', page)
    assert found is not None, page
    return found.group(1)


def post_form(client: Client, **fields: str) -> str:
    form = {"name": "x", "scope": "read-only", "prefixes": "", "days": "90", **fields}
    form["csrf_token"] = csrf_from(client.get("/settings/api-keys/").text)
    answer = client.post("/settings/api-keys/", form)
    assert answer.status_code == 422, answer.text
    return answer.text


def test_another_users_token_and_a_wrong_token_are_refused(admin_client: Client) -> None:
    assert "belongs to viewer, not to admin" in post_form(admin_client, token="viewer-access-token")
    assert "CloudBees CD refused this token" in post_form(admin_client, token="wrong")
    assert "You have no API keys" in client_page(admin_client)


def test_bad_fields_are_named_and_the_form_kept(admin_client: Client) -> None:
    page = post_form(admin_client, name="kept name", days="400", token="admin-access-token")
    assert "kept name" in page and "Number must be between 1 and 365" in page
    page = post_form(admin_client, prefixes="/nowhere/x", token="admin-access-token")
    assert "Line 1" in page


def test_without_data_keys_no_key_can_be_made(make_dashboard: DashboardFactory) -> None:
    client = Client(make_dashboard())
    assert "PROPDESK_DATA_KEYS" in client_page(client)
    page = post_form(client, token="admin-access-token")
    assert "You have no API keys" in page


def test_revoking_refuses_the_key_at_once(
    admin_client: Client, api_dashboard: DashboardThread
) -> None:
    key = make_key(admin_client, "short-lived")
    api = Api(api_dashboard, key)
    assert api.get("/sheets/projects/Default").status_code == 200
    page = client_page(admin_client)
    admin_client.post(revoke_url(page), {"csrf_token": csrf_from(page)})
    assert "short-lived" not in client_page(admin_client)
    refused = api.get("/sheets/projects/Default")
    assert (refused.status_code, refused.text) == (401, "Invalid API key")


def test_another_user_cannot_revoke_my_key(
    admin_client: Client, api_dashboard: DashboardThread
) -> None:
    key = make_key(admin_client, "mine")
    mine = revoke_url(client_page(admin_client))
    viewer = Client(api_dashboard, "viewer", "viewer")
    viewer.post(mine, {"csrf_token": csrf_from(viewer.get("/settings/api-keys/").text)})
    assert Api(api_dashboard, key).get("/sheets/projects/Default").status_code == 200


def test_the_page_needs_a_login_and_csrf(api_dashboard: DashboardThread) -> None:
    import requests

    anonymous = requests.get(api_dashboard.url + "/settings/api-keys/", allow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    client = Client(api_dashboard)
    no_token = client.post(
        "/settings/api-keys/", {"name": "x", "token": "admin-access-token", "days": "90"}
    )
    assert no_token.status_code == 400
    assert "You have no API keys" in client_page(client)


def made(client: Client, name: str) -> str:
    """Post the form for a new key and return where the answer sends the browser."""
    page = client.get("/settings/api-keys/")
    form = {"csrf_token": csrf_from(page.text), "name": name, "scope": "read-only"}
    form.update({"prefixes": "", "days": "90", "token": "admin-access-token"})
    answer = client.post("/settings/api-keys/", form, allow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert "propdesk_" not in answer.headers["Location"] + answer.text
    target = urlsplit(answer.headers["Location"])
    return f"{target.path}?{target.query}"


def test_reloading_the_new_key_makes_no_second_key(
    admin_client: Client, api_dashboard: DashboardThread
) -> None:
    """The form posts, then redirects (POST-redirect-GET): a reload repeats the GET, which
    shows the key once and never again, and makes nothing."""
    shown_at = made(admin_client, "once")
    first = admin_client.get(shown_at)
    key = NEW_KEY.search(first.text)
    assert key and first.headers["Cache-Control"] == "no-store"
    assert Api(api_dashboard, html.unescape(key.group(1))).get("/version").status_code == 200
    again = admin_client.get(shown_at)
    assert again.status_code == 200 and NEW_KEY.search(again.text) is None
    assert "shown once" in again.text
    assert again.text.count("<td>once</td>") == 1
    other_at = made(admin_client, "twice")
    viewer = Client(api_dashboard, "viewer", "viewer")
    assert NEW_KEY.search(viewer.get(other_at).text) is None  # only its maker sees it
    assert NEW_KEY.search(admin_client.get(other_at).text)


def test_revoking_needs_the_csrf_token(
    admin_client: Client, api_dashboard: DashboardThread
) -> None:
    key = make_key(admin_client, "kept")
    forged = admin_client.post(revoke_url(client_page(admin_client)), {})
    assert forged.status_code == 400
    assert Api(api_dashboard, key).get("/sheets/projects/Default").status_code == 200


def test_a_key_name_is_shown_as_text_never_as_markup(admin_client: Client) -> None:
    name = '<img src=x onerror="alert(1)">'
    shown = admin_client.get(made(admin_client, name))
    assert name not in shown.text and "&lt;img src=x onerror=" in shown.text
    listed = client_page(admin_client)
    assert name not in listed and "&lt;img src=x onerror=" in listed
