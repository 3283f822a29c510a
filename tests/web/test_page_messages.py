"""Messages on full pages (issue 15): an answer that redirects keeps its message for the page
the browser lands on (rendered by base.html), shown once; htmx answers keep their events."""

from __future__ import annotations

import html
import re

import requests

from tests.support.client import Client, action, fields, notice_of
from tests.support.servers import DashboardThread, EmulatorProcess, csrf_from, post_login


def toasts(page: str) -> list[str]:
    """The messages a full page carries in its notice region."""
    region = page.split('id="notices"', 1)[1].split("</div>\n", 1)[0]
    return [html.unescape(t) for t in re.findall(r"data-flash>([^<]*)</div>", region)]


def test_plain_delete_lands_on_the_sheet_with_its_message(
    admin: Client, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("msg", doomed="x")
    prompt = admin.get(f"/delete/projects/{project}/doomed")
    token = {"csrf_token": csrf_from(prompt.text)}
    gone = admin.post(f"/delete/projects/{project}/doomed", token)
    assert gone.url.endswith(f"/browse/projects/{project}/")
    assert toasts(gone.text) == ["Deleted doomed."]
    assert toasts(admin.get(f"/browse/projects/{project}/").text) == []  # shown once


def test_delete_from_the_property_page_by_htmx(admin: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("msg", doomed="x")
    prompt = admin.hx("GET", f"/delete/projects/{project}/doomed?ctx=detail")
    assert "data-confirm" in prompt.text and "hx-confirm" not in prompt.text  # inline prompt
    r = admin.hx("POST", f"/delete/projects/{project}/doomed?ctx=detail")
    assert r.headers["HX-Redirect"] == f"/browse/projects/{project}/"
    assert "HX-Trigger" not in r.headers  # an event would die with the page it was sent to
    assert toasts(admin.get(r.headers["HX-Redirect"]).text) == ["Deleted doomed."]


def test_detail_page_delete_is_an_inline_prompt_not_confirm(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("msg", kept="x")
    page = Client(dashboard).get(f"/browse/projects/{project}/kept").text
    assert "hx-confirm" not in page
    assert f'href="/delete/projects/{project}/kept"' in page  # works without JavaScript
    assert f'hx-get="/delete/projects/{project}/kept?ctx=detail"' in page


def test_plain_save_says_saved_on_the_next_page(admin: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("msg", plain="one")
    page = admin.get(f"/edit/projects/{project}/plain")
    form = fields(page.text.split('<section id="detail"', 1)[1])
    form["value"] = "two"
    saved = admin.post(f"/edit/projects/{project}/plain", form)
    assert saved.url.endswith(f"/browse/projects/{project}/plain")
    assert toasts(saved.text) == ["Saved plain."]


def test_htmx_answers_keep_their_events(admin: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("msg", row="x")
    r = admin.hx("POST", f"/delete/projects/{project}/row")
    assert r.status_code == 200 and notice_of(r) == "Deleted row."
    assert toasts(admin.get(f"/browse/projects/{project}/").text) == []


def test_the_restored_edit_is_announced_after_logging_in_again(
    dashboard: DashboardThread, emulator: EmulatorProcess
) -> None:
    project = emulator.new_project("msg", draft="before")
    client = Client(dashboard)
    page = f"/browse/projects/{project}/draft"
    form = fields(client.hx("GET", action("edit", page) + "?ctx=detail").text)
    form["value"] = "typed before the expiry"
    emulator.expire_sessions("admin")
    r = client.hx("POST", action("edit", page), form, page=page)
    login_page = client.http.get(dashboard.url + r.headers["HX-Redirect"], timeout=10)
    back = post_login(client.http, dashboard.url, csrf_from(login_page.text), next_path=page)
    restored = client.http.get(dashboard.url + back.headers["Location"], timeout=10)
    assert "Your unsaved edit is back in its form: review it, then save." in toasts(restored.text)


def test_no_message_without_a_session(dashboard: DashboardThread) -> None:
    page = requests.get(dashboard.url + "/login", timeout=10)
    assert toasts(page.text) == []
