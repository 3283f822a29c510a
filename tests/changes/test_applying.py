"""Apply against the emulator over HTTP: writes, checks, conflicts, journaling in one change
set, idempotence, and third-party writes during an apply, never overwritten."""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.changes import Action, Plan, Result, Sheet, Status, Value, apply, plan, read_tree
from app.changes.errors import PlanTooLarge
from app.changes.planning import Operation, State
from app.cloudbees import CloudBeesClient, PropertyPath, Transport, TransportSettings
from app.cloudbees.properties import PropertyService
from app.edit_lock import EditLocks
from app.journal import Action as JournalAction
from app.journal import Journal, Kind, Outcome, Source, open_journal
from tests.changes.conftest import TargetFactory
from tests.changes.strategies import trees
from tests.support.servers import EmulatorProcess, free_port

DESIRED = Sheet(
    {
        "keep": Value("same"),
        "value": Value("new  \nlines\n", "now described", False),
        "fresh": Value("$[/server/unexpanded] ✓"),
        "deploy": Sheet({"region": Value("eu"), "prod": Sheet({"n": Value("1")})}, "settings"),
    }
)


def seeded(emulator: EmulatorProcess, cd: CloudBeesClient) -> PropertyPath:
    project = emulator.new_project("apply", keep="same", value="old", doomed="x")
    root = PropertyPath.project(project)
    cd.properties.create_sheet(root.child("old-sheet"), description="has a description")
    cd.properties.create(root.child("old-sheet").child("inner"), "1")
    return root


def test_apply_makes_the_tree_and_journals_one_change_set(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory, journal: Journal
) -> None:
    root = seeded(emulator, cd)
    changes = plan(read_tree(cd.properties, root), DESIRED)
    assert [op.action for op in changes.operations].count(Action.DELETE) == 2
    report = apply(changes, target(root))
    assert len(report.applied) == len(changes) and not report.failed and not report.conflicts
    assert read_tree(cd.properties, root) == DESIRED
    entries = journal.change_set(report.change_set)
    assert len(entries) == len(changes)
    assert {e.source for e in entries} == {Source.IMPORT}
    edited = next(e for e in entries if e.path == root.child("value"))
    assert edited.action is JournalAction.MODIFY
    assert edited.before is not None and edited.before.value == "old"
    assert edited.after is not None and edited.after.value == "new  \nlines\n"
    assert emulator.value(str(root.child("fresh"))) == "$[/server/unexpanded] ✓"
    kinds = {e.path.name: e.kind for e in entries}
    assert kinds["deploy"] is Kind.SHEET and kinds["old-sheet"] is Kind.SHEET
    assert kinds["fresh"] is Kind.PROPERTY
    for entry in entries:  # what was journaled is what a read finds: nothing "external"
        if entry.after is not None:
            assert journal.observe(entry.path, cd.properties.get(entry.path)) is None, entry


def test_applying_the_same_plan_twice_changes_nothing_the_second_time(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory, journal: Journal
) -> None:
    root = seeded(emulator, cd)
    current = read_tree(cd.properties, root)
    desired = Sheet({**DESIRED.entries, "keep": Sheet({"x": Value("kind changed")})})
    changes = plan(current, desired)
    apply(changes, target(root))
    emulator.reset_counts()
    again = apply(changes, target(root))
    assert len(again.already) == len(changes), again.results
    writes = [r for r in emulator.requests_seen() if r["method"] in ("POST", "PUT", "DELETE")]
    assert writes == []
    assert journal.change_set(again.change_set) == ()
    assert read_tree(cd.properties, root) == desired


def test_a_property_changed_since_the_plan_is_skipped_and_reported(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory
) -> None:
    root = seeded(emulator, cd)
    changes = plan(read_tree(cd.properties, root), DESIRED)
    emulator.put_value(str(root.child("value")), "theirs")  # after the plan, before apply
    emulator.put_value(str(root.child("old-sheet").child("added")), "theirs too")
    report = apply(changes, target(root))
    conflicts = {r.operation.names: r for r in report.conflicts}
    assert set(conflicts) == {("value",), ("old-sheet",)}
    assert conflicts[("value",)].found == State(False, "theirs")
    assert "what it holds changed" in conflicts[("old-sheet",)].reason
    assert emulator.value(str(root.child("value"))) == "theirs"
    assert emulator.value(str(root.child("old-sheet").child("added"))) == "theirs too"
    assert len(report.applied) == len(changes) - 2


def test_third_party_writes_during_an_apply_are_never_overwritten(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory
) -> None:
    """Between the chunks of an apply (here two operations each), another client changes
    properties the later chunks were to write; each is skipped as a conflict."""
    project = emulator.new_project("race", **{f"p{i}": "old" for i in range(8)})
    root = PropertyPath.project(project)
    current = read_tree(cd.properties, root)
    desired = Sheet({f"p{i}": Value("mine") for i in range(8)})
    changes = plan(current, desired)
    raced = {"p3", "p6", "p7"}

    def third_party(result: Result) -> None:
        if result.operation.names == ("p1",):
            for name in raced:  # a script on the API: no propdesk lock
                emulator.put_value(str(root.child(name)), "theirs")

    report = apply(changes, target(root, batch=2), progress=third_party)
    assert {r.operation.names[-1] for r in report.conflicts} == raced
    for i in range(8):
        want = "theirs" if f"p{i}" in raced else "mine"
        assert emulator.value(str(root.child(f"p{i}"))) == want


def test_a_property_being_saved_in_propdesk_is_not_written(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory, locks: EditLocks
) -> None:
    project = emulator.new_project("busy", a="old", b="old")
    root = PropertyPath.project(project)
    changes = plan(read_tree(cd.properties, root), Sheet({"a": Value("new"), "b": Value("new")}))
    with locks.hold(f"test|{root.child('a')}", lease=30):  # a save of a under way
        report = apply(
            changes, target(root, lock=lambda p: locks.hold(f"test|{p}", lease=30, wait=0.1))
        )
    (busy,) = report.failed
    assert busy.operation.names == ("a",) and "saving it in propdesk" in busy.reason
    assert emulator.value(f"/projects/{project}/a") == "old"
    assert emulator.value(f"/projects/{project}/b") == "new"


def test_refusals_carry_the_server_s_reason(
    emulator: EmulatorProcess,
    cd: CloudBeesClient,
    target: TargetFactory,
) -> None:
    project = emulator.new_project("refused", a="old")
    root = PropertyPath.project(project)
    viewer = CloudBeesClient.login(emulator.base_url, "viewer", "viewer")
    try:
        changes = plan(read_tree(cd.properties, root), Sheet({"a": Value("new")}))
        report = apply(changes, target(root, properties=viewer.properties))
    finally:
        viewer.logout()
    (failed,) = report.failed
    assert failed.status is Status.FAILED
    assert "viewer" in failed.reason or "privilege" in failed.reason.lower(), failed.reason
    assert emulator.value(f"/projects/{project}/a") == "old"


def test_a_create_that_meets_an_existing_property_is_a_conflict(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory
) -> None:
    project = emulator.new_project("exists")
    root = PropertyPath.project(project)
    create = Operation(Action.CREATE, ("x",), None, State(False, "mine"))
    emulator.put_value(f"/projects/{project}/x", "theirs")
    report = apply(Plan((create,)), target(root))
    (conflict,) = report.conflicts
    assert conflict.found == State(False, "theirs")
    assert emulator.value(f"/projects/{project}/x") == "theirs"


def a_new_and_b_added(cd: CloudBeesClient, root: PropertyPath) -> Plan:
    """The plan that sets ``a`` under ``root`` to "new" and adds ``b`` = "2"."""
    return plan(read_tree(cd.properties, root), Sheet({"a": Value("new"), "b": Value("2")}))


def test_a_journal_that_fails_does_not_stop_the_apply(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory
) -> None:
    project = emulator.new_project("nojournal", a="old")
    root = PropertyPath.project(project)
    down = open_journal(f"postgresql://propdesk@127.0.0.1:{free_port()}/none")  # nobody listens
    try:
        changes = a_new_and_b_added(cd, root)
        report = apply(changes, target(root, journal=down))
    finally:
        down.database.dispose()
    assert len(report.applied) == 2 and report.not_recorded == 2
    assert emulator.value(f"/projects/{project}/b") == "2"


def test_a_sheet_that_cannot_be_read_fails_its_operations_with_the_reason(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory
) -> None:
    project = emulator.new_project("fault", a="old")
    root = PropertyPath.project(project)
    changes = a_new_and_b_added(cd, root)
    emulator.inject_faults(500, 1)  # the chunk's read of the sheet
    report = apply(changes, target(root))
    assert [r.status for r in report.results] == [Status.FAILED, Status.FAILED]
    assert all("Injected fault (HTTP 500)" in r.reason for r in report.results)
    assert emulator.value(f"/projects/{project}/a") == "old"
    assert [r.status for r in apply(changes, target(root)).results] == [Status.APPLIED] * 2


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trees(), trees(), st.data())
def test_random_third_party_writes_during_an_apply_are_never_overwritten(
    emulator: EmulatorProcess,
    cd: CloudBeesClient,
    target: TargetFactory,
    current: Sheet,
    desired: Sheet,
    data: st.DataObject,
) -> None:
    """Random trees; after the first operation another client (a script on the API, no
    propdesk lock) writes some of the paths the rest of the plan is about to change.
    Chunks of one operation re-read their sheet, so every write of theirs that landed is
    still there after the apply, and reported as a conflict (on it or a sheet above it)."""
    root = PropertyPath.project(emulator.new_project("hyp"))
    apply(plan(Sheet(), current), target(root))
    changes = plan(current, desired)
    later = sorted({op.names for op in changes.operations[1:]})
    raced = data.draw(st.sets(st.sampled_from(later), max_size=4)) if later else set()
    landed: dict[tuple[str, ...], str] = {}
    seen: list[Result] = []

    def third_party(result: Result) -> None:
        seen.append(result)
        if len(seen) != 1:
            return
        for names in sorted(raced):
            value = f"theirs {'/'.join(names)}"
            try:
                emulator.put_value(str(PropertyPath((*root.segments, *names))), value)
            except requests.HTTPError:
                continue  # a sheet there, or no sheet to hold it: nothing landed
            landed[names] = value

    report = apply(changes, target(root, batch=1), progress=third_party)
    for names, value in landed.items():
        assert emulator.value(str(PropertyPath((*root.segments, *names)))) == value
        conflicts = {r.operation.names for r in report.conflicts}
        assert any(names[: len(c)] == c for c in conflicts), (names, report.results)


def test_a_write_without_an_answer_fails_and_is_journaled_as_unknown(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory, journal: Journal
) -> None:
    project = emulator.new_project("unanswered", a="old", b="old")
    root = PropertyPath.project(project)
    changes = plan(read_tree(cd.properties, root), Sheet({"a": Value("new"), "b": Value("new")}))
    # 3 s: the sheet read and a's write must answer in time on a loaded CI machine;
    # b's write waits 9 s, well past it.
    impatient = Transport(TransportSettings(server_url=emulator.base_url, read_timeout=3.0))

    def slow_down(result: Result) -> None:
        if result.operation.names == ("a",):
            emulator.set_latency(9000)  # b's write: the answer comes after the read timeout

    try:
        properties = PropertyService(impatient, cd.auth)
        report = apply(changes, target(root, properties=properties), progress=slow_down)
    finally:
        emulator.set_latency(0)
    (failed,) = report.failed
    assert failed.operation.names == ("b",)
    assert "no answer from CloudBees CD" in failed.reason, failed.reason
    entries = {e.path.name: e for e in journal.change_set(report.change_set)}
    assert entries["a"].outcome is Outcome.DONE
    assert entries["b"].outcome is Outcome.UNKNOWN
    assert entries["b"].after is not None and entries["b"].after.value == "new"


def test_a_plan_past_the_limit_is_refused_before_any_call(
    emulator: EmulatorProcess, cd: CloudBeesClient, target: TargetFactory
) -> None:
    root = PropertyPath.project(emulator.new_project("limit"))
    create = Operation(Action.CREATE, ("x",), None, State(False, "v"))
    emulator.reset_counts()
    with pytest.raises(PlanTooLarge, match="10,001 operations"):
        apply(Plan((create,) * 10_001), target(root))
    assert emulator.counts() == {}
