"""The journal in the dashboard, over real HTTP against the emulator: the history of a
property with its diffs, restoring versions (recorded as ``revert``, conflict-safe), changes
made outside propdesk, and the sheet's markers of recent changes."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import requests

from app.cloudbees import Property, PropertyPath
from app.journal import Actor, Change, Outcome, Source, open_journal
from app.journal.journal import utc_now
from tests.conftest import DashboardFactory
from tests.journal.support import statements
from tests.support.client import Client, notice_of
from tests.support.servers import ADMIN, EmulatorProcess, wait_until
from tests.web.conftest import services_of

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def edit_to(admin: Client, path: str, value: str) -> requests.Response:
    """Open the editor of ``path`` and save ``value`` (as a browser would)."""
    form = admin.editor(path)
    form["value"] = value
    saved = admin.save(path, form)
    assert saved.status_code == 200, saved.text
    return saved


def history(admin: Client, path: str) -> str:
    page = admin.get("/history" + path)
    assert page.status_code == 200, page.text
    return page.text


def history_after(admin: Client, emulator: EmulatorProcess, path: str, *values: str) -> str:
    """Put the first of ``values`` at the server, save each of the others through the
    editor in turn, and return the history page of ``path`` after."""
    first, *edits = values
    emulator.put_value(path, first)
    for value in edits:
        edit_to(admin, path, value)
    return history(admin, path)


def hidden_fields(page: str, start: str) -> dict[str, str]:
    """The hidden fields of the form of ``page`` that begins at ``start``."""
    form = page.split(start, 1)[1].split("</form>", 1)[0]
    return {name: html.unescape(value) for name, value in HIDDEN.findall(form)}


def restore_form(page: str) -> dict[str, str]:
    """The fields every restore button of a history page posts."""
    return hidden_fields(page, '<form id="restore-form"')


def undo_create(admin: Client, page: str) -> tuple[requests.Response, dict[str, str]]:
    """Follow the "Undo this create" link of a history page: the prompt and the fields
    its form posts."""
    link = re.search(r'href="(/restore[^"]+)"[^>]*>Undo this create \(delete it\)', page)
    assert link is not None
    prompt = admin.get(html.unescape(link.group(1)))
    assert prompt.status_code == 200, prompt.text
    return prompt, hidden_fields(prompt.text, 'class="editor">')


def choices(page: str, label: str) -> list[str]:
    """The ``restore`` values of the buttons called ``label``, newest entry first."""
    pattern = rf'name="restore" value="(\d+:\w+)">{re.escape(label)}</button>'
    return re.findall(pattern, page)


def restore(admin: Client, path: str, page: str, choice: str) -> requests.Response:
    """Press a restore button of a history page (a plain form post, no htmx)."""
    data = {**restore_form(page), "restore": choice}
    return admin.post("/restore" + path, data, allow_redirects=False)


def text_of(fragment: str) -> str:
    """The text of an HTML fragment (tags dropped)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def gone_upstream(emulator: EmulatorProcess, path: str) -> bool:
    r = requests.get(emulator.api + "/properties//" + path.lstrip("/"), auth=ADMIN, timeout=10)
    return r.status_code == 404


def test_history_after_two_edits_shows_the_diffs(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/notes"
    emulator.put_value(path, "line one\nline two\nline three")
    edit_to(admin, path, "line one\nline 2\nline three")
    edit_to(admin, path, "line one\nline 2\nline three\nline four")
    assert 'href="/history' + path + '"' in admin.get("/browse" + path).text
    page = history(admin, path)
    assert page.count('<li class="entry') == 2 and page.count("by <span") == 2
    newest, older = page.split('<li class="entry')[1:]
    assert "<ins>line four</ins>" in newest and "<del>" not in newest
    assert "<del>two</del>" in older and "<ins>2</ins>" in older  # changed characters only
    assert "line one" in older and "admin" in older and ">ui</span>" in older


def test_restore_the_first_version_is_journaled_as_revert(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/level"
    page = history_after(admin, emulator, path, "first", "second", "third")
    assert len(choices(page, "Restore this version")) == 1  # "third" is what it holds
    (oldest,) = choices(page, "Restore the version before this change")
    done = restore(admin, path, page, oldest)
    assert done.status_code == 303 and done.headers["Location"] == "/browse" + path
    assert emulator.value(path) == "first"
    page = history(admin, path)
    newest = page.split('<li class="entry')[1]
    assert ">revert</span>" in newest
    assert "-third" in text_of(newest) and "+first" in text_of(newest)
    second = choices(page, "Restore this version")[-1]  # the oldest entry's: "second"
    assert restore(admin, path, page, second).status_code == 303
    assert emulator.value(path) == "second"
    assert history(admin, path).count(">revert</span>") == 2


def test_a_restore_naming_no_entry_is_a_404(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/strange"
    page = history_after(admin, emulator, path, "one", "two")
    for choice in ("\u00b2:after", "12x:after", "1:sideways", ""):
        assert restore(admin, path, page, choice).status_code == 404, choice  # "²" was a 500
    assert emulator.value(path) == "two"


def restore_changed_meanwhile(
    admin: Client, emulator: EmulatorProcess, path: str
) -> tuple[str, requests.Response]:
    """Edit ``path`` from "base" to "mine", let someone write "theirs" while the history is
    open, then restore the version before the edit: the restore's choice and its answer."""
    page = history_after(admin, emulator, path, "base", "mine")
    emulator.put_value(path, "theirs")
    (before,) = choices(page, "Restore the version before this change")
    return before, restore(admin, path, page, before)


def test_restore_shows_the_conflict_view_when_changed_meanwhile(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/raced"
    _, answer = restore_changed_meanwhile(admin, emulator, path)
    assert answer.status_code == 409
    for text in ("theirs", "Keep mine", "Take theirs", "mine"):
        assert text in answer.text
    assert emulator.value(path) == "theirs"
    assert ">revert</span>" not in history(admin, path)


def keep_mine(conflict: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the "Keep mine" form of a conflict view."""
    found = re.search(
        r'<form method="post" action="([^"]+)"[^>]*class="inline">(.*?)Keep mine</button>',
        conflict,
        re.S,
    )
    assert found is not None, conflict
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(found.group(2))}
    return html.unescape(found.group(1)), fields


def test_keep_mine_in_the_conflict_of_a_restore_is_journaled_as_revert(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/kept"
    before, conflict = restore_changed_meanwhile(admin, emulator, path)
    assert conflict.status_code == 409
    action, data = keep_mine(conflict.text)
    assert action == "/restore" + path and data["restore"] == before
    kept = admin.post(action, data, allow_redirects=False)
    assert kept.status_code == 303, kept.text
    assert emulator.value(path) == "base"
    newest, *_ = history(admin, path).split('<li class="entry')[1:]
    assert ">revert</span>" in newest and ">ui</span>" not in newest
    assert "-theirs" in text_of(newest) and "+base" in text_of(newest)


def save_changed_meanwhile(
    admin: Client, emulator: EmulatorProcess, path: str
) -> requests.Response:
    """Open the editor of ``path`` (at "base"), let someone write "theirs", then save
    "mine": the save's answer."""
    emulator.put_value(path, "base")
    form = {**admin.editor(path), "value": "mine"}
    emulator.put_value(path, "theirs")
    return admin.save(path, form)


def test_keep_mine_in_the_conflict_of_an_edit_stays_an_edit(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/edited"
    conflict = save_changed_meanwhile(admin, emulator, path)
    assert conflict.status_code == 409
    action, data = keep_mine(conflict.text)
    assert action == "/edit" + path and "restore" not in data
    data["value"] = "mine"
    assert admin.save(path, data).status_code == 200
    assert emulator.value(path) == "mine"
    newest = history(admin, path).split('<li class="entry')[1]
    assert ">ui</span>" in newest and "+mine" in text_of(newest)


def test_revert_a_delete_then_a_create(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/fresh"
    made = admin.hx(
        "POST",
        f"/new/projects/{project}/",
        {"kind": "value", "name": "fresh", "value": "v\n  w", "description": "d"},
    )
    assert made.status_code == 200, made.text
    assert admin.hx("POST", "/delete" + path).status_code == 200
    page = history(admin, path)
    assert "It does not exist now." in page
    (undelete,) = choices(page, "Restore it as it was before this delete")
    assert restore(admin, path, page, undelete).status_code == 303
    assert emulator.value(path) == "v\n  w"
    page = history(admin, path)
    prompt, data = undo_create(admin, page)
    assert prompt.status_code == 200 and "Delete fresh?" in prompt.text
    done = admin.post("/restore" + path, data, allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"] == f"/browse/projects/{project}/"
    assert gone_upstream(emulator, path)
    final = history(admin, path)
    assert final.count(">revert</span>") == 2 and final.count(">ui</span>") == 2


def test_undo_create_refuses_when_changed_since(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/made"
    admin.hx("POST", f"/new/projects/{project}/", {"kind": "value", "name": "made", "value": "1"})
    page = history(admin, path)
    _, data = undo_create(admin, page)
    emulator.put_value(path, "2")  # changed after the prompt was shown
    refused = admin.post("/restore" + path, data, allow_redirects=False)
    assert refused.status_code == 409 and "changed since you opened its history" in refused.text
    assert emulator.value(path) == "2"


def test_a_change_made_at_the_server_shows_as_outside_propdesk(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    path = f"/projects/{project}/ext"
    emulator.put_value(path, "seen first")
    assert admin.get("/browse" + path).status_code == 200  # the first sight: a baseline
    assert '<li class="entry' not in history(admin, path)
    emulator.put_value(path, "changed by a script")
    page = history(admin, path)
    assert "Changed outside propdesk" in page and "(seen at " in page
    entry = page.split('<li class="entry', 1)[1]
    assert ">external</span>" in entry and "by admin on the server" in entry
    assert text_of(entry).count("changed by a script") == 1


def test_a_change_at_the_server_met_by_a_save_is_recorded_once(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    # The change lands while the editor is open: the save's re-read sees it and stops at
    # the conflict view; the journal is shown that read after the view (no write follows).
    path = f"/projects/{project}/met"
    conflict = save_changed_meanwhile(admin, emulator, path)
    assert conflict.status_code == 409
    journal = services_of(admin.dash).journal
    (external,) = journal.history(PropertyPath.parse(path)).items  # no page read it since
    assert external.external and external.after is not None
    assert external.after.value == "theirs"
    _, data = keep_mine(conflict.text)
    assert admin.save(path, data).status_code == 200
    mine, seen = journal.history(PropertyPath.parse(path)).items
    assert seen.id == external.id and mine.source is Source.UI
    assert mine.before is not None and mine.before.value == "theirs"
    assert mine.after is not None and mine.after.value == "mine"


def test_an_edit_to_a_row_shows_its_marker_for_24_hours(
    admin: Client, emulator: EmulatorProcess, project: str
) -> None:
    for name in ("edited", "untouched", "old"):
        emulator.put_value(f"/projects/{project}/{name}", "v")
    edit_to(admin, f"/projects/{project}/edited", "w")
    journal = services_of(admin.dash).journal
    url = journal.database.url.render_as_string(hide_password=False)
    # A second journal on the app's own database, on a clock two days back: nobody can
    # wait 24 hours for an entry to age.
    two_days_ago = open_journal(url, clock=lambda: utc_now() - timedelta(days=2))
    old_path = PropertyPath.parse(f"/projects/{project}/old")
    old = Property(id=1, name="old", value="u")
    two_days_ago.record([Change.between(old_path, old, old, Actor("someone"))])
    two_days_ago.database.dispose()
    with statements(journal.database.engine) as sent:
        sheet = admin.get(f"/browse/projects/{project}/").text
    markers = re.findall(r'class="recent-change" href="/history/projects/[^/]+/(\w+)"', sheet)
    assert markers == ["edited"]
    assert len([sql for sql, _ in sent if "journal_entries" in sql]) == 1  # one query a page


def test_a_save_without_an_answer_is_unknown_until_the_next_read(
    make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess
) -> None:
    dash = make_dashboard(fresh_emulator, PROPDESK_READ_TIMEOUT="1", PROPDESK_RETRIES="0")
    admin = Client(dash)
    path = f"/projects/{fresh_emulator.new_project('unknown')}/slow"
    fresh_emulator.put_value(path, "before")
    form = admin.editor(path)
    form["value"] = "after"

    def reads() -> int:
        seen = fresh_emulator.requests_seen()
        return sum(1 for r in seen if r["method"] == "GET" and r["path"].endswith(path))

    read_so_far = reads()
    fresh_emulator.set_latency(300)  # the save's re-read answers; then its write is late
    answer = admin.save_in_background(path, form)
    assert wait_until(lambda: reads() > read_so_far)
    fresh_emulator.set_latency(2500)
    late = answer()
    assert late.status_code == 503 and "Could not confirm the save" in notice_of(late)
    journal = services_of(dash).journal
    (pending,) = journal.history(PropertyPath.parse(path)).items
    assert pending.outcome is Outcome.UNKNOWN
    fresh_emulator.set_latency(0)
    assert wait_until(lambda: fresh_emulator.value(path) == "after")
    assert admin.get("/browse" + path).status_code == 200  # the next read settles it
    (settled,) = journal.history(PropertyPath.parse(path)).items
    assert settled.id == pending.id and settled.outcome is Outcome.DONE
    assert "outcome unknown" not in history(admin, path)
