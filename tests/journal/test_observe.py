"""Changes made outside propdesk are noticed when propdesk reads a property; writes whose
outcome is unknown are settled by the next read."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from app.journal import (
    Action,
    Actor,
    Change,
    Journal,
    Kind,
    Outcome,
    Snapshot,
    Source,
    open_journal,
)
from tests.journal.support import ADMIN, LATER, PATH, Clock, prop, statements

UNKNOWN = Outcome.UNKNOWN


def test_first_sight_is_a_silent_baseline_and_rereads_write_nothing(journal: Journal) -> None:
    assert journal.observe(PATH, prop("v1")) is None
    assert journal.history(PATH).items == ()
    with statements(journal.database.engine) as sent:
        assert journal.observe(PATH, prop("v1")) is None
    assert len(sent) == 1 and sent[0][0].lstrip().upper().startswith("SELECT")
    assert journal.observe(PATH.parent.child("never-seen"), None) is None


def test_a_change_made_elsewhere_becomes_an_external_entry(journal: Journal, clock: Clock) -> None:
    journal.observe(PATH, prop("v1", by="admin"))
    clock.advance(minutes=10)
    seen = journal.observe(PATH, prop("v2", modified=LATER, by="scripted-deployer"))
    assert seen is not None and seen.external and seen.source is Source.EXTERNAL
    assert seen.actor == Actor("scripted-deployer") and seen.modify_time == LATER
    assert seen.at == clock.now and seen.action is Action.MODIFY
    assert seen.before == Snapshot("v1") and seen.after == Snapshot("v2")
    assert journal.observe(PATH, prop("v2", modified=LATER)) is None
    assert journal.history(PATH).items == (seen,)


def test_a_new_modify_time_alone_is_a_change(journal: Journal) -> None:
    journal.observe(PATH, prop("same"))
    seen = journal.observe(PATH, prop("same", modified=LATER, by="bob"))
    assert seen is not None and seen.before == seen.after == Snapshot("same")


def test_description_and_flag_changes_count_but_a_sheets_time_does_not(journal: Journal) -> None:
    journal.observe(PATH, prop("v", description="old"))
    assert journal.observe(PATH, prop("v", description="new")) is not None
    assert journal.observe(PATH, prop("v", description="new", expandable=False)) is not None
    sheet = PATH.parent
    journal.observe(sheet, prop(sheet=True))
    assert journal.observe(sheet, prop(sheet=True, modified=LATER)) is None
    assert journal.observe(sheet, prop(sheet=True, description="d", modified=LATER)) is not None


def test_deleted_and_recreated_elsewhere(journal: Journal) -> None:
    journal.observe(PATH, prop("v1"))
    gone = journal.observe(PATH, None)
    assert gone is not None and gone.action is Action.DELETE and gone.after is None
    assert journal.observe(PATH, None) is None
    back = journal.observe(PATH, prop("v9", modified=LATER, by="bob"))
    assert back is not None and back.action is Action.CREATE and back.before is None


def test_propdesks_own_writes_are_not_external(journal: Journal) -> None:
    journal.observe(PATH, prop("v1"))
    journal.record([Change.between(PATH, prop("v1"), prop("v2", modified=LATER), ADMIN)])
    assert journal.observe(PATH, prop("v2", modified=LATER)) is None
    journal.record([Change.between(PATH, prop("v2", modified=LATER), None, ADMIN)])
    assert journal.observe(PATH, None) is None
    assert [e.source for e in journal.history(PATH).items] == [Source.UI, Source.UI]


def test_a_write_seen_before_it_was_recorded_is_recorded_once(journal: Journal) -> None:
    journal.observe(PATH, prop("v1"))
    after = prop("v2", modified=LATER, by="admin")
    assert journal.observe(PATH, after) is not None  # a page read raced the save's record
    journal.record([Change.between(PATH, prop("v1"), after, ADMIN)])
    assert [(e.source, e.actor) for e in journal.history(PATH).items] == [(Source.UI, ADMIN)]


def test_readers_noticing_one_change_at_once_record_it_once(
    database_url: str, journal: Journal
) -> None:
    journal.observe(PATH, prop("v1"))
    readers = [open_journal(database_url) for _ in range(6)]
    barrier = threading.Barrier(len(readers))
    errors: list[BaseException] = []

    def read(reader: Journal) -> None:
        barrier.wait()
        try:
            reader.observe(PATH, prop("v2", modified=LATER, by="bob"))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=read, args=(r,)) for r in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for reader in readers:
        reader.database.dispose()
    assert errors == []
    assert len(journal.history(PATH).items) == 1


def test_an_unknown_outcome_that_landed_is_settled_done(journal: Journal) -> None:
    journal.observe(PATH, prop("v1"))
    change = Change.between(PATH, prop("v1"), prop("v2"), ADMIN, outcome=Outcome.UNKNOWN)
    pending = journal.record([change])[0]
    assert pending.outcome is Outcome.UNKNOWN
    assert journal.history(PATH).items[0].outcome is Outcome.UNKNOWN
    settled = journal.settle_unknown(PATH, prop("v2", modified=LATER))
    assert settled is not None and settled.id == pending.id
    assert settled.outcome is Outcome.DONE and settled.modify_time == LATER
    assert journal.observe(PATH, prop("v2", modified=LATER)) is None
    assert [e.outcome for e in journal.history(PATH).items] == [Outcome.DONE]


def test_an_unknown_outcome_that_did_not_land_is_settled_and_hidden(journal: Journal) -> None:
    journal.observe(PATH, prop("v1"))
    change = Change.between(PATH, prop("v1"), prop("v2"), ADMIN, outcome=Outcome.UNKNOWN)
    pending = journal.record([change])[0]
    assert journal.observe(PATH, prop("v1")) is None  # the read settles it: no external entry
    assert journal.history(PATH).items == ()
    found = journal.entry(pending.id)
    assert found is not None and found.outcome is Outcome.NOT_APPLIED
    assert journal.settle_unknown(PATH, prop("v1")) is None  # nothing pending any more


@pytest.mark.parametrize("landed", [True, False])
def test_a_create_of_unknown_outcome_is_settled_by_the_next_read(
    journal: Journal, landed: bool
) -> None:
    made = prop("v1", modified=LATER)
    (pending,) = journal.record([Change.between(PATH, None, made, ADMIN, outcome=UNKNOWN)])
    assert pending.action is Action.CREATE and pending.outcome is Outcome.UNKNOWN
    settled = journal.settle_unknown(PATH, made if landed else None)
    assert settled is not None and settled.id == pending.id
    assert settled.outcome is (Outcome.DONE if landed else Outcome.NOT_APPLIED)
    assert journal.observe(PATH, made if landed else None) is None  # the state moved with it
    assert len(journal.history(PATH).items) == (1 if landed else 0)


@pytest.mark.parametrize("landed", [True, False])
def test_a_delete_of_unknown_outcome_is_settled_by_the_next_read(
    journal: Journal, landed: bool
) -> None:
    journal.observe(PATH, prop("v1"))
    (pending,) = journal.record([Change.between(PATH, prop("v1"), None, ADMIN, outcome=UNKNOWN)])
    assert pending.action is Action.DELETE and pending.outcome is Outcome.UNKNOWN
    settled = journal.settle_unknown(PATH, None if landed else prop("v1"))
    assert settled is not None and settled.id == pending.id
    assert settled.outcome is (Outcome.DONE if landed else Outcome.NOT_APPLIED)
    assert journal.observe(PATH, None if landed else prop("v1")) is None
    late = journal.observe(PATH, prop("v1") if landed else None)  # then changed elsewhere
    assert late is not None and late.external


def test_an_unknown_write_then_another_change_elsewhere(journal: Journal) -> None:
    journal.observe(PATH, prop("v1"))
    journal.record([Change.between(PATH, prop("v1"), prop("v2"), ADMIN, outcome=Outcome.UNKNOWN)])
    seen = journal.observe(PATH, prop("v3", modified=LATER, by="bob"))
    assert seen is not None and seen.before == Snapshot("v1") and seen.after == Snapshot("v3")


def test_a_recorded_state_without_modify_time_adopts_the_next_one(journal: Journal) -> None:
    journal.record([Change(PATH, Kind.PROPERTY, None, Snapshot("v"), ADMIN)])
    assert journal.observe(PATH, prop("v", modified=LATER)) is None
    assert journal.observe(PATH, prop("v", modified=LATER + timedelta(1))) is not None


def test_a_writes_own_reread_is_checked_with_its_record(journal: Journal) -> None:
    # The save's re-read is shown to the journal with its record (``seen``), on
    # PostgreSQL in the record's one statement: nothing else is sent when it matches.
    journal.observe(PATH, prop("v1"))
    change = Change.between(PATH, prop("v1"), prop("v2", modified=LATER), ADMIN)
    with statements(journal.database.engine) as sent:
        (entry,) = journal.record([change], seen={PATH: prop("v1")})
    if journal.database.backend == "postgresql":
        assert len(sent) == 1
    assert [e.id for e in journal.history(PATH).items] == [entry.id]
    assert journal.observe(PATH, prop("v2", modified=LATER)) is None


def test_a_reread_showing_a_change_elsewhere_is_recorded_before_the_write(
    journal: Journal, clock: Clock
) -> None:
    journal.observe(PATH, prop("v1"))
    theirs = prop("v2", modified=LATER, by="bob")
    clock.advance(minutes=1)
    change = Change.between(PATH, theirs, prop("v3", modified=LATER + timedelta(minutes=1)), ADMIN)
    (mine,) = journal.record([change], seen={PATH: theirs})
    newest, external = journal.history(PATH).items
    assert newest.id == mine.id and newest.source is Source.UI
    assert external.external and external.before == Snapshot("v1")
    assert external.after == Snapshot("v2") and external.actor.cd_user == "bob"


@pytest.mark.parametrize("first_sight", [True, False])
def test_a_reread_never_seen_or_pending_is_observed_first(
    journal: Journal, first_sight: bool
) -> None:
    if not first_sight:  # a save of unknown outcome, which landed
        journal.observe(PATH, prop("v0"))
        journal.record([Change.between(PATH, prop("v0"), prop("v1"), ADMIN, outcome=UNKNOWN)])
    change = Change.between(PATH, prop("v1"), prop("v2", modified=LATER), ADMIN)
    journal.record([change], seen={PATH: prop("v1")})
    found = journal.history(PATH).items
    assert [e.after for e in found] == [Snapshot("v2")] + ([] if first_sight else [Snapshot("v1")])
    assert all(e.outcome is Outcome.DONE and not e.external for e in found)
