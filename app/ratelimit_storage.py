"""A ``limits`` storage in one SQLite file, so login limits count across gunicorn workers
(and processes on one host) without Redis.

``limits`` ships memory, Redis, Memcached, MongoDB and etcd storages; memory counts per
process. This one registers the scheme ``propdesk+sqlite:///<path>`` and supports the
fixed-window strategy (Flask-Limiter's default): one row per key with its count and the
end of its window, changed by one atomic ``INSERT ... ON CONFLICT ... RETURNING``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from limits.storage import Storage

from app.sessions.stores import private_folder

SCHEME = "propdesk+sqlite"
BUSY_TIMEOUT = 5.0  # seconds a writer waits for another one (SQLite locks, not a sleep)

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires);
"""

INCREMENT = """
INSERT INTO counters (key, value, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN counters.expires <= :now THEN :amount ELSE counters.value + :amount END,
    expires = CASE WHEN counters.expires <= :now THEN :expires ELSE counters.expires END
RETURNING value
"""


def storage_uri(path: Path) -> str:
    """The storage URI of a SQLite file at ``path`` (Flask-Limiter's ``storage_uri``)."""
    return f"{SCHEME}://{quote(str(path.resolve()))}"


class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file, one connection per thread and process."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the base class declares it a plain list)

    def __init__(
        self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(unquote(urlsplit(uri).path))
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """What ``limits`` wraps in ``StorageError`` (with ``wrap_exceptions=True``)."""
        return (sqlite3.Error, OSError)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            private_folder(self.path.parent)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            os.chmod(self.path, 0o600)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key``'s count; a new window of ``expiry`` seconds starts
        when the last one is over. Returns the count."""
        now = time.time()
        db = self._db()
        params = {"key": key, "amount": amount, "expires": now + expiry, "now": now}
        (value,) = db.execute(INCREMENT, params).fetchone()
        if value == amount:  # a new window: drop the windows that are over
            db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(value)

    def get(self, key: str) -> int:
        """The count of ``key`` in its current window (0 when none)."""
        row = (
            self._db()
            .execute("SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        """When ``key``'s window ends (now, when it has none)."""
        now = time.time()
        row = (
            self._db()
            .execute("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        """Whether the file answers."""
        try:
            self._db().execute("SELECT 1").fetchone()
        except (sqlite3.Error, OSError):
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; returns how many were dropped."""
        return int(self._db().execute("DELETE FROM counters").rowcount)

    def clear(self, key: str) -> None:
        """Forget ``key``'s count."""
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
