"""Undo a change set from the activity list, over real HTTP against the emulator and the
dashboard's own journal database: the inverse of a copy, of an import that modified and
deleted, and of a single save, each through its preview and apply; a path changed several
times goes back to its first state; a change made after the set is a conflict and never
overwritten; undoing twice changes nothing; what cannot be undone (unknown outcome, hashed
values, a sheet deleted as a whole) is left out and said; a large undo runs in the
background; the form needs its CSRF token; an unknown set is a 404; a sheet this login may
not read cannot be undone."""

from __future__ import annotations

import html
import json
import re

from app.changes import Sheet, Value, load, to_yaml
from app.cloudbees import Property, PropertyPath
from app.journal import Actor, Change, Entry, Outcome, Source, new_change_set
from tests.changes_web.conftest import Grow, form_of
from tests.changes_web.test_compare import apply as apply_copy
from tests.changes_web.test_compare import preview as preview_copy
from tests.changes_web.test_compare import two_sides
from tests.changes_web.test_moving import exists
from tests.changes_web.test_transfer import apply_page, post_import
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import EmulatorProcess, wait_until
from tests.web.conftest import services_of

UNDO = "/activity/undo"


def newest(admin: Client, path: str) -> Entry:
    """The newest journal entry of ``path``."""
    return services_of(admin.dash).journal.history(PropertyPath.parse(path)).items[0]


def undo_link(admin: Client, prefix: str) -> str:
    """The first "Undo" link of the activity list under ``prefix`` (the newest change)."""
    page = admin.get(f"/activity?prefix={prefix}/")
    assert page.status_code == 200, page.text
    link = re.search(
        r'<a class="button" href="(/activity/undo\?[^"]+)">Undo this change', page.text
    )
    assert link is not None, page.text
    return html.unescape(link.group(1))


def apply_undo(admin: Client, page: str, *extra: tuple[str, str]) -> tuple[int, str]:
    """Post the apply form of an undo preview (plus ``extra`` fields, e.g. the confirmation)."""
    answer = admin.http.post(
        admin.dash.url + UNDO, data=form_of(page, UNDO) + list(extra), timeout=30
    )
    return answer.status_code, answer.text


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def copied(admin: Client, emulator: EmulatorProcess, grow: Grow) -> tuple[str, str, str]:
    """A compare copy dev -> prod of ``host`` (a modify), ``onlyDev`` (a create) and the
    sheet ``inner`` with ``k`` (creates); returns the project, dev and prod."""
    project, dev, prod = two_sides(emulator, grow)
    rows = [json.dumps(["host"]), json.dumps(["onlyDev"]), json.dumps(["inner", "k"])]
    status, report = apply_copy(admin, preview_copy(admin, dev, prod, "left-to-right", rows))
    assert status == 200 and "<strong>4</strong> applied" in report, report
    assert emulator.value(f"{prod}/inner/k") == "dev"
    return project, dev, prod


def copied_to_undo(admin: Client, emulator: EmulatorProcess, grow: Grow) -> tuple[str, str, str]:
    """``copied``, then the activity list's link to undo that copy: the project, prod and
    the link."""
    project, _, prod = copied(admin, emulator, grow)
    return project, prod, undo_link(admin, f"/projects/{project}")


def test_undo_a_copy_deletes_what_it_created_and_is_journaled_as_revert(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project, prod, link = copied_to_undo(admin, emulator, grow)
    copy_set = newest(admin, f"{prod}/host").change_set
    assert link == f"{UNDO}?set={copy_set}"
    page = admin.get(link)
    assert page.status_code == 200, page.text
    assert copy_set and f"Undo change set {copy_set[:12]}" in page.text
    assert "<strong>0</strong> to create · <strong>1</strong> to change" in page.text
    assert page.text.count('class="op-delete"') == 3 and 'name="confirm_deletes"' in page.text
    assert emulator.value(f"{prod}/inner/k") == "dev"  # a preview writes nothing
    status, refused = apply_undo(admin, page.text)  # deletes need the confirmation
    assert status == 422 and "confirm the deletes" in refused
    assert emulator.value(f"{prod}/onlyDev") == "d"
    status, report = apply_undo(admin, page.text, ("confirm_deletes", "1"))
    assert status == 200 and "<strong>4</strong> applied" in report, report
    assert emulator.value(f"{prod}/host") == "prod.example"
    tree = admin.get(f"/export/projects/{project}/prod/").text
    assert set(load(tree).entries) == {"host", "same", "ref", "notes", "onlyProd"}
    host = newest(admin, f"{prod}/host")
    assert host.source is Source.REVERT and host.actor.cd_user == "admin"
    assert host.change_set and host.change_set != copy_set
    assert newest(admin, f"{prod}/inner").change_set == host.change_set  # one new change set


def test_undo_an_import_that_modified_and_deleted(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = emulator.new_project("undo-imp", host="old host", gone="was here", keep="k")
    emulator.put_value(f"/projects/{project}/gone", "was here", description="kept too")
    grow(f"/projects/{project}", {"old": {"x": "1"}})
    exported = load(admin.get(f"/export/projects/{project}/").text)
    entries = {n: v for n, v in exported.entries.items() if n not in ("gone", "old")}
    entries["host"] = Value("new host")
    status, page = post_import(
        admin, project, text=to_yaml(Sheet(entries, exported.description)), mode="mirror"
    )
    assert status == 200 and "<strong>1</strong> to change" in page, page
    status, report = apply_page(admin, page, ("confirm_deletes", "1"))
    assert status == 200 and "<strong>3</strong> applied" in report, report

    page = admin.get(undo_link(admin, f"/projects/{project}")).text
    assert "<strong>1</strong> to create · <strong>1</strong> to change" in page
    said = f"Left out: /projects/{project}/old: a sheet deleted as a whole: the journal keeps"
    assert said in text_of(page)  # it cannot come back as it was
    assert 'name="confirm_deletes"' not in page  # nothing to delete, nothing to confirm
    status, report = apply_undo(admin, page)
    assert status == 200 and "<strong>2</strong> applied" in report, report
    assert emulator.value(f"/projects/{project}/host") == "old host"
    restored = emulator.property_at(f"/projects/{project}/gone")
    assert restored["value"] == "was here" and restored["description"] == "kept too"
    assert emulator.value(f"/projects/{project}/keep") == "k"


def test_undo_a_single_save(admin: Client, emulator: EmulatorProcess) -> None:
    project = emulator.new_project("undo-one", colour="blue")
    path = f"/projects/{project}/colour"
    form = admin.editor(path)
    form["value"] = "red"
    assert admin.save(path, form).status_code == 200
    entry = newest(admin, path)
    assert entry.change_set is None
    link = undo_link(admin, f"/projects/{project}")
    assert link == f"{UNDO}?entry={entry.id}"
    page = admin.get(link).text
    assert f"Undo change {entry.id}" in page
    assert "-red" in text_of(page) and "+blue" in text_of(page)
    status, report = apply_undo(admin, page)
    assert status == 200 and "<strong>1</strong> applied" in report, report
    assert emulator.value(path) == "blue"
    assert newest(admin, path).source is Source.REVERT


def test_a_change_after_the_set_is_a_conflict_never_overwritten(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project, prod, link = copied_to_undo(admin, emulator, grow)
    emulator.put_value(f"{prod}/host", "changed elsewhere")
    emulator.put_value(f"{prod}/inner/extra", "added elsewhere")  # the sheet to delete
    page = admin.get(link).text
    assert "2 entries changed since this change and will be skipped as conflicts" in page
    assert f"never overwritten: {prod}/inner, {prod}/host." in text_of(page)
    status, report = apply_undo(admin, page, ("confirm_deletes", "1"))
    assert status == 200 and "<strong>2</strong> skipped (conflict)" in report, report
    assert "<strong>2</strong> applied" in report  # onlyDev and inner/k
    assert emulator.value(f"{prod}/host") == "changed elsewhere"  # never overwritten
    assert emulator.value(f"{prod}/inner/extra") == "added elsewhere"
    assert "onlyDev" not in load(admin.get(f"/export/projects/{project}/prod/").text).entries


def test_undoing_twice_changes_nothing_the_second_time(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    _, prod, link = copied_to_undo(admin, emulator, grow)
    page = admin.get(link).text
    status, report = apply_undo(admin, page, ("confirm_deletes", "1"))
    assert status == 200 and "<strong>4</strong> applied" in report
    history = len(services_of(admin.dash).journal.history(PropertyPath.parse(f"{prod}/host")).items)
    status, again = apply_undo(admin, page, ("confirm_deletes", "1"))  # the same form again
    assert status == 200 and "Nothing left to do" in again
    fresh = admin.get(link).text  # a new preview of the same undo
    assert "Nothing to change" in fresh and "<strong>0</strong> to change" in fresh
    assert emulator.value(f"{prod}/host") == "prod.example"
    journal = services_of(admin.dash).journal
    assert len(journal.history(PropertyPath.parse(f"{prod}/host")).items) == history


def test_the_apply_needs_the_csrf_token(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    _, prod, link = copied_to_undo(admin, emulator, grow)
    page = admin.get(link).text
    fields = [(k, v) for k, v in form_of(page, UNDO) if k != "csrf_token"]
    fields.append(("confirm_deletes", "1"))
    answer = admin.http.post(admin.dash.url + UNDO, data=fields, timeout=30)
    assert answer.status_code == 400
    assert emulator.value(f"{prod}/host") == "dev.example"


def test_an_unknown_change_is_a_404(admin: Client) -> None:
    queries = ("set=0123456789abcdef0123456789abcdef", "entry=999999999", "set=", "x=1")
    for query in (*queries, "entry=%C2%B2", "entry=%D9%A3"):  # '²' and '٣' are digits too
        assert admin.get(f"{UNDO}?{query}").status_code == 404, query
    data = {"csrf_token": admin.token, "set": "nope", "confirm_deletes": "1"}
    assert admin.post(UNDO, data).status_code == 404


def test_a_set_this_login_may_not_read_cannot_be_undone(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    _, prod, link = copied_to_undo(admin, emulator, grow)
    page = admin.get(link).text
    # The emulator lets every user read every sheet; a read refusal is injected (the next
    # upstream call, the undo's read of the sheet, answers 403 AccessDenied).
    emulator.inject_faults(403, 1)
    assert admin.get(link).status_code == 403
    emulator.inject_faults(403, 1)
    status, _ = apply_undo(admin, page, ("confirm_deletes", "1"))
    assert status == 403
    assert emulator.value(f"{prod}/host") == "dev.example"  # nothing undone


def test_changes_of_unknown_outcome_and_hashed_values_are_left_out_and_said(
    admin: Client, emulator: EmulatorProcess, make_dashboard: DashboardFactory
) -> None:
    project = emulator.new_project("undo-left", a="1", b="1")
    batch, who = new_change_set(), Actor("admin")
    services_of(admin.dash).journal.record(
        [
            Change.between(*states(project, "a"), who, change_set=batch),
            Change.between(*states(project, "b"), who, change_set=batch, outcome=Outcome.UNKNOWN),
        ]
    )
    listed = admin.get(f"/activity?prefix=/projects/{project}/").text
    assert "Undo leaves out 1 change of unknown outcome" in listed
    page = admin.get(f"{UNDO}?set={batch}").text
    assert f"Left out: /projects/{project}/b: its outcome is unknown" in text_of(page)
    status, report = apply_undo(admin, page)
    assert status == 200 and "<strong>1</strong> applied" in report, report
    assert emulator.value(f"/projects/{project}/a") == "0"
    assert emulator.value(f"/projects/{project}/b") == "1"

    hashed = Client(make_dashboard(PROPDESK_JOURNAL_VALUES="0"))
    path = f"/projects/{project}/a"
    form = hashed.editor(path)
    form["value"] = "2"
    assert hashed.save(path, form).status_code == 200
    page = hashed.get(undo_link(hashed, f"/projects/{project}")).text
    assert "the journal keeps only a hash of its value" in text_of(page)
    assert "Nothing to change" in page and emulator.value(path) == "2"


def states(project: str, name: str) -> tuple[PropertyPath, Property, Property]:
    """A value's path and its states "0" before and "1" after a change (as journaled)."""
    path = PropertyPath.project(project, name)
    return path, Property(id=None, name=name, value="0"), Property(id=None, name=name, value="1")


def test_a_large_undo_runs_in_the_background_like_any_large_apply(
    emulator: EmulatorProcess, make_dashboard: DashboardFactory, grow: Grow
) -> None:
    client = Client(make_dashboard(PROPDESK_BACKGROUND_APPLY_OPERATIONS="3"))
    project = emulator.new_project("undo-big")
    grow(f"/projects/{project}", {f"k{i}": f"v{i}" for i in range(5)})
    journal = services_of(client.dash).journal
    batch, who = new_change_set(), Actor("admin")
    created = [
        Change.between(PropertyPath.project(project, f"k{i}"), None, prop, who, change_set=batch)
        for i, prop in enumerate(Property(id=None, name=f"k{i}", value=f"v{i}") for i in range(5))
    ]
    journal.record(created)  # as an import of five values would have journaled them
    page = client.get(f"{UNDO}?set={batch}").text
    assert page.count('class="op-delete"') == 5
    fields = [*form_of(page, UNDO), ("confirm_deletes", "1")]
    answer = client.http.post(
        client.dash.url + UNDO, data=fields, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 303 and "/changes/runs/" in answer.headers["Location"]
    wait_until(lambda: not any(exists(emulator, f"/projects/{project}/k{i}") for i in range(5)))
    journaled = wait_until(lambda: reverted(client, f"/projects/{project}/k4"))
    assert journaled is not None and journaled.change_set not in (None, batch)


def reverted(admin: Client, path: str) -> Entry | None:
    """The newest entry of ``path`` once it is a ``revert`` (the journal writes a chunk
    after its writes landed)."""
    entry = newest(admin, path)
    return entry if entry.source is Source.REVERT else None


def test_a_path_changed_several_times_goes_back_to_its_first_state(
    admin: Client, emulator: EmulatorProcess, grow: Grow
) -> None:
    project = emulator.new_project("undo-many", a="2")
    grow(f"/projects/{project}", {"s": {"x": "1"}})  # ``s`` was a value, now a sheet
    a, s = PropertyPath.project(project, "a"), PropertyPath.project(project, "s")
    batch, who = new_change_set(), Actor("admin")
    value = Property(id=None, name="s", value="v")
    sheet = Property(id=None, name="s", property_sheet_id=1)
    x = Property(id=None, name="x", value="1")
    services_of(admin.dash).journal.record(
        Change.between(path, before, after, who, change_set=batch)
        for path, before, after in (
            (a, Property(id=None, name="a", value="0"), Property(id=None, name="a", value="1")),
            (s, value, None),
            (s, None, sheet),
            (s.child("x"), None, x),
            (a, Property(id=None, name="a", value="1"), Property(id=None, name="a", value="2")),
        )
    )
    page = admin.get(f"{UNDO}?set={batch}").text
    counts = "<strong>1</strong> to create · <strong>1</strong> to change"
    assert counts in page and page.count('class="op-delete"') == 2
    assert "-2" in text_of(page) and "+0" in text_of(page)  # the last after, the first before
    status, report = apply_undo(admin, page, ("confirm_deletes", "1"))
    assert status == 200 and "<strong>4</strong> applied" in report, report
    assert emulator.value(str(a)) == "0"
    assert emulator.value(str(s)) == "v"  # the sheet emptied, deleted, the value back
