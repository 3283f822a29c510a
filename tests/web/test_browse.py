"""The property browser and editor over real HTTP against the emulator."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
import requests

# Client, action and fields live in tests.support.client; re-exported for older imports.
from tests.support.client import Client as Client
from tests.support.client import action as action
from tests.support.client import fields as fields
from tests.support.servers import DashboardThread, EmulatorProcess, csrf_from, login, post_login
from tests.web.conftest import OpenEditor

BULK = "/browse/projects/platform-config/bulk/"


# -- navigation -----------------------------------------------------------------------------
def test_index_lists_projects_and_server(admin: Client) -> None:
    page = admin.get("/browse/")
    assert "checkout-service" in page.text and "EC-Kubernetes" not in page.text
    assert 'href="/browse/server/"' in page.text
    assert "EC-Kubernetes" in admin.get("/browse/?plugins=1").text


def test_page_and_fragment_vary_on_hx_request(admin: Client) -> None:
    full = admin.get("/browse/projects/checkout-service/deploy/")
    fragment = admin.get("/browse/projects/checkout-service/deploy/", htmx=True)
    restore = admin.http.get(
        admin.dash.url + "/browse/projects/checkout-service/deploy/",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        timeout=10,
    )
    assert full.text.lstrip().startswith("<!doctype html>")
    assert fragment.text.lstrip().startswith('<div id="sheet-table">')
    assert restore.text.lstrip().startswith("<!doctype html>")
    for r in (full, fragment, restore):
        assert "HX-Request" in r.headers["Vary"]


def test_breadcrumbs_and_permalinks(admin: Client) -> None:
    page = admin.get("/browse/projects/checkout-service/deploy/prod/database/").text
    for href in (
        "/browse/",
        "/browse/projects/checkout-service/",
        "/browse/projects/checkout-service/deploy/",
        "/browse/projects/checkout-service/deploy/prod/",
    ):
        assert f'href="{href}"' in page
    assert 'href="/browse/projects/checkout-service/deploy/prod/database/jdbcUrl"' in page


def test_one_upstream_call_per_page(admin: Client, emulator: EmulatorProcess) -> None:
    for path, route in (
        (BULK, "GET /properties"),
        ("/browse/", "GET /projects"),
        ("/browse/projects/Default/PythonProperty", "GET /properties//{path}"),
    ):
        emulator.reset_counts()
        assert admin.get(path).status_code == 200
        assert emulator.counts() == {route: 1}, path


def test_sheet_vs_property_urls_redirect_to_the_right_form(admin: Client) -> None:
    r = admin.get("/browse/projects/checkout-service/deploy", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/deploy/")
    r = admin.get("/browse/projects/checkout-service/ci/version/", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/ci/version")


def test_unknown_node_is_404(admin: Client) -> None:
    assert admin.get("/browse/projects/checkout-service/nope").status_code == 404
    assert admin.get("/browse/nowhere/x").status_code == 404


# -- sort, filter, paging -------------------------------------------------------------------
def rows(text: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>', text)


def test_paging_on_the_2000_sheet(admin: Client) -> None:
    first = admin.get(BULK)
    assert len(rows(first.text)) == 100 and rows(first.text)[0] == "key-0000"
    assert "page 1 of 20" in first.text
    assert len(first.content) < 100_000
    second = admin.get(BULK + "?page=2", htmx=True)
    assert rows(second.text)[0] == "key-0100"
    assert admin.get(BULK + "?page=999").text.count('<td class="name">') == 100  # clamped


def test_filter_by_name_and_value(admin: Client) -> None:
    by_name = admin.get(BULK + "?q=key-19", htmx=True)
    assert rows(by_name.text)[0] == "key-1900" and len(rows(by_name.text)) == 100
    assert "100 of 2000 match" in by_name.text
    by_value = admin.get(BULK + "?q=line+two+of+1990", htmx=True)
    assert rows(by_value.text) == ["key-1990"]
    nothing = admin.get(BULK + "?q=zzz-nothing")
    assert "Nothing matches." in nothing.text and 'value="zzz-nothing"' in nothing.text


def test_sort_by_modified(admin: Client) -> None:
    newest = admin.get(BULK + "?sort=modified&dir=desc", htmx=True)
    assert rows(newest.text)[0] == "key-1999"
    oldest = admin.get(BULK + "?sort=modified&dir=asc", htmx=True)
    assert rows(oldest.text)[0] == "key-0000"
    by_name_desc = admin.get(BULK + "?sort=name&dir=desc", htmx=True)
    assert rows(by_name_desc.text)[0] == "key-1999"
    # the links carry the state, so a shared URL shows the same view
    assert "sort=modified" in newest.text and "dir=desc" in newest.text


def test_sheets_come_first(admin: Client) -> None:
    names = rows(admin.get("/browse/projects/checkout-service/").text)
    assert names[:2] == ["ci/", "deploy/"] and "owner.team" in names


# -- reading --------------------------------------------------------------------------------
def test_detail_shows_raw_value_and_expanded_preview(admin: Client) -> None:
    page = admin.get("/browse/projects/checkout-service/deploy/prod/url").text
    assert "https://$[/projects/checkout-service/deploy/prod/host]:$[port]/checkout-service" in (
        html.unescape(page)
    )
    assert "https://prod.internal.example.com:443/checkout-service" in page
    for label in (
        "Description",
        "Expandable",
        "Counter",
        "Tracked",
        "Owner",
        "Created",
        "Modified",
        "Modified by",
        "Copy path",
    ):
        assert label in page


def test_broken_reference_is_flagged_by_name(admin: Client) -> None:
    r = admin.get("/browse/projects/payments-api/deploy/prod/brokenRef")
    assert r.status_code == 200
    assert "Broken reference" in r.text
    assert "/projects/payments-api/deploy/prod/doesNotExist" in r.text


def test_multiline_value_kept_exactly(admin: Client) -> None:
    page = admin.get("/browse/projects/checkout-service/ci/releaseNotes").text
    pre = re.search(r'<pre class="value">\n(.*?)</pre>', page, re.S)
    assert pre and html.unescape(pre.group(1)) == (
        "Release notes\n\n  * faster checkout\n  * fixed rounding\n\tindented with a tab\n"
    )


# -- editing --------------------------------------------------------------------------------
def test_edit_round_trip_keeps_whitespace(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/notes"
    emulator.put_value(path, "old")
    url = f"/browse/projects/{project}/notes"
    editor = admin.hx("GET", action("edit", url) + "?ctx=row")
    assert editor.status_code == 200 and "<textarea" in editor.text
    data = fields(editor.text)
    assert data["base_value"] == "old" and data["ctx"] == "row"
    value = "\n  first line keeps its spaces  \n\tsecond with a tab\n\n"
    data.update(value=value.replace("\n", "\r\n"), description="edited")
    saved = admin.save(path, data)
    assert saved.status_code == 200, saved.text
    assert saved.text.lstrip().startswith("<tr") and "edited" in saved.text
    assert (
        '"notice"' in saved.headers["HX-Trigger"] and "Saved notes" in saved.headers["HX-Trigger"]
    )
    assert emulator.value(path) == value


def test_crlf_values_keep_their_line_ends(
    admin: Client, emulator: EmulatorProcess, open_editor: OpenEditor
) -> None:
    path, data = open_editor("win", "a\r\nb")
    data["value"] = "a\r\nb\r\nc"
    assert admin.save(path, data).status_code == 200
    assert emulator.value(path) == "a\r\nb\r\nc"


def test_cancel_returns_the_unchanged_row(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    emulator.put_value(f"/projects/{project}/keep", "same")
    row = admin.hx("GET", f"/row/projects/{project}/keep")
    assert row.text.lstrip().startswith("<tr") and "same" in row.text
    assert emulator.value(f"/projects/{project}/keep") == "same"


def test_create_property_and_sheet_then_delete(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    sheet_url = f"/browse/projects/{project}/"
    form = admin.hx("GET", action("new", sheet_url) + "?kind=value")
    assert 'name="name"' in form.text
    made = admin.hx(
        "POST",
        action("new", sheet_url),
        {
            "kind": "value",
            "name": "fresh",
            "value": "v\n  w",
            "description": "d",
            "expandable": "1",
        },
    )
    assert made.status_code == 200 and "fresh" in made.text and "hx-swap-oob" in made.text
    assert emulator.value(f"/projects/{project}/fresh") == "v\n  w"
    sheet = admin.hx(
        "POST", action("new", sheet_url), {"kind": "sheet", "name": "group", "description": ""}
    )
    assert sheet.status_code == 200 and "group/" in sheet.text
    emulator.put_value(f"/projects/{project}/group/a", "1")
    emulator.put_value(f"/projects/{project}/group/b", "2")
    prompt = admin.hx("GET", f"/delete/projects/{project}/group/")
    assert "Delete sheet group and the 2 properties in it?" in prompt.text
    gone = admin.hx("POST", f"/delete/projects/{project}/group/")
    assert gone.status_code == 200 and gone.text == ""
    assert "Deleted group" in gone.headers["HX-Trigger"]
    r = requests.get(
        emulator.api + f"/properties//projects/{project}/group/a",
        auth=("admin", "changeme"),
        timeout=10,
    )
    assert r.status_code == 404
    assert admin.hx("POST", f"/delete/projects/{project}/fresh").status_code == 200


@pytest.mark.parametrize(
    "name,why", [("properties", "reserved"), ("a/b", "'/'"), ("x[1]", "'['"), ("n" * 256, "255")]
)
def test_bad_names_inline_with_text_kept(admin: Client, project: str, name: str, why: str) -> None:
    r = admin.hx(
        "POST",
        f"/new/projects/{project}/",
        {"kind": "value", "name": name, "value": "my typed value", "description": "mine"},
    )
    assert r.status_code == 422
    assert r.headers["HX-Retarget"] == "#new-form"
    assert why in html.unescape(r.text) and "my typed value" in r.text and 'value="mine"' in r.text


def test_duplicate_name_inline(admin: Client, emulator: EmulatorProcess, project: str) -> None:
    emulator.put_value(f"/projects/{project}/taken", "1")
    r = admin.hx(
        "POST", f"/new/projects/{project}/", {"kind": "value", "name": "taken", "value": "typed"}
    )
    assert r.status_code == 422 and "already exists" in r.text and "typed" in r.text


def test_read_only_user_is_refused_plainly(
    dashboard: DashboardThread, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/ro"
    emulator.put_value(path, "v")
    viewer = Client(dashboard, "viewer", "viewer")
    url = f"/browse{path}"
    assert "v" in viewer.get(url).text
    data = viewer.editor(path)
    data["value"] = "viewer's try"
    r = viewer.save(path, data)
    assert r.status_code == 422
    assert "viewer may not change properties" in html.unescape(r.text)
    assert "viewer&#39;s try" in r.text or "viewer's try" in r.text
    assert emulator.value(path) == "v"
    d = viewer.hx("POST", action("delete", url))
    assert d.status_code == 403 and "Not deleted" in d.headers["HX-Trigger"]


def test_conflict_view_and_keep_mine(
    admin: Client, emulator: EmulatorProcess, open_editor: OpenEditor
) -> None:
    path, mine = open_editor("shared", "base text")
    emulator.put_value(path, "their text")  # another client saves first
    mine["value"] = "my text"
    conflict = admin.save(path, mine)
    assert conflict.status_code == 409
    for text in ("my text", "their text", "base text", "Keep mine", "Take theirs", "Save merged"):
        assert text in conflict.text
    assert emulator.value(path) == "their text"  # nothing written
    keep = fields(conflict.text)  # the first form is "Keep mine"
    assert keep["value"] == "my text" and keep["base_value"] == "their text"
    assert "force" not in keep  # it starts from what it showed, checked like every save
    assert admin.save(path, keep).status_code == 200
    assert emulator.value(path) == "my text"


def test_keep_mine_after_a_third_write_is_a_conflict_again(
    admin: Client, emulator: EmulatorProcess, open_editor: OpenEditor
) -> None:
    path, mine = open_editor("thrice", "base")
    emulator.put_value(path, "second")
    mine["value"] = "mine"
    keep = fields(admin.save(path, mine).text)
    emulator.put_value(path, "third")  # someone saves while the conflict view is open
    again = admin.save(path, keep)
    assert again.status_code == 409 and "third" in again.text and "mine" in again.text
    assert emulator.value(path) == "third"  # the third write is not lost


def test_no_conflict_when_nobody_else_wrote(admin: Client, open_editor: OpenEditor) -> None:
    path, data = open_editor("solo", "a", ctx="row")
    data["value"] = "b"
    assert admin.save(path, data).status_code == 200


def test_draft_survives_an_expired_upstream_session(
    dashboard: DashboardThread, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/draft"
    emulator.put_value(path, "before")
    client = Client(dashboard)
    page = f"/browse{path}"
    data = client.editor(path)
    data["value"] = "typed while the session died\n  indented"
    emulator.expire_sessions("admin")
    r = client.save(path, data, page=page)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/login?")
    assert "next=" + quote(page, safe="/") in r.headers["HX-Redirect"]
    login_page = client.http.get(dashboard.url + r.headers["HX-Redirect"], timeout=10)
    assert "your unsaved edit is kept" in login_page.text
    back = post_login(client.http, dashboard.url, csrf_from(login_page.text), next_path=page)
    assert back.headers["Location"] == page
    restored = client.http.get(dashboard.url + page, timeout=10)
    assert "typed while the session died\n  indented" in html.unescape(restored.text)
    assert emulator.value(path) == "before"
    # Saving the restored draft works (the base is still the value it started from).
    client.token = csrf_from(restored.text)
    again = fields(restored.text.split('<section id="detail"', 1)[1])
    assert client.save(path, again).status_code == 200
    assert emulator.value(path).startswith("typed while")


def test_draft_is_not_given_to_another_user(
    dashboard: DashboardThread, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/secret-draft"
    emulator.put_value(path, "x")
    client = Client(dashboard)
    page = f"/browse{path}"
    data = client.editor(path)
    data["value"] = "admin's unsaved words"
    emulator.expire_sessions("admin")
    client.save(path, data, page=page)
    login(client.http, dashboard.url, "viewer", "viewer", next_path=page)
    shown = client.http.get(dashboard.url + page, timeout=10).text
    assert "admin&#39;s unsaved words" not in shown and "admin's unsaved words" not in shown


# -- XSS ------------------------------------------------------------------------------------
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "hx-get=/logout hx-trigger=load",
    "{{7*7}}",
]


def test_payloads_render_as_inert_text(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    for i, payload in enumerate(PAYLOADS):
        name = f"<i>n{i}"
        requests.post(
            emulator.api + "/properties",
            json={
                "propertyName": name,
                "projectName": project,
                "value": payload,
                "description": payload,
            },
            auth=("admin", "changeme"),
            timeout=10,
        ).raise_for_status()
    sheet = admin.get(f"/browse/projects/{project}/").text
    detail = admin.get(f"/browse/projects/{project}/" + quote("<i>n1", safe="")).text
    editor = admin.hx(
        "GET", f"/edit/projects/{project}/" + quote("<i>n0", safe="") + "?ctx=row"
    ).text
    for page in (sheet, detail, editor):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "<i>n" not in page
    assert "{{7*7}}" in sheet  # shown literally, never evaluated as a template
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in editor
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in detail or (
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in detail
    )


# -- one URL per action; old URLs redirect; writes work without JavaScript ---------------------
@pytest.mark.parametrize(
    "old,new",
    [
        ("/browse/projects/P/x?view=edit&ctx=row", "/edit/projects/P/x?ctx=row"),
        ("/browse/projects/P/s/?view=new&kind=sheet", "/new/projects/P/s/?kind=sheet"),
        ("/browse/projects/P/a%3Fb?view=confirm-delete", "/delete/projects/P/a%3Fb"),
        ("/browse/projects/P/x?view=row", "/row/projects/P/x"),
        ("/browse/projects/P/x?view=detail", "/detail/projects/P/x"),
        ("/browse/projects/P/s/?view=nonsense&q=a", "/browse/projects/P/s/?q=a"),
    ],
)
def test_old_view_urls_redirect_to_their_action(admin: Client, old: str, new: str) -> None:
    r = admin.get(old, allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == new


def test_edit_save_and_delete_work_as_plain_forms(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    emulator.put_value(f"/projects/{project}/plain", "one")
    page = admin.get(f"/edit/projects/{project}/plain")  # no htmx: the page, editor open
    assert page.status_code == 200 and "<html" in page.text
    form = fields(page.text.split('<section id="detail"', 1)[1])
    assert form["csrf_token"] and form["base_value"] == "one"
    form["value"] = "two"
    saved = admin.http.post(
        admin.dash.url + f"/edit/projects/{project}/plain",
        data=form,
        allow_redirects=False,
        timeout=30,
    )
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/browse/projects/{project}/plain"
    assert emulator.value(f"/projects/{project}/plain") == "two"
    prompt = admin.get(f"/delete/projects/{project}/plain")
    assert prompt.status_code == 200 and "will be gone for everyone" in prompt.text
    gone = admin.http.post(
        admin.dash.url + f"/delete/projects/{project}/plain",
        data={"csrf_token": csrf_from(prompt.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert gone.status_code == 303 and gone.headers["Location"] == f"/browse/projects/{project}/"
    missing = requests.get(
        emulator.api + f"/properties//projects/{project}/plain",
        auth=("admin", "changeme"),
        timeout=10,
    )
    assert missing.status_code == 404


def test_plain_form_conflict_is_a_full_page(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    emulator.put_value(f"/projects/{project}/race", "base")
    form = fields(
        admin.get(f"/edit/projects/{project}/race").text.split('<section id="detail"', 1)[1]
    )
    emulator.put_value(f"/projects/{project}/race", "theirs")
    form["value"] = "mine"
    r = admin.http.post(admin.dash.url + f"/edit/projects/{project}/race", data=form, timeout=30)
    assert r.status_code == 409 and "<html" in r.text
    assert "mine" in r.text and "theirs" in r.text and "Keep mine" in r.text
    assert emulator.value(f"/projects/{project}/race") == "theirs"


def test_plain_form_create_and_refusal_keep_the_text(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    sheet = admin.get(f"/new/projects/{project}/?kind=value")
    assert sheet.status_code == 200 and 'name="name"' in sheet.text and "<html" in sheet.text
    token = csrf_from(sheet.text)
    url = admin.dash.url + f"/new/projects/{project}/"
    bad = {"csrf_token": token, "kind": "value", "name": "a/b", "value": "kept words"}
    refused = admin.http.post(url, data=bad, allow_redirects=False, timeout=30)
    assert refused.status_code == 422 and "kept words" in refused.text
    good = dict(bad, name="made")
    made = admin.http.post(url, data=good, allow_redirects=False, timeout=30)
    assert made.status_code == 303 and made.headers["Location"] == f"/browse/projects/{project}/"
    assert emulator.value(f"/projects/{project}/made") == "kept words"


def test_broken_reference_found_in_the_raw_value(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    emulator.put_value(f"/projects/{project}/ok", "fine")
    value = f"$[/projects/{project}/ok] and $[/projects/{project}/gone]"
    emulator.put_value(f"/projects/{project}/refs", value)
    page = admin.get(f"/browse/projects/{project}/refs").text
    assert f"Broken reference: <code>/projects/{project}/gone</code>" in page
