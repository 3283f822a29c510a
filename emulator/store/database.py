"""The emulator's SQLite store: connections, transactions, users and sessions.

One connection per thread, WAL journal, and every write in a ``BEGIN IMMEDIATE``
transaction, so concurrent writers queue instead of losing updates. The queries on
properties, owners and artifacts come from the ``*Queries`` classes this one inherits.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from emulator.store.artifacts import ArtifactQueries
from emulator.store.owners import OwnerQueries
from emulator.store.schema import BUILTIN_USERS, SCHEMA, now_iso

_SESSION_ALPHABET = string.ascii_uppercase + string.digits
# A session's last use is written only when it is older than this, to spare a write per call.
_TOUCH_AFTER = 1.0


class Store(OwnerQueries, ArtifactQueries):
    """All state of one emulator, in one SQLite file.

    ``clock`` (seconds since the epoch) decides when a session has been idle too long;
    tests pass their own to expire sessions without waiting.
    """

    def __init__(self, db_path: Path, clock: Callable[[], float] = time.time) -> None:
        self.db_path = db_path
        self.clock = clock
        self._local = threading.local()
        self._conn().executescript(SCHEMA)
        with self.write() as c:
            self._bootstrap(c)

    def _bootstrap(self, c: sqlite3.Connection) -> None:
        """The built-in users, the server's sheet, the ``default`` repository and project."""
        for name, password, token, can_write in BUILTIN_USERS:
            c.execute(
                "INSERT OR IGNORE INTO users(name, password, token, can_write) VALUES (?,?,?,?)",
                (name, password, token, can_write),
            )
        if c.execute("SELECT 1 FROM server").fetchone() is None:
            sheet = self.new_sheet(c, "admin")
            c.execute("INSERT INTO server(id, sheet_id) VALUES (1, ?)", (sheet,))
        if not self.has_repository(c, "default"):
            self.create_repository(c, "default", "The default repository", "", "admin", now_iso())
        if not self.has_project(c, "Default"):
            self.create_project(c, "Default", "", "admin")

    # -- connections and transactions ------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, opened (WAL, foreign keys) on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """A transaction opened with ``begin``: committed, or rolled back on any error."""
        conn = self._conn()
        conn.execute(begin)
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def write(self) -> AbstractContextManager[sqlite3.Connection]:
        """A serialised write transaction."""
        return self._transaction("BEGIN IMMEDIATE")

    def read(self) -> AbstractContextManager[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for multi-statement reads (nothing in
        it writes, so ending it on an error by a rollback instead of a commit is the same)."""
        return self._transaction("BEGIN")

    # -- users and sessions ----------------------------------------------------------------
    def check_password(self, user: str, password: str) -> bool:
        """Whether ``password`` is ``user``'s (compared in constant time)."""
        row = self._conn().execute("SELECT password FROM users WHERE name=?", (user,)).fetchone()
        return row is not None and secrets.compare_digest(
            row["password"].encode(), password.encode()
        )

    def user_for_token(self, token: str) -> str | None:
        """The user an access token belongs to (a built-in one or a minted one), else
        ``None``."""
        query = (
            "SELECT name FROM users WHERE token=? UNION ALL "
            "SELECT user_name FROM tokens WHERE token=?"
        )
        row = self._conn().execute(query, (token, token)).fetchone()
        return None if row is None else str(row[0])

    def mint_token(self, user: str) -> str | None:
        """A new access token for ``user`` (``None`` when there is no such user)."""
        token = "token-" + secrets.token_urlsafe(24)
        with self.write() as c:
            if c.execute("SELECT 1 FROM users WHERE name=?", (user,)).fetchone() is None:
                return None
            c.execute("INSERT INTO tokens(token, user_name) VALUES (?, ?)", (token, user))
        return token

    def revoke_token(self, token: str) -> bool:
        """Revoke an access token (a minted one, or a built-in user's); False if unknown."""
        with self.write() as c:
            gone = c.execute("DELETE FROM tokens WHERE token=?", (token,)).rowcount
            gone += c.execute("UPDATE users SET token=NULL WHERE token=?", (token,)).rowcount
        return bool(gone)

    def can_write(self, user: str) -> bool:
        """Whether ``user`` has modify privileges."""
        row = self._conn().execute("SELECT can_write FROM users WHERE name=?", (user,)).fetchone()
        return bool(row and row["can_write"])

    def new_session(self, user: str) -> str:
        """Open a session for ``user``; returns its id."""
        session_id = "".join(secrets.choice(_SESSION_ALPHABET) for _ in range(16))
        stamp = self.clock()
        with self.write() as c:
            c.execute(
                "INSERT INTO sessions(id, user_name, created, last_used) VALUES (?,?,?,?)",
                (session_id, user, stamp, stamp),
            )
        return session_id

    def touch_session(self, session_id: str, lifetime: float) -> str | None:
        """The session's user if it is alive (and mark it used), else ``None``."""
        stamp = self.clock()
        conn = self._conn()
        row = conn.execute(
            "SELECT user_name, last_used FROM sessions WHERE id=?", (session_id,)
        ).fetchone()
        if row is None:
            return None
        if stamp - row["last_used"] > lifetime:
            conn.execute("DELETE FROM sessions WHERE id=?", (session_id,))
            return None
        if stamp - row["last_used"] > _TOUCH_AFTER:
            conn.execute("UPDATE sessions SET last_used=? WHERE id=?", (stamp, session_id))
        return str(row["user_name"])

    def delete_session(self, session_id: str) -> None:
        """End one session (logout)."""
        self._conn().execute("DELETE FROM sessions WHERE id=?", (session_id,))

    def expire_sessions(self, user: str | None) -> int:
        """Delete every session (or one user's); returns how many there were."""
        conn = self._conn()
        if user is None:
            return conn.execute("DELETE FROM sessions").rowcount
        return conn.execute("DELETE FROM sessions WHERE user_name=?", (user,)).rowcount
