"""propdesk's own database and the change journal (SQLAlchemy 2 + Alembic; no Flask).

It knows the client's types (``Property``, ``PropertyPath``), never HTTP. Views and hooks
reach the one ``Journal`` of the process as ``services().journal``.

Recording a change, after the upstream answered (one insert per change)::

    from app.journal import Actor, Change, JournalUnavailable, Source

    change = Change.between(path, before_prop, after_prop, Actor(cd_user, sso_user))
    try:
        journal.record([change])            # several changes: pass change_set=new_change_set()
        # a save: journal.record([change], seen={path: re_read}) checks its re-read too
    except JournalUnavailable:
        ...                                 # "saved, not recorded"; count it, never a 500

    # a save, create or delete that timed out: record it with outcome=Outcome.UNKNOWN (the
    # state it meant to leave as ``after``); the next read settles it

Reading the upstream (a property's page, an editor, a save's re-read; the property read
raw, ``expand=False``; ``None`` when it answered "not found")::

    journal.observe(path, prop) -> Entry | None       # an ``external`` entry, if it changed
    journal.settle_unknown(path, prop) -> Entry | None

Listing (newest first, ``Page`` numbered from 1, ``has_next`` instead of a total)::

    journal.history(path, page=1, size=50) -> Page[Entry]
    journal.activity(ActivityFilter(user=..., path_prefix=..., project=..., source=...,
                     action=..., since=..., until=...), page=1, size=50) -> Page[Entry]
    journal.iter_activity(filters, batch=500) -> Iterator[Entry]      # CSV export
    journal.recent_changes(paths, since) -> dict[PropertyPath, datetime]  # row markers
    journal.recent_times(path_texts, since) -> dict[str, datetime]       # the same, as text
    journal.entry(entry_id) -> Entry | None                           # "restore this version"
    journal.change_set(change_set_id) -> tuple[Entry, ...]
    journal.list_entries(listing.Listing(...)) -> (entries, total)   # API collection, in SQL

Housekeeping: ``journal.prune(older_than_days) -> int`` (also applied daily from
``PROPDESK_JOURNAL_DAYS``), ``journal.probe() -> DatabaseState`` (for ``/readyz``),
``journal.upgrade()``; ``app.journal.migrate`` has ``upgrade``, ``current`` and ``head``.

With ``PROPDESK_JOURNAL_VALUES=0`` entries keep a SHA-256 of each value (``Snapshot.value``
is ``None``, ``value_sha256`` set, ``value_hidden`` true): diffs can say "changed" only.

Modules: ``values`` (domain values), ``errors``, ``database`` (engine, units of work),
``tables`` (models), ``migrate`` and ``migrations/`` (Alembic), ``journal`` (the API),
``onestep`` (a save's record in one PostgreSQL statement), ``observe`` and ``state``
(external changes), ``queries``, ``listing`` (filtered, sorted, paged lists), ``rows``,
``startup``.
"""

from app.journal.database import Database
from app.journal.errors import JournalError, JournalUnavailable, SchemaTooNew
from app.journal.journal import Journal
from app.journal.startup import open_journal
from app.journal.values import (
    Action,
    ActivityFilter,
    Actor,
    Change,
    DatabaseState,
    Entry,
    Kind,
    Outcome,
    Page,
    Snapshot,
    Source,
    new_change_set,
    sha256_text,
)

__all__ = [
    "Action",
    "ActivityFilter",
    "Actor",
    "Change",
    "Database",
    "DatabaseState",
    "Entry",
    "Journal",
    "JournalError",
    "JournalUnavailable",
    "Kind",
    "Outcome",
    "Page",
    "SchemaTooNew",
    "Snapshot",
    "Source",
    "new_change_set",
    "open_journal",
    "sha256_text",
]
