"""Recording changes and reading them back: history, activity and its filters, paging,
the CSV iterator, change sets, the sheet markers; each listing is one indexed query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from app.cloudbees import PropertyPath
from app.journal import (
    Action,
    ActivityFilter,
    Actor,
    Change,
    Journal,
    Kind,
    Outcome,
    Snapshot,
    Source,
    new_change_set,
    sha256_text,
)
from tests.journal.support import ADMIN, PATH, START, Clock, prop, statements


def modify(
    path: PropertyPath,
    old: str,
    new: str,
    actor: Actor = ADMIN,
    source: Source = Source.UI,
    change_set: str | None = None,
) -> Change:
    """A change of a value from ``old`` to ``new``."""
    return Change(
        path, Kind.PROPERTY, Snapshot(old), Snapshot(new), actor, source, change_set=change_set
    )


def test_a_save_create_and_delete_are_history_newest_first(journal: Journal, clock: Clock) -> None:
    created = journal.record([Change.between(PATH, None, prop("a"), ADMIN)])[0]
    clock.advance(minutes=1)
    edited = prop("b", description="prod URL", modified=START + timedelta(minutes=1))
    journal.record([Change.between(PATH, prop("a"), edited, ADMIN)])
    clock.advance(minutes=1)
    journal.record([Change.between(PATH, edited, None, Actor("bob"), source=Source.API)])
    page = journal.history(PATH)
    assert [e.action for e in page.items] == [Action.DELETE, Action.MODIFY, Action.CREATE]
    deleted, modified, first = page.items
    assert first == created and first.at == START and first.before is None
    assert first.after == Snapshot("a") and first.modify_time == START
    assert modified.before == Snapshot("a") and modified.after == Snapshot("b", "prod URL")
    assert modified.actor == ADMIN and modified.source is Source.UI
    assert modified.outcome is Outcome.DONE and modified.kind is Kind.PROPERTY
    assert modified.modify_time == START + timedelta(minutes=1)
    assert deleted.after is None and deleted.actor == Actor("bob") and deleted.source is Source.API
    assert deleted.path == PATH and not page.has_next and not page.has_previous
    assert journal.entry(first.id) == first and journal.entry(first.id + 1000) is None


def test_history_pages_do_not_overlap(journal: Journal, clock: Clock) -> None:
    for n in range(7):
        journal.record([modify(PATH, str(n), str(n + 1))])
        if n % 2:
            clock.advance(seconds=1)  # some entries share a time: the id breaks the tie
    pages = [journal.history(PATH, page, size=3) for page in (1, 2, 3)]
    assert [p.has_next for p in pages] == [True, True, False]
    values = [e.after.value for p in pages for e in p.items if e.after]
    assert values == [str(n) for n in range(7, 0, -1)]
    assert journal.history(PATH, 4, size=3).items == ()
    with pytest.raises(ValueError):
        journal.history(PATH, 0)


def test_a_change_set_groups_entries(journal: Journal) -> None:
    group = new_change_set()
    paths = [PATH.parent.child(name) for name in ("a", "b", "c")]
    journal.record([modify(p, "1", "2", source=Source.REVERT, change_set=group) for p in paths])
    journal.record([modify(PATH, "x", "y")])
    entries = journal.change_set(group)
    assert [e.path for e in entries] == paths
    assert {e.source for e in entries} == {Source.REVERT} and entries[0].change_set == group


def seed_activity(journal: Journal, clock: Clock) -> None:
    """Eight entries over two projects (one a prefix of the other's name), two users."""
    other = PropertyPath.project("checkout-service-2", "deploy", "url")
    server = PropertyPath.server("release", "train")
    bob = Actor("bob", "bob@example.com")
    rows = [
        modify(PATH, "1", "2"),
        modify(other, "1", "2", bob),
        Change.between(server, None, prop("x"), bob, source=Source.API),
        modify(PATH.parent.child("db"), "a", "b", source=Source.IMPORT),
        Change.between(PATH.parent.child("old"), prop("x"), None, ADMIN),
        modify(other, "2", "3", Actor("carol")),
        modify(PropertyPath.project("checkout-service"), "", "d"),
        modify(PATH, "2", "3", bob, source=Source.REVERT),
    ]
    for change in rows:
        journal.record([change])
        clock.advance(hours=1)


@pytest.mark.parametrize(
    "filters,expected",
    [
        (ActivityFilter(), 8),
        (ActivityFilter(user="bob"), 3),
        (ActivityFilter(user="bob@example.com"), 3),
        (ActivityFilter(user="alice@example.com"), 4),
        (ActivityFilter(project="checkout-service"), 5),
        (ActivityFilter(project="checkout-service-2"), 2),
        (ActivityFilter(path_prefix="/projects/checkout-service/deploy/prod/"), 4),
        (ActivityFilter(path_prefix="/projects/checkout-service"), 7),
        (ActivityFilter(path_prefix="/server"), 1),
        (ActivityFilter(source=Source.API), 1),
        (ActivityFilter(action=Action.DELETE), 1),
        (ActivityFilter(action=Action.CREATE, user="bob"), 1),
        (ActivityFilter(since=START + timedelta(hours=2)), 6),
        (ActivityFilter(until=START + timedelta(hours=2)), 2),
        (ActivityFilter(since=START + timedelta(hours=1), until=START + timedelta(hours=3)), 2),
        (ActivityFilter(user="bob", source=Source.REVERT, project="checkout-service"), 1),
    ],
)
def test_activity_filters(
    journal: Journal, clock: Clock, filters: ActivityFilter, expected: int
) -> None:
    seed_activity(journal, clock)
    page = journal.activity(filters, size=100)
    assert len(page.items) == expected
    assert [e.at for e in page.items] == sorted((e.at for e in page.items), reverse=True)


def test_activity_export_reads_everything_once_in_batches(journal: Journal, clock: Clock) -> None:
    for n in range(25):
        journal.record([modify(PATH.parent.child(f"p{n}"), "a", "b")])
        if n % 3 == 0:
            clock.advance(seconds=1)  # ties on time across batch borders
    everything = ActivityFilter()
    paged = [e for page in range(1, 5) for e in journal.activity(everything, page, size=7).items]
    exported = list(journal.iter_activity(everything, batch=7))
    assert exported == paged and len(exported) == 25
    assert len({e.id for e in exported}) == 25
    assert len(list(journal.iter_activity(ActivityFilter(user="nobody")))) == 0


def test_recent_changes_mark_a_page_of_rows_in_one_query(journal: Journal, clock: Clock) -> None:
    rows = [PATH.parent.child(f"row{n}") for n in range(100)]
    journal.record([modify(rows[3], "a", "b")])
    clock.advance(hours=30)
    journal.record([modify(rows[5], "a", "b"), modify(rows[7], "a", "b")])
    clock.advance(minutes=5)
    journal.record([modify(rows[7], "b", "c")])
    with statements(journal.database.engine) as sent:
        marks = journal.recent_changes(rows, since=clock.now - timedelta(hours=24))
    assert len(sent) == 1
    assert marks == {rows[5]: clock.now - timedelta(minutes=5), rows[7]: clock.now}
    assert journal.recent_changes([], since=clock.now) == {}


def explain(journal: Journal, sql: str, params: Any) -> str:
    """The query plan of one statement the journal sent."""
    with journal.database.engine.connect() as conn:
        cursor = conn.connection.cursor()
        if journal.database.backend == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
        conn.rollback()
    return plan


@pytest.mark.parametrize(
    "call,index",
    [
        (lambda j: j.history(PATH), "ix_journal_entries_path_at"),
        (lambda j: j.activity(ActivityFilter()), "ix_journal_entries_at"),
        (lambda j: j.activity(ActivityFilter(user="admin")), "ix_journal_entries_cd_user_at"),
        (lambda j: j.change_set("x"), "ix_journal_entries_change_set"),
        (lambda j: j.recent_changes([PATH], START), "ix_journal_entries_path_at"),
    ],
)
def test_listings_are_one_indexed_query(
    journal: Journal, call: Callable[[Journal], object], index: str
) -> None:
    journal.record([modify(PATH, "a", "b")])
    with statements(journal.database.engine) as sent:
        call(journal)
    assert len(sent) == 1
    assert index in explain(journal, *sent[0])


def test_paths_with_odd_names_round_trip(journal: Journal) -> None:
    odd = [
        PropertyPath.project("team/a b", "ci", "välue 1"),
        PropertyPath.server("%2F?#", "x y"),
        PropertyPath.artifact_version("com.example:app:1.0", "notes"),
    ]
    journal.record([modify(p, "1", "2") for p in odd])
    assert [journal.history(p).items[0].path for p in odd] == odd
    assert len(journal.activity(ActivityFilter(project="team/a b")).items) == 1


def test_a_change_needs_a_state() -> None:
    with pytest.raises(ValueError):
        Change(PATH, Kind.PROPERTY, None, None, ADMIN)
    assert Snapshot("abc").value_sha256 == sha256_text("abc")
    sheet = Change.between(PATH, None, prop(sheet=True), ADMIN)
    assert sheet.kind is Kind.SHEET and sheet.after == Snapshot(None)
