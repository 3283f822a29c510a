"""The compare page against the emulator over HTTP: rows and statuses, the filter, raw and
escaped values, copying rows through preview and apply, conflicts and confirmations."""

from __future__ import annotations

import json
import re

from app.cloudbees import PropertyPath
from app.services import services
from tests.changes_web.conftest import Grow, checkboxes, form_of
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess


def two_sides(emulator: EmulatorProcess, grow: Grow) -> tuple[str, str, str]:
    """A project with ``dev`` and ``prod`` sheets that differ in every way a row can."""
    project = emulator.new_project("cmp")
    grow(
        f"/projects/{project}",
        {
            "dev": {"host": "dev.example", "same": "1", "ref": "$[/myProject/x]",
                    "notes": "a\nb\nc", "onlyDev": "d", "inner": {"k": "dev"}},
            "prod": {"host": "prod.example", "same": "1", "ref": "$[/myProject/x]",
                     "notes": "a\nB\nc", "onlyProd": "<script>alert(1)</script>"},
        },
    )  # fmt: skip
    return project, f"/projects/{project}/dev", f"/projects/{project}/prod"


def compare_url(left: str, right: str, only_diff: bool = False) -> str:
    return f"/compare?left={left}&right={right}" + ("&diff=1" if only_diff else "")


def test_rows_statuses_filter_and_raw_escaped_values(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    _, dev, prod = two_sides(emulator, grow)
    page = admin.get(compare_url(dev, prod))
    assert page.status_code == 200
    keys = [tuple(json.loads(k)) for k in checkboxes(page.text, "row")]
    assert set(keys) == {
        ("host",),
        ("notes",),
        ("onlyDev",),
        ("inner",),
        ("inner", "k"),
        ("onlyProd",),
    }
    assert keys.index(("inner",)) + 1 == keys.index(("inner", "k"))  # a sheet, then its rows
    assert page.text.count('<td class="status">same</td>') == 2
    assert '<td class="status">only right</td>' in page.text
    assert "$[/myProject/x]" in page.text  # raw, never expanded
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert '<span class="diff-line added"' in page.text  # the multi-line value's diff
    only = admin.get(compare_url(dev, prod, only_diff=True))
    assert '<td class="status">same</td>' not in only.text
    assert "<strong>6</strong> of 8 entries differ" in only.text


def test_missing_or_bad_paths_are_told(admin: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("cmp")
    missing = admin.get(compare_url(f"/projects/{project}/nope", f"/projects/{project}"))
    assert missing.status_code == 422 and "There is no sheet at" in missing.text
    bad = admin.get(compare_url("/nowhere/x", f"/projects/{project}"))
    assert bad.status_code == 422 and "The left path" in bad.text
    empty = admin.get("/compare")
    assert empty.status_code == 200 and 'name="left"' in empty.text


def preview(admin: Client, dev: str, prod: str, direction: str, rows: list[str]) -> str:
    data = [("csrf_token", admin.token), ("left", dev), ("right", prod)]
    data += [("direction", direction)] + [("row", r) for r in rows]
    answer = admin.http.post(admin.dash.url + "/compare/preview", data=data, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.text


def apply(admin: Client, page: str, *extra: tuple[str, str]) -> tuple[int, str]:
    data = form_of(page, "/compare/apply") + list(extra)
    answer = admin.http.post(admin.dash.url + "/compare/apply", data=data, timeout=30)
    return answer.status_code, answer.text


def test_copy_two_rows_left_to_right_through_preview_and_apply(
    admin: Client, dashboard: DashboardThread, emulator: EmulatorProcess, grow: Grow
) -> None:
    _, dev, prod = two_sides(emulator, grow)
    chosen = [json.dumps(["host"]), json.dumps(["inner", "k"])]
    page = preview(admin, dev, prod, "left-to-right", chosen)
    assert "Copy 2 rows left → right" in page
    assert "<strong>2</strong> to create · <strong>1</strong> to change" in page
    assert emulator.value(f"{prod}/host") == "prod.example"  # a preview writes nothing
    status, report = apply(admin, page)
    assert status == 200 and "<strong>3</strong> applied" in report
    assert emulator.value(f"{prod}/host") == "dev.example"
    assert emulator.value(f"{prod}/inner/k") == "dev"
    assert emulator.value(f"{prod}/onlyProd") == "<script>alert(1)</script>"  # not chosen
    with dashboard.app.app_context():
        journal = services().journal
        host = journal.history(PropertyPath.parse(f"{prod}/host")).items[0]
        k = journal.history(PropertyPath.parse(f"{prod}/inner/k")).items[0]
    assert host.change_set and host.change_set == k.change_set  # one change set
    assert host.actor.cd_user == "admin" and host.source.value == "ui"
    status, again = apply(admin, page)  # the same form again: nothing left to do
    assert status == 200 and "Nothing left to do" in again


def test_a_change_since_the_preview_is_a_conflict_never_overwritten(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    _, dev, prod = two_sides(emulator, grow)
    page = preview(admin, dev, prod, "left-to-right", [json.dumps(["host"])])
    emulator.put_value(f"{prod}/host", "changed elsewhere")
    status, answer = apply(admin, page)
    assert status == 409 and "changed since the preview" in answer
    assert emulator.value(f"{prod}/host") == "changed elsewhere"
    text = re.sub(r"<[^>]+>", "", answer)
    assert "-changed elsewhere" in text and "+dev.example" in text  # the plan as it is now


def test_all_differences_right_to_left_deletes_only_when_confirmed(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    _, dev, prod = two_sides(emulator, grow)
    data = {"csrf_token": admin.token, "left": dev, "right": prod}
    data |= {"direction": "right-to-left", "all": "1"}
    page = admin.post("/compare/preview", data).text
    assert 'class="op-delete"' in page and 'name="confirm_deletes"' in page
    status, refused = apply(admin, page)
    assert status == 422 and "confirm the deletes" in refused
    assert emulator.value(f"{dev}/onlyDev") == "d"
    status, report = apply(admin, page, ("confirm_deletes", "1"))
    assert status == 200 and "<strong>0</strong> failed" in report
    same = admin.get(compare_url(dev, prod, only_diff=True)).text
    assert "No differences." in same


def test_posts_need_the_csrf_token(admin: Client, emulator: EmulatorProcess, grow: Grow) -> None:
    _, dev, prod = two_sides(emulator, grow)
    data = {"left": dev, "right": prod, "direction": "left-to-right", "all": "1"}
    for url in ("/compare/preview", "/compare/apply"):
        assert admin.post(url, data).status_code == 400
    assert emulator.value(f"{prod}/host") == "prod.example"


def test_a_tree_past_the_response_limit_is_refused_with_a_message(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess
) -> None:
    small = Client(make_dashboard(PROPDESK_MAX_RESPONSE_BYTES="20000"))
    project = emulator.new_project("huge", big="x" * 30_000, small="1")
    page = small.get(compare_url(f"/projects/{project}", f"/projects/{project}"))
    assert page.status_code == 422
    assert "larger than 20,000 bytes (PROPDESK_MAX_RESPONSE_BYTES)" in page.text
