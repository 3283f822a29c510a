"""``Journal.list_entries`` (``app.journal.listing``) behind ``GET /api/v1/changes``: every
page SQL cuts equals the page the API cut in memory before (all entries read, the key's
prefixes and the filters applied in Python, then ``collections.apply``), on SQLite and
PostgreSQL, for queries hypothesis draws over a journal with NULLs, entries in the same
millisecond, look-alike paths and writes that did not land."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from werkzeug.datastructures import MultiDict

from app.api.changes import FIELDS, answer, entry_json
from app.api.collections import Kind, apply, parse_query
from app.api.representation import stamp
from app.cloudbees import PropertyPath
from app.journal import (
    Action,
    ActivityFilter,
    Actor,
    Change,
    Journal,
    Outcome,
    Snapshot,
    Source,
)
from app.journal import Kind as EntryKind
from app.journal.listing import Criterion, Listing
from app.journal.rows import entry_values
from app.journal.tables import EntryRow
from app.keys.models import ApiKey
from tests.journal.support import START

PATHS = [
    PropertyPath.project("A"),
    PropertyPath.project("A", "s"),
    PropertyPath.project("A", "s", "x"),
    PropertyPath.project("A", "sx"),
    PropertyPath.project("AB", "s"),
    PropertyPath.project("A/B", "t"),
    PropertyPath.server("é", "ü"),
    PropertyPath.server("Z"),
]
USERS = [Actor("admin", "key:bot"), Actor("alice", ""), Actor("Bob", "bob@example.com")]
SOURCES = list(Source)
ACTIONS = [Action.CREATE, Action.MODIFY, Action.DELETE]
OUTCOMES = [Outcome.DONE, Outcome.DONE, Outcome.UNKNOWN, Outcome.NOT_APPLIED]
ENTRIES = 64


def seeded(i: int) -> tuple[Change, datetime]:
    """The ``i``-th entry: every few share a millisecond, some lack a change set or a
    modify time."""
    at = START + timedelta(milliseconds=i // 3, microseconds=(i * 337) % 1000)
    before = None if ACTIONS[i % 3] is Action.CREATE else Snapshot(f"v{i}")
    after = None if ACTIONS[i % 3] is Action.DELETE else Snapshot(f"v{i + 1}", f"d{i % 4}")
    change = Change(
        PATHS[i % len(PATHS)],
        EntryKind.PROPERTY,
        before,
        after,
        USERS[i % len(USERS)],
        SOURCES[i % len(SOURCES)],
        modify_time=None if i % 5 == 0 else at - timedelta(seconds=i % 7),
        change_set=None if i % 4 else f"set-{i % 3}",
        outcome=OUTCOMES[i % len(OUTCOMES)],
    )
    return change, at


def seed(journal: Journal) -> list[dict[str, Any]]:
    """The seeded journal, and every entry as the API shows it (newest first)."""
    batch = [entry_values(*seeded(i), True) for i in range(ENTRIES)]
    with journal.database.writing() as session:
        session.execute(insert(EntryRow), batch)
    return [entry_json(entry) for entry in journal.iter_activity(ActivityFilter())]


def key_of(prefixes: tuple[str, ...]) -> ApiKey:
    now = datetime.now(UTC)
    return ApiKey(1, "k", "admin", False, prefixes, now, now + timedelta(days=1))


def in_memory(
    rows: list[dict[str, Any]], key: ApiKey, args: MultiDict[str, str], prefixes: list[str]
) -> tuple[list[dict[str, Any]], int]:
    """What ``GET /api/v1/changes`` answered before SQL did the work."""
    seen = [
        row
        for row in rows
        if key.covers(PropertyPath.parse(row["path"]))
        and (not prefixes or any(row["path"].startswith(p) for p in prefixes))
    ]
    return apply(seen, parse_query(args, FIELDS, extra=("path__startswith",)))


TEXT_VALUES = ["admin", "alice", "bob", "Bob", "api", "ui", "done", "modify", "", "a", "\x00"]
STAMPS = [stamp(START + timedelta(milliseconds=n)) or "" for n in (0, 1, 5, 21, 30)]
TIME_VALUES = [*STAMPS, "2026-03-01T12:00", "2026-03-01T11:59:59.999Z", "2027", "Z"]
ID_VALUES = ["1", "7", "30", "64", "-1", str(2**70)]
OPS = ["", "__eq", "__ne", "__lt", "__le", "__gt", "__ge", "__in", "__notin", "__contains"]


@st.composite
def a_filter(draw: st.DrawFn) -> list[tuple[str, str]]:
    field = draw(st.sampled_from([f for f, kind in FIELDS.items() if kind is not Kind.OBJECT]))
    ops = OPS[:-1] if FIELDS[field] is Kind.INT else OPS
    op = draw(st.sampled_from(ops))
    if field == "id":
        pool = ID_VALUES
    elif field in ("at", "modifyTime"):
        pool = TIME_VALUES
    elif field == "path":
        pool = [str(p) for p in PATHS] + ["/projects/A", "/server/é", "/projects/A/s/"]
    else:
        pool = [*TEXT_VALUES, "key:bot", "set-1", "external", "create", "unknown", "not_applied"]
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    return [(field + op, value) for value in values]


@st.composite
def a_query(draw: st.DrawFn) -> tuple[MultiDict[str, str], list[str], tuple[str, ...]]:
    pairs: list[tuple[str, str]] = []
    for flt in draw(st.lists(a_filter(), max_size=2)):
        pairs += flt
    orderable = [f for f, kind in FIELDS.items() if kind is not Kind.OBJECT]
    for name in draw(st.lists(st.sampled_from(orderable), max_size=2)):
        pairs.append(("order", draw(st.sampled_from(["", "-"])) + name))
    pairs.append(("offset", str(draw(st.integers(0, 70)))))
    pairs.append(("limit", str(draw(st.integers(1, 100)))))
    for field in draw(st.lists(st.sampled_from(["id", "path", "after", "user"]), max_size=2)):
        pairs.append(("field", field))
    starts = ["/projects/A", "/projects/A/", "/projects/AB", "/pro", "", "/server/é", "\x00"]
    prefixes = draw(st.lists(st.sampled_from(starts), max_size=2))
    owned = [(), ("/projects/A",), ("/projects/A/s",), ("/projects/AB", "/server")]
    return MultiDict(pairs), prefixes, draw(st.sampled_from(owned))


def test_sql_pages_equal_the_in_memory_pages(journal: Journal) -> None:
    rows = seed(journal)
    assert len(rows) == ENTRIES - ENTRIES // len(OUTCOMES)  # not_applied never listed

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(a_query())
    def same(drawn: tuple[MultiDict[str, str], list[str], tuple[str, ...]]) -> None:
        args, prefixes, owned = drawn
        key = key_of(owned)
        query = parse_query(args, FIELDS, extra=("path__startswith",))
        assert answer(journal, key, query, prefixes) == in_memory(rows, key, args, prefixes)

    same()


def test_one_page_reads_one_page(journal: Journal) -> None:
    """Without filters left to Python, only the page's rows are read; the total is counted
    in SQL (and not at all when the page is short)."""
    rows = seed(journal)
    found, total = journal.list_entries(Listing(offset=10, limit=5))
    assert [entry.id for entry in found] == [row["id"] for row in rows[10:15]]
    assert total == len(rows)
    late = Listing(criteria=(Criterion("cd_user", "eq", ("alice",)),), offset=20, limit=50)
    found, total = journal.list_entries(late)
    alice = [row["id"] for row in rows if row["user"] == "alice"]
    assert [entry.id for entry in found] == alice[20:] and total == len(alice)
    assert journal.list_entries(Listing(offset=1000, limit=5)) == ((), len(rows))
