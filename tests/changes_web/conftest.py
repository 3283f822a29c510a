"""Fixtures of the compare / import / edit-as-text pages: the htmx-speaking admin of the
web tests, and trees of properties grown at the emulator over its REST API."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from html.parser import HTMLParser

import pytest

from app.cloudbees import CloudBeesClient, PropertyPath
from tests.support.client import Client
from tests.support.servers import DashboardThread

Grow = Callable[[str, Mapping[str, object]], None]


@pytest.fixture
def admin(dashboard: DashboardThread) -> Client:
    """A logged-in admin (it also posts plain forms, the CSRF token among the fields)."""
    return Client(dashboard)


@pytest.fixture
def grow(cd: CloudBeesClient) -> Grow:
    """``grow(path, {"a": "1", "sub": {"b": "2"}})`` creates the values and sheets (a
    mapping is a sheet) under the existing sheet at ``path``."""

    def make(path: str, entries: Mapping[str, object]) -> None:
        root = PropertyPath.parse(path)
        for name, node in entries.items():
            if isinstance(node, Mapping):
                cd.properties.create_sheet(root.child(name))
                make(str(root.child(name)), node)
            else:
                cd.properties.create(root.child(name), str(node))

    return make


class FormReader(HTMLParser):
    """The hidden and checked fields of the form whose action ends with ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.found = False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.found and a.get("action", "").endswith(self.action):
            self.inside = self.found = True
        elif tag == "input" and self.inside and "name" in a:
            kind = a.get("type", "text")
            if kind in ("hidden", "text") or (kind in ("checkbox", "radio") and "checked" in a):
                self.fields.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_of(page: str, action: str) -> list[tuple[str, str]]:
    """The fields a browser would send from the form posting to ``action`` (no buttons)."""
    reader = FormReader(action)
    reader.feed(page)
    assert reader.found, f"no form posting to {action}"
    return reader.fields


def checkboxes(page: str, name: str) -> list[str]:
    """The values of every checkbox called ``name`` (ticked or not), in page order."""
    found = re.findall(rf'type="checkbox" name="{re.escape(name)}" value="([^"]*)"', page)
    return [html.unescape(value) for value in found]
