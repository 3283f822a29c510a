"""The change journal: what callers record and ask (see ``app.journal`` for the API).

``Journal`` wraps one ``Database``. Every method is one short unit of work and raises
``JournalUnavailable`` when the database fails, so a caller that already changed the
upstream can say "saved, not recorded". When the schema could not be migrated at start
(database down), the journal tries again at most every ``RETRY_SCHEMA`` seconds.

A save calls ``record`` with its re-read (``seen``), other reads call ``observe``: both run
SQLAlchemy Core statements built once at import (bound parameters, one plain connection, no
ORM unit of work), since building ORM statements cost a save more than the database's own
work did. On PostgreSQL a save is one round trip (``onestep``: the re-read checked, the
entry inserted, the known state moved, in one statement in autocommit) and a read one
SELECT; on SQLite a save is one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Delete,
    Insert,
    Select,
    bindparam,
    delete,
    insert,
    select,
)

from app.cloudbees import Property, PropertyPath
from app.journal import listing, migrate, observe, onestep, queries, rows, state
from app.journal.database import Database
from app.journal.errors import JournalUnavailable
from app.journal.rows import StoredState
from app.journal.tables import ENTRIES, EntryRow
from app.journal.values import (
    ActivityFilter,
    Change,
    DatabaseState,
    Entry,
    Outcome,
    Page,
    Snapshot,
)

log = logging.getLogger(__name__)

RETRY_SCHEMA = 5.0
"""Seconds between tries to migrate a database that was down."""

PRUNE_EVERY = timedelta(days=1)
"""How often a running journal drops entries older than its retention."""

INSERT_ENTRY: Insert = insert(ENTRIES).returning(ENTRIES.c.id)
"""One entry of ``record``, its id returned."""

INSERT_ENTRIES: Insert = insert(ENTRIES).returning(ENTRIES.c.id, sort_by_parameter_order=True)
"""The entries of ``record``, one row per parameter set, their ids in that order."""

LATEST_ENTRY: Select[Any] = (
    select(ENTRIES)
    .where(
        ENTRIES.c.path == bindparam("path"),
        ENTRIES.c.outcome != Outcome.NOT_APPLIED.value,
        ENTRIES.c.id != bindparam("own"),
    )
    .order_by(ENTRIES.c.at.desc(), ENTRIES.c.id.desc())
    .limit(1)
)
"""The newest entry of a path as its history lists it (index ``path, at, id``), other
than the entry ``own`` (0: none) just written."""

SAME_ENTRY: Select[Any] = select(ENTRIES.c.id).where(
    *(ENTRIES.c[name] == bindparam(name) for name in ("path", "at", "source", "action")),
    ENTRIES.c.cd_user == bindparam("cd_user"),
)
"""An entry already written with these columns (a retried record whose first try may
have landed before its connection died)."""

DELETE_ENTRY: Delete = delete(ENTRIES).where(ENTRIES.c.id == bindparam("id"))
"""One entry, by id."""


def _insert_entries(connection: Connection, values: list[dict[str, Any]]) -> list[int]:
    """Insert one entry per item of ``values``; their ids, in order."""
    if len(values) == 1:  # a save: a plain INSERT ... RETURNING, no "insertmanyvalues"
        return [connection.execute(INSERT_ENTRY, values[0]).scalar_one()]
    return list(connection.execute(INSERT_ENTRIES, values).scalars())


def utc_now() -> datetime:
    return datetime.now(UTC)


def _same(one: Snapshot | None, other: Snapshot | None) -> bool:
    """Both absent, or both present with the same value, description and flag."""
    return other is None if one is None else one.same_as(other)


class Journal:
    """Record changes, notice changes made elsewhere, and list what happened.

    ``keep_values=False`` stores a SHA-256 of each value instead of its text;
    ``retention_days`` (0 = keep forever) is applied at most once a day, after a write.
    """

    def __init__(
        self,
        database: Database,
        *,
        keep_values: bool = True,
        retention_days: int = 0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database = database
        self.keep_values = keep_values
        self.retention_days = retention_days
        self.clock = clock
        self._lock = threading.Lock()
        self._schema_ready = False
        self._schema_tried: datetime | None = None
        self._pruned: datetime | None = None

    # -- schema and housekeeping -------------------------------------------------------------
    def upgrade(self) -> migrate.Migrated:
        """Migrate the database to the newest revision under the migration lock."""
        done = migrate.upgrade(self.database)
        self._schema_ready = True
        return done

    def _ready(self) -> None:
        """Raise ``JournalUnavailable`` unless the schema is migrated (retrying now and
        then when it could not be)."""
        if self._schema_ready:
            return
        with self._lock:
            now = self.clock()
            if self._schema_tried and now - self._schema_tried < timedelta(seconds=RETRY_SCHEMA):
                raise JournalUnavailable("the journal's database was not reachable at start")
            self._schema_tried = now
        self.upgrade()

    def prune(self, older_than_days: int) -> int:
        """Drop entries older than ``older_than_days`` days; how many went."""
        self._ready()
        cutoff = self.clock() - timedelta(days=older_than_days)
        with self.database.writing() as session:
            result = session.execute(delete(EntryRow).where(EntryRow.at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def _maybe_prune(self) -> None:
        """Apply the retention when a day has passed since the last time (never raises)."""
        if not self.retention_days:
            return
        with self._lock:
            now = self.clock()
            if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
                return
            self._pruned = now
        try:
            gone = self.prune(self.retention_days)
        except JournalUnavailable as err:
            log.warning("journal retention skipped: %s", err)
            return
        if gone:
            log.info("journal retention dropped %d entries", gone)

    def probe(self) -> DatabaseState:
        """The database's state for ``/readyz``: ``ok``, ``not_migrated`` or
        ``unavailable`` (never raises)."""
        try:
            self._ready()
            revision = migrate.current(self.database)
        except JournalUnavailable as err:
            return DatabaseState(
                "unavailable", self.database.backend, None, migrate.head(), str(err)
            )
        status = "ok" if revision == migrate.head() else "not_migrated"
        return DatabaseState(status, self.database.backend, revision, migrate.head())

    # -- writing -------------------------------------------------------------------------------
    def record(
        self, changes: Iterable[Change], seen: Mapping[PropertyPath, Property | None] | None = None
    ) -> tuple[Entry, ...]:
        """Write one entry per change (after the upstream answered), in one transaction,
        and make each change's state the known one (unknown outcomes: pending until the
        next read). ``seen``: what the writes' own re-reads showed, by path, not yet shown
        to ``observe``: checked against the known states in the same transaction (on
        PostgreSQL a single change: the same statement) and observed first only when
        they differ. Returns the entries as stored."""
        changes = list(changes)
        if not changes:
            return ()
        self._ready()
        seen = seen or {}
        if len(changes) == 1 and self.database.backend == "postgresql":
            return self._record_single(changes[0], seen)
        at = self.clock()
        values = [rows.entry_values(change, at, self.keep_values) for change in changes]
        with self.database.write_connection() as connection:
            ids = self._record_all(connection, changes, values, at, seen)
        if ids is None:  # a re-read is not the known state: observe it first, then record
            for path, prop in seen.items():
                self._observe(path, prop)
            return self.record(changes)
        return self._recorded(changes, values, ids)

    def _recorded(
        self, changes: list[Change], values: list[dict[str, Any]], ids: list[int]
    ) -> tuple[Entry, ...]:
        """The entries just written (and the retention applied, once a day)."""
        entries = tuple(
            rows.inserted(entry_id, row, change.path)
            for entry_id, row, change in zip(ids, values, changes, strict=True)
        )
        self._maybe_prune()
        return entries

    def _record_single(
        self, change: Change, seen: Mapping[PropertyPath, Property | None]
    ) -> tuple[Entry, ...]:
        """One change on PostgreSQL, in one statement. With the write's re-read in
        ``seen``, the statement writes only if the known state is what that read showed;
        else the read is observed first (an external change, a pending write settled)
        and the change recorded after it."""
        at = self.clock()
        values = rows.entry_values(change, at, self.keep_values)
        shown = None
        if change.path in seen:
            sight = observe.Sighting.of(str(change.path), seen[change.path], at, self.keep_values)
            shown = sight.columns()
        entry_id = self._record_one(change, values, at, shown)
        if entry_id is None:  # the known state is not what the re-read showed
            self._observe(change.path, seen[change.path])
            return self._record_single(change, {})
        return self._recorded([change], [values], [entry_id])

    def _record_all(
        self,
        connection: Connection,
        changes: list[Change],
        values: list[dict[str, Any]],
        at: datetime,
        seen: Mapping[PropertyPath, Property | None] | None = None,
    ) -> list[int] | None:
        """``record`` in the transaction of ``connection``: read the known states, insert
        the entries, move the states; ``None`` (nothing written) when a read in ``seen``
        is not the known state of its path (it has to be observed first)."""
        paths = [row["path"] for row in values]
        known = state.load(connection, paths)
        for path, prop in (seen or {}).items():
            sight = observe.Sighting.of(str(path), prop, at, self.keep_values)
            if observe.needs_write(known.get(str(path)), sight):
                return None
        for change, path in zip(changes, paths, strict=True):
            self._forget_own_sighting(connection, known.get(path), change, path, at)
        ids = _insert_entries(connection, values)
        for change, path, entry_id in zip(changes, paths, ids, strict=True):
            self._remember(connection, change, path, entry_id, at)
        return ids

    def _record_one(
        self,
        change: Change,
        values: dict[str, Any],
        at: datetime,
        seen: dict[str, Any] | None = None,
    ) -> int | None:
        """One change on PostgreSQL: one statement (``onestep``) in autocommit; with
        ``seen`` (the state columns the write's re-read showed) only if the known state is
        that, else nothing is written (``None``). A reader that saw this write first is
        forgotten afterwards (rare: a second statement)."""
        params = onestep.parameters(values, self._state_after(change), seen)

        def once(connection: Connection) -> tuple[int | None, StoredState | None]:
            row = connection.execute(onestep.statement(change.outcome, seen), params).first()
            if row is None or row.id is None:
                return None, None
            return row.id, onestep.known_before(row)

        def again() -> tuple[int | None, StoredState | None]:
            """The connection died unanswered: the first try may have landed."""
            with self.database.write_connection() as connection:
                found = connection.execute(SAME_ENTRY, values).scalar()
            if found is not None or seen is not None:
                return found, None  # landed, or: observe the read first, then record
            with self.database.write_connection() as connection:
                ids = self._record_all(connection, [change], [values], at)
            return ids[0] if ids else None, None

        entry_id, known = self.database.autocommit(once, again)
        if entry_id is not None and known is not None and self._own_sighting(known, change):
            self.database.autocommit(
                lambda c: self._drop_sighting(c, change, values["path"], at, entry_id)
            )
        return entry_id

    def _state_after(self, change: Change) -> dict[str, Any]:
        """The state columns of a path after ``change``: what it wrote, or (outcome
        unknown) the state before it, kept until a read settles it."""
        if change.outcome is Outcome.UNKNOWN:
            before = rows.stored(change.before, self.keep_values)
            return rows.state_columns(before, change.kind, None)
        after = rows.stored(change.after, self.keep_values)
        return rows.state_columns(after, change.kind, change.modify_time)

    def _remember(
        self, connection: Connection, change: Change, path: str, entry_id: int, at: datetime
    ) -> None:
        """Move the known state of the change's path (or mark its write pending)."""
        columns = self._state_after(change)
        if change.outcome is Outcome.UNKNOWN:
            state.mark_pending(connection, path, columns, entry_id, at)
        else:
            state.put(connection, path, columns, at)

    def _forget_own_sighting(
        self,
        connection: Connection,
        known: StoredState | None,
        change: Change,
        path: str,
        at: datetime,
    ) -> None:
        """A reader may have seen this very write before it was recorded and taken it for
        an external change (the known state already shows it): drop that entry (same
        path, same before and after, within the last minute)."""
        if known is not None and self._own_sighting(known, change):
            self._drop_sighting(connection, change, path, at, 0)

    def _own_sighting(self, known: StoredState, change: Change) -> bool:
        """The known state already shows what ``change`` wrote (a reader may have taken
        it for an external change)."""
        after = rows.stored(change.after, self.keep_values)
        before = rows.stored(change.before, self.keep_values)
        if change.outcome is not Outcome.DONE or _same(after, before):
            return False
        return _same(after, rows.known(known))

    def _drop_sighting(
        self, connection: Connection, change: Change, path: str, at: datetime, own: int
    ) -> None:
        """Drop the newest entry of ``path`` (other than ``own``) when it is an external
        entry of the last minute with the change's before and after."""
        found = connection.execute(LATEST_ENTRY, {"path": path, "own": own}).first()
        if found is None or found.source != "external" or found.at < at - timedelta(minutes=1):
            return
        seen = rows.entry(found, change.path)
        after = rows.stored(change.after, self.keep_values)
        before = rows.stored(change.before, self.keep_values)
        if _same(after, seen.after) and _same(before, seen.before):
            connection.execute(DELETE_ENTRY, {"id": found.id})

    # -- reading the upstream ------------------------------------------------------------------
    def observe(self, path: PropertyPath, prop: Property | None) -> Entry | None:
        """Compare a property as propdesk just read it (raw, ``expand=False``; ``None``
        when the read answered "not found") with the last known state. First sight:
        a silent baseline. A pending unknown write: settled. A difference: an
        ``external`` entry, returned."""
        return self._observe(path, prop)[0]

    def settle_unknown(self, path: PropertyPath, prop: Property | None) -> Entry | None:
        """Settle a write of ``path`` whose outcome was unknown against a fresh read (what
        ``observe`` also does): the settled entry, ``done`` or ``not_applied``, or
        ``None`` when nothing was pending."""
        return self._observe(path, prop)[1]

    def _observe(
        self, path: PropertyPath, prop: Property | None
    ) -> tuple[Entry | None, Entry | None]:
        self._ready()
        sight = observe.Sighting.of(str(path), prop, self.clock(), self.keep_values)
        row = self.database.autocommit(lambda connection: state.load_path(connection, sight.path))
        if not observe.needs_write(row, sight):
            return None, None
        with self.database.writing() as session:
            applied = observe.apply(session, sight)
            session.flush()
            external = rows.entry(applied.external) if applied.external else None
            settled = rows.entry(applied.settled) if applied.settled else None
        if external is not None:
            self._maybe_prune()
        return external, settled

    # -- listing -------------------------------------------------------------------------------
    def _page(self, stmt: Select[EntryRow], page: int, size: int) -> Page[Entry]:
        self._ready()
        with self.database.reading() as session:
            found = list(session.scalars(queries.paged(stmt, page, size)))
        items = tuple(rows.entry(row) for row in found[:size])
        return Page(items, page, size, has_next=len(found) > size)

    def history(self, path: PropertyPath, page: int = 1, size: int = 50) -> Page[Entry]:
        """A property's entries, newest first, one page (one indexed query)."""
        return self._page(queries.history(path), page, size)

    def activity(self, filters: ActivityFilter, page: int = 1, size: int = 50) -> Page[Entry]:
        """Every change that ``filters`` admit, newest first, one page."""
        return self._page(queries.activity(filters), page, size)

    def iter_activity(self, filters: ActivityFilter, batch: int = 500) -> Iterator[Entry]:
        """Every change that ``filters`` admit, newest first, read in batches of short
        transactions (for a streamed CSV download)."""
        self._ready()
        last: tuple[datetime, int] | None = None
        while True:
            with self.database.reading() as session:
                found = list(session.scalars(queries.batch_after(filters, last, batch)))
            yield from (rows.entry(row) for row in found)
            if len(found) < batch:
                return
            last = (found[-1].at, found[-1].id)

    def list_entries(self, wanted: listing.Listing) -> tuple[tuple[Entry, ...], int]:
        """One page of ``wanted`` (see ``app.journal.listing``) and how many entries match
        it before paging: filtered, sorted and cut in SQL, counted only when the page
        cannot tell."""
        self._ready()
        with self.database.reading() as session:
            found = tuple(rows.entry(row) for row in session.scalars(listing.page(wanted)))
            short = wanted.limit is None or len(found) < wanted.limit
            if short and (found or not wanted.offset):
                return found, wanted.offset + len(found)
            return found, int(session.scalar(listing.total(wanted)) or 0)

    def recent_changes(
        self, paths: Iterable[PropertyPath], since: datetime
    ) -> dict[PropertyPath, datetime]:
        """For a page of rows: the newest change time at or after ``since`` of each path
        that has one (one query; e.g. ``since`` = now - 24 h for the row markers)."""
        wanted = {str(path): path for path in paths}
        found = self.recent_times(wanted, since)
        return {wanted[path]: at for path, at in found.items()}

    def recent_times(self, paths: Iterable[str], since: datetime) -> dict[str, datetime]:
        """``recent_changes`` of paths given as text (a sheet page's rows, without a
        ``PropertyPath`` built per row): one statement built at import, on a plain
        connection without a transaction around it."""
        wanted = list(paths)
        if not wanted:
            return {}
        self._ready()
        params = {"paths": wanted, "since": since}
        found = self.database.autocommit(
            lambda conn: conn.execute(queries.RECENT_CHANGES, params).all()
        )
        return {path: at for path, at in found}

    def entry(self, entry_id: int) -> Entry | None:
        """One entry by id (e.g. the one to restore), or ``None``."""
        self._ready()
        with self.database.reading() as session:
            row = session.get(EntryRow, entry_id)
            return rows.entry(row) if row is not None else None

    def change_set(self, change_set_id: str) -> tuple[Entry, ...]:
        """The entries of one change set, in the order they were written."""
        self._ready()
        with self.database.reading() as session:
            return tuple(
                rows.entry(row) for row in session.scalars(queries.change_set(change_set_id))
            )
