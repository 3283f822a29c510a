"""A logged-in dashboard client that speaks htmx, and what tests read from its answers: the
fields of a form, the URL of an action, the text of a toast."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable

import requests

from tests.support.servers import DashboardThread, EmulatorProcess, csrf_from, login


class Client:
    """A logged-in browser stand-in that can speak htmx (headers as htmx sends them)."""

    def __init__(self, dash: DashboardThread, user: str = "admin", password: str = "changeme"):
        self.dash = dash
        self.http = requests.Session()
        r = login(self.http, dash.url, user, password)
        assert r.status_code == 303, r.text
        self.token = csrf_from(self.http.get(dash.url + "/browse/", timeout=10).text)

    def get(self, path: str, htmx: bool = False, allow_redirects: bool = True) -> requests.Response:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.http.get(
            self.dash.url + path, headers=headers, timeout=30, allow_redirects=allow_redirects
        )

    def post(
        self, path: str, data: dict[str, str], allow_redirects: bool = True
    ) -> requests.Response:
        """Post a form as a browser without JavaScript does: no htmx headers, the CSRF
        token among the fields of ``data``."""
        return self.http.post(
            self.dash.url + path, data=data, allow_redirects=allow_redirects, timeout=30
        )

    def hx(
        self, method: str, path: str, data: dict[str, str] | None = None, page: str | None = None
    ) -> requests.Response:
        headers = {"HX-Request": "true", "X-CSRFToken": self.token}
        if page:
            headers["HX-Current-URL"] = self.dash.url + page
        return self.http.request(
            method,
            self.dash.url + path,
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )

    def editor(self, path: str, ctx: str = "detail") -> dict[str, str]:
        """The fields of the editor of the property at ``path`` (``/projects/...``), opened
        from its detail view or (``ctx="row"``) from its row in the sheet."""
        return fields(self.hx("GET", action("edit", "/browse" + path) + f"?ctx={ctx}").text)

    def save(self, path: str, form: dict[str, str], page: str | None = None) -> requests.Response:
        """Post an editor's ``form`` for the property at ``path`` (``/projects/...``)."""
        return self.hx("POST", action("edit", "/browse" + path), form, page=page)

    def save_in_background(
        self, path: str, form: dict[str, str]
    ) -> Callable[[], requests.Response]:
        """Post a save from another thread; returns a function that waits for its answer."""
        answers: list[requests.Response] = []
        thread = threading.Thread(target=lambda: answers.append(self.save(path, form)), daemon=True)
        thread.start()

        def answer() -> requests.Response:
            thread.join()
            (found,) = answers
            return found

        return answer


def typed_edit(
    client: Client, emulator: EmulatorProcess, prefix: str, ctx: str = "detail"
) -> tuple[str, dict[str, str]]:
    """A property ``slow`` holding "before" in a new project, and its editor's fields with
    "after" typed: a save for tests that steer the upstream while it runs."""
    path = f"/projects/{emulator.new_project(prefix, slow='before')}/slow"
    form = client.editor(path, ctx=ctx)
    form["value"] = "after"
    return path, form


def action(verb: str, url: str) -> str:
    """The URL of an action (``edit``, ``new``, ``delete``, ``row``, ``detail``) on the
    node a ``/browse/...`` URL names."""
    assert url.startswith("/browse/")
    return f"/{verb}/" + url.removeprefix("/browse/")


def fields(fragment: str) -> dict[str, str]:
    """Form fields of the first form in a fragment, as a browser would send them."""
    form = fragment.split("<form", 1)[1].split("</form>", 1)[0]
    out: dict[str, str] = {}
    for m in re.finditer(r'<input type="(?:hidden|text)" name="([^"]+)" value="([^"]*)"', form):
        out[m.group(1)] = html.unescape(m.group(2))
    for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>\n(.*?)</textarea>', form, re.S):
        out[m.group(1)] = html.unescape(m.group(2))
    if re.search(r'name="expandable" value="1" checked', form):
        out["expandable"] = "1"
    return out


def notice_of(response: requests.Response) -> str:
    """The text of the toast an htmx answer triggers."""
    return str(json.loads(response.headers["HX-Trigger"])["notice"]["text"])
