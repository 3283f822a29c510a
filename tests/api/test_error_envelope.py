"""propdesk's one JSON error envelope, ``{"error": {"code", "message"}}``: the API's
answers and every page error asked for as JSON (``app.errors``)."""

from __future__ import annotations

import requests

from tests.support.client import Client
from tests.support.servers import DashboardThread

JSON = {"Accept": "application/json"}


def envelope(answer: requests.Response) -> dict[str, str]:
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    error: dict[str, str] = body["error"]
    return error


def test_api_errors_are_json_without_asking(api_dashboard: DashboardThread) -> None:
    missing = requests.get(api_dashboard.url + "/api/v1/no/such/thing", timeout=10)
    assert missing.status_code == 404 and envelope(missing)["code"] == "NotFound"
    wrong_method = requests.patch(api_dashboard.url + "/api/v1/version", timeout=10)
    assert wrong_method.status_code == 405
    assert envelope(wrong_method)["code"] == "MethodNotAllowed"


def test_page_errors_asked_for_as_json_use_the_envelope(admin_client: Client) -> None:
    missing = admin_client.http.get(
        admin_client.dash.url + "/no-such-page", headers=JSON, timeout=10
    )
    assert missing.status_code == 404
    assert envelope(missing)["code"] == "NotFound"
    message = envelope(missing)["message"]
    assert "not found" in message.lower()


def test_htmx_and_browsers_still_get_html(admin_client: Client) -> None:
    page = admin_client.get("/no-such-page")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    fragment = admin_client.http.get(
        admin_client.dash.url + "/no-such-page",
        headers={**JSON, "HX-Request": "true"},
        timeout=10,
    )
    assert fragment.headers["Content-Type"].startswith("text/html")
