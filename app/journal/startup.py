"""Opening the journal when propdesk starts: migrate under the lock, then hand it out.

A database that is down at start does not stop propdesk (editing works without the
journal): the journal reports ``JournalUnavailable`` and migrates once it can. A schema
newer than this release does stop it (``SchemaTooNew``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from app.journal.database import Database
from app.journal.errors import JournalUnavailable
from app.journal.journal import Journal, utc_now

log = logging.getLogger(__name__)


def open_journal(
    url: str,
    *,
    keep_values: bool = True,
    retention_days: int = 0,
    pool_size: int = 5,
    clock: Callable[[], datetime] = utc_now,
) -> Journal:
    """The journal over ``url``, migrated to the newest revision when the database
    answers (one engine: call once per process)."""
    database = Database(url, pool_size=pool_size)
    journal = Journal(database, keep_values=keep_values, retention_days=retention_days, clock=clock)
    try:
        journal.upgrade()
    except JournalUnavailable as err:
        log.warning("journal database %s unavailable at start: %s", database.describe(), err)
    return journal
