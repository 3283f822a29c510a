"""Retention drops old entries (on demand and daily by itself); with
``PROPDESK_JOURNAL_VALUES=0`` the journal keeps only a SHA-256 of each value."""

from __future__ import annotations

from sqlalchemy import text

from app.journal import Actor, Change, Journal, Kind, Snapshot, open_journal, sha256_text
from tests.journal.support import LATER, PATH, Clock, prop

ADMIN = Actor("admin")
SECRET = "hunter2-db-password"


def edit(old: str, new: str) -> Change:
    return Change(PATH, Kind.PROPERTY, Snapshot(old), Snapshot(new), ADMIN)


def test_prune_drops_entries_older_than_the_retention(journal: Journal, clock: Clock) -> None:
    journal.observe(PATH, prop("0"))
    for n in range(5):
        journal.record([edit(str(n), str(n + 1))])
        clock.advance(days=10)
    assert journal.prune(older_than_days=25) == 3
    assert [e.after.value for e in journal.history(PATH).items if e.after] == ["5", "4"]
    assert journal.prune(older_than_days=25) == 0
    # the known state outlives the entries: what propdesk wrote last is no change
    assert journal.observe(PATH, prop("5", modified=LATER)) is None
    assert journal.observe(PATH, prop("6", modified=LATER)) is not None


def test_retention_runs_by_itself_once_a_day(database_url: str, clock: Clock) -> None:
    journal = open_journal(database_url, clock=clock, retention_days=30)
    try:
        journal.record([edit("a", "b")])
        clock.advance(days=31)
        journal.record([edit("b", "c")])  # first write of this process: prunes now
        assert len(journal.history(PATH).items) == 1
        clock.advance(days=31)
        journal.record([edit("c", "d")])  # a day since the last pruning: again
        assert len(journal.history(PATH).items) == 1
    finally:
        journal.database.dispose()


def test_hashed_values_keep_no_text(hashed_journal: Journal) -> None:
    journal = hashed_journal
    entry = journal.record([edit("old-" + SECRET, SECRET)])[0]
    assert entry.after is not None and entry.after.value is None and entry.after.value_hidden
    assert entry.after.value_sha256 == sha256_text(SECRET)
    assert entry.before is not None and entry.before.value_sha256 == sha256_text("old-" + SECRET)
    with journal.database.engine.connect() as conn:
        cells = [*conn.execute(text("SELECT * FROM journal_entries"))]
        cells += [*conn.execute(text("SELECT * FROM journal_state"))]
    assert not any(SECRET in str(cell) for row in cells for cell in row)
    if journal.database.sqlite_file is not None:
        journal.database.dispose()  # checkpoint the WAL into the file
        raw = b"".join(p.read_bytes() for p in journal.database.sqlite_file.parent.iterdir())
        assert SECRET.encode() not in raw


def test_hashed_values_still_notice_changes(hashed_journal: Journal) -> None:
    journal = hashed_journal
    journal.observe(PATH, prop(SECRET))
    assert journal.observe(PATH, prop(SECRET)) is None
    seen = journal.observe(PATH, prop(SECRET + "!", modified=LATER, by="bob"))
    assert seen is not None and seen.before is not None and seen.after is not None
    assert seen.before.value is None and seen.before.value_sha256 == sha256_text(SECRET)
    assert not seen.before.same_as(seen.after)


def test_retention_keeps_entries_when_days_is_zero(database_url: str, clock: Clock) -> None:
    journal = open_journal(database_url, clock=clock, retention_days=0)
    try:
        journal.record([edit("a", "b")])
        clock.advance(days=5000)
        journal.record([edit("b", "c")])
        assert len(journal.history(PATH).items) == 2
    finally:
        journal.database.dispose()
