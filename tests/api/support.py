"""Helpers of the API tests: make a key through the settings page as a browser does, and
call the API with it over real HTTP."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import requests

from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess, csrf_from

NEW_KEY = re.compile(r'class="new-key"[^>]*value="([^"]+)"')


def make_key(
    client: Client,
    name: str = "pipeline",
    *,
    token: str = "admin-access-token",
    scope: str = "read-write",
    prefixes: str = "",
    days: str = "90",
) -> str:
    """Make a key on ``/settings/api-keys`` and return its text (shown once)."""
    page = client.get("/settings/api-keys/")
    form = {
        "csrf_token": csrf_from(page.text),
        "name": name,
        "scope": scope,
        "prefixes": prefixes,
        "days": days,
        "token": token,
    }
    answer = client.post("/settings/api-keys/", form)
    assert [r.status_code for r in answer.history] == [303], answer.text
    assert answer.status_code == 200, answer.text
    found = NEW_KEY.search(answer.text)
    assert found, answer.text
    return html.unescape(found.group(1))


class Api:
    """Calls ``/api/v1`` of one dashboard with one key (header, or ``api_key`` query)."""

    def __init__(self, dash: DashboardThread, key: str | None, *, in_query: bool = False):
        self.base = dash.url + "/api/v1"
        self.key = key
        self.in_query = in_query
        self.http = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        sent = dict(headers or {})
        query: list[tuple[str, str]] = (
            list(params.items()) if isinstance(params, dict) else list(params or [])
        )
        if self.key is not None and self.in_query:
            query.append(("api_key", self.key))
        elif self.key is not None:
            sent["API-Key"] = self.key
        return self.http.request(
            method, self.base + path, params=query, headers=sent, timeout=60, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


@dataclass(frozen=True)
class ApiOnEmulator:
    """A key's ``Api`` on one dashboard and the emulator (of its own) behind it: the tests
    that steer the emulator while an API write runs build on it."""

    PREFIX: ClassVar[str] = "api"
    """The name prefix of the projects ``path`` makes."""

    dash: DashboardThread
    api: Api
    emulator: EmulatorProcess

    def path(self, name: str, **values: str) -> str:
        """``name`` in a new project holding ``values``."""
        return f"/projects/{self.emulator.new_project(self.PREFIX, **values)}/{name}"

    def path_of(self, write: ApiWrite) -> str:
        """The path ``write`` writes, in a new project holding its ``values``."""
        return self.path(write.name, **write.values)


@dataclass(frozen=True)
class ApiWrite:
    """One API write, for the cases of a parametrized test: ``method`` on ``collection``
    (``/properties`` or ``/sheets``) and the path of ``name`` in a new project holding
    ``values``, with the JSON ``body``."""

    method: str
    collection: str
    name: str
    values: Mapping[str, str] = field(default_factory=dict)
    body: dict[str, str] | None = None

    def call(self, api: Api, path: str) -> requests.Response:
        """Send the write of ``path`` (made by ``ApiOnEmulator.path_of``) with ``api``."""
        return api.call(self.method, self.collection + path, json=self.body)
