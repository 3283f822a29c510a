"""Schema migrations of propdesk's database, run under a lock so that replicas and
gunicorn workers starting together never race.

``upgrade(database)`` brings the schema to the newest revision: nothing to do is one
query; otherwise it takes the migration lock (PostgreSQL: ``pg_advisory_lock`` on the
migrating connection; SQLite: ``flock`` on ``<file>.migrate.lock`` next to the database),
reads the revision again and runs the pending Alembic revisions in one transaction.
``current(database)`` and ``head()`` name the revisions (``propdesk db current``).

Alembic (and Mako, which it loads) costs each worker about 12 MB, so it is imported only
when a migration runs or an unknown revision is looked up: the usual start, a database
already at ``HEAD``, reads ``alembic_version`` with one plain query.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from app.journal.database import Database
from app.journal.errors import SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0003"
"""The newest revision, without loading Alembic (a test checks it against Alembic's head)."""
ADVISORY_LOCK_KEY = 0x7072_6F70_6465_736B  # "propdesk" as a bigint
"""The PostgreSQL advisory lock that serialises migrations (the same in every replica)."""


@dataclass(frozen=True)
class Migrated:
    """What ``upgrade`` did: the revision before and after (``None`` = empty database)."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(connection: Connection | None = None) -> Config:
    """An Alembic configuration without alembic.ini (one per run: it carries the
    connection)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this propdesk knows."""
    return HEAD


def alembic_head() -> str:
    """The newest revision as Alembic reads it from ``migrations/versions`` (``HEAD``
    must equal it)."""
    found = _script().get_current_head()
    assert found is not None, "the journal has no migrations"
    return found


def known_revisions() -> frozenset[str]:
    """Every revision this propdesk knows."""
    return frozenset(rev.revision for rev in _script().walk_revisions())


def _revision_on(connection: Connection) -> str | None:
    """The revision in ``alembic_version`` (``None``: no table or no row, an empty
    database), as Alembic reads it, without loading Alembic."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def current(database: Database) -> str | None:
    """The database's revision; ``None`` for an empty database (or no SQLite file yet)."""
    if database.sqlite_file is not None and not database.sqlite_file.exists():
        return None
    with database.connect() as connection:
        return _revision_on(connection)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def migration_lock(database: Database, connection: Connection) -> Iterator[None]:
    """Hold the migration lock of ``database`` (waits for another holder to finish)."""
    sqlite_file = database.sqlite_file
    if sqlite_file is not None:
        with _file_lock(sqlite_file.with_name(sqlite_file.name + ".migrate.lock")):
            yield
        return
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        connection.commit()


def _check_known(revision: str | None, database: Database) -> None:
    if revision is not None and revision != HEAD and revision not in known_revisions():
        raise SchemaTooNew(
            f"{database.describe()} is at revision {revision}, which this propdesk does not "
            f"know (newest known: {head()}); run the propdesk release that migrated it"
        )


def upgrade(database: Database, target: str = "head") -> Migrated:
    """Migrate ``database`` to ``target`` under the migration lock; a database already at
    the newest revision costs one query and no lock."""
    database.prepare()
    seen = current(database)
    _check_known(seen, database)
    if target == "head" and seen == head():
        return Migrated(seen, seen)
    with (
        database.connect(sqlite_begin="IMMEDIATE") as connection,
        migration_lock(database, connection),
        connection.begin(),
    ):
        before = _revision_on(connection)
        _check_known(before, database)
        from alembic import command

        command.upgrade(_config(connection), target)
        done = Migrated(before, _revision_on(connection))
    if done.changed:
        log.info(
            "journal database %s migrated from %s to %s", database.describe(), before, done.after
        )
    return done


def downgrade(database: Database, target: str) -> Migrated:
    """Migrate ``database`` back to ``target`` (``base`` = empty) under the lock; for
    tests and for operators undoing a release."""
    with (
        database.connect(sqlite_begin="IMMEDIATE") as connection,
        migration_lock(database, connection),
        connection.begin(),
    ):
        before = _revision_on(connection)
        from alembic import command

        command.downgrade(_config(connection), target)
        after = _revision_on(connection)
    return Migrated(before, after)
