"""``GET /api/v1/search``: the search pages' findObjects service through the API, inside a
key's prefixes."""

from __future__ import annotations

import uuid

from tests.api.support import Api, make_key
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def test_search_finds_names_and_values(api: Api, emulator: EmulatorProcess) -> None:
    word = "w" + uuid.uuid4().hex[:10]
    project = emulator.new_project(**{f"{word}_name": "plain", "other": f"has {word} inside"})
    found = api.get("/search", params={"q": word}).json()
    assert {p["path"] for p in found["properties"]} == {
        f"/projects/{project}/{word}_name",
        f"/projects/{project}/other",
    }
    names = api.get("/search", params={"q": word, "in": "names"}).json()
    assert [p["name"] for p in names["properties"]] == [f"{word}_name"]
    assert names["meta"]["hasMore"] is False


def test_search_stays_inside_the_keys_prefixes(
    admin_client: Client, api_dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    word = "w" + uuid.uuid4().hex[:10]
    inside = emulator.new_project(**{word: "1"})
    outside = emulator.new_project(**{word: "2"})
    scoped = Api(api_dashboard, make_key(admin_client, "scoped", prefixes=f"/projects/{inside}"))
    found = scoped.get("/search", params={"q": word}).json()
    assert [p["path"] for p in found["properties"]] == [f"/projects/{inside}/{word}"]
    refused = scoped.get("/search", params={"q": word, "scope": f"/projects/{outside}"})
    assert refused.status_code == 403


def test_bad_searches_are_400(api: Api) -> None:
    for params in (
        {"q": "x"},
        {"q": "x" * 201},
        {"q": "ok", "in": "all"},
        {"q": "ok", "page": "0"},
    ):
        answer = api.get("/search", params=params)
        assert answer.status_code == 400, params
        assert answer.json()["error"]["code"] == "InvalidArgument"
