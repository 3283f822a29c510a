"""The emulator's SQLite store: users, sessions, property sheets, projects and artifacts.

One connection per thread, WAL journal, and every write in a ``BEGIN IMMEDIATE``
transaction, so concurrent writers queue instead of losing updates.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.emulator.errors import ApiError, no_such_property

SCHEMA = """
CREATE TABLE IF NOT EXISTS users(
  name TEXT PRIMARY KEY, password TEXT NOT NULL, token TEXT UNIQUE,
  can_write INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(
  id TEXT PRIMARY KEY, user_name TEXT NOT NULL, created REAL NOT NULL, last_used REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sheets(
  id INTEGER PRIMARY KEY, owner TEXT NOT NULL, create_time TEXT NOT NULL,
  modify_time TEXT NOT NULL, last_modified_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS properties(
  id INTEGER PRIMARY KEY,
  sheet_id INTEGER NOT NULL REFERENCES sheets(id) ON DELETE CASCADE,
  name TEXT NOT NULL, value TEXT, child_sheet_id INTEGER,
  description TEXT NOT NULL DEFAULT '', expandable INTEGER NOT NULL DEFAULT 1,
  counter INTEGER NOT NULL DEFAULT 0, tracked INTEGER NOT NULL DEFAULT 1,
  owner TEXT NOT NULL, create_time TEXT NOT NULL, modify_time TEXT NOT NULL,
  last_modified_by TEXT NOT NULL, UNIQUE(sheet_id, name));
CREATE INDEX IF NOT EXISTS properties_child ON properties(child_sheet_id);
CREATE TABLE IF NOT EXISTS server(id INTEGER PRIMARY KEY CHECK (id = 1), sheet_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS projects(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
  plugin_key TEXT, tracked INTEGER NOT NULL DEFAULT 1, sheet_id INTEGER NOT NULL,
  owner TEXT NOT NULL, create_time TEXT NOT NULL, modify_time TEXT NOT NULL,
  last_modified_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS repositories(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL, create_time TEXT NOT NULL,
  modify_time TEXT NOT NULL, last_modified_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts(
  id INTEGER PRIMARY KEY, group_id TEXT NOT NULL, artifact_key TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', sheet_id INTEGER NOT NULL, owner TEXT NOT NULL,
  create_time TEXT NOT NULL, modify_time TEXT NOT NULL, last_modified_by TEXT NOT NULL,
  UNIQUE(group_id, artifact_key));
CREATE TABLE IF NOT EXISTS artifact_versions(
  id INTEGER PRIMARY KEY,
  artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  version TEXT NOT NULL, state TEXT NOT NULL, repository_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', dependents TEXT NOT NULL DEFAULT '[]',
  sheet_id INTEGER NOT NULL, owner TEXT NOT NULL, create_time TEXT NOT NULL,
  modify_time TEXT NOT NULL, last_modified_by TEXT NOT NULL, UNIQUE(artifact_id, version));
CREATE TABLE IF NOT EXISTS artifact_files(
  version_id INTEGER NOT NULL REFERENCES artifact_versions(id) ON DELETE CASCADE,
  name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
  PRIMARY KEY(version_id, name));
"""

# Built-in users. The access tokens let tests and scripts log in with {"token": ...}.
BUILTIN_USERS = (
    ("admin", "changeme", "admin-access-token", 1),
    ("viewer", "viewer", "viewer-access-token", 0),
)

_SESSION_ALPHABET = string.ascii_uppercase + string.digits

Row = dict[str, Any]


def now_iso() -> str:
    """The current time as the upstream writes it: ISO-8601 UTC, milliseconds, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Store:
    """All state of one emulator, in one SQLite file."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._local = threading.local()
        conn = self._conn()
        conn.executescript(SCHEMA)
        with self.write() as c:
            for name, password, token, can_write in BUILTIN_USERS:
                c.execute(
                    "INSERT OR IGNORE INTO users(name, password, token, can_write) "
                    "VALUES (?,?,?,?)",
                    (name, password, token, can_write),
                )
            if c.execute("SELECT 1 FROM server").fetchone() is None:
                sheet = self.new_sheet(c, "admin")
                c.execute("INSERT INTO server(id, sheet_id) VALUES (1, ?)", (sheet,))
            if c.execute("SELECT 1 FROM repositories WHERE name='default'").fetchone() is None:
                stamp = now_iso()
                c.execute(
                    "INSERT INTO repositories(name, description, url, owner, create_time, "
                    "modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?)",
                    ("default", "The default repository", "", "admin", stamp, stamp, "admin"),
                )
            if c.execute("SELECT 1 FROM projects WHERE name='Default'").fetchone() is None:
                self.create_project(c, "Default", "", "admin")

    # -- connections and transactions ------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
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
    def write(self) -> Iterator[sqlite3.Connection]:
        """A serialised write transaction."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for multi-statement reads."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    # -- users and sessions ----------------------------------------------------------------
    def check_password(self, user: str, password: str) -> bool:
        row = self._conn().execute("SELECT password FROM users WHERE name=?", (user,)).fetchone()
        return row is not None and secrets.compare_digest(
            row["password"].encode(), password.encode()
        )

    def user_for_token(self, token: str) -> str | None:
        row = self._conn().execute("SELECT name FROM users WHERE token=?", (token,)).fetchone()
        return None if row is None else str(row["name"])

    def can_write(self, user: str) -> bool:
        row = self._conn().execute("SELECT can_write FROM users WHERE name=?", (user,)).fetchone()
        return bool(row and row["can_write"])

    def new_session(self, user: str) -> str:
        session_id = "".join(secrets.choice(_SESSION_ALPHABET) for _ in range(16))
        stamp = time.time()
        with self.write() as c:
            c.execute(
                "INSERT INTO sessions(id, user_name, created, last_used) VALUES (?,?,?,?)",
                (session_id, user, stamp, stamp),
            )
        return session_id

    def touch_session(self, session_id: str, lifetime: float) -> str | None:
        """The session's user if it is alive (and mark it used), else ``None``."""
        stamp = time.time()
        conn = self._conn()
        row = conn.execute(
            "SELECT user_name, last_used FROM sessions WHERE id=?", (session_id,)
        ).fetchone()
        if row is None:
            return None
        if stamp - row["last_used"] > lifetime:
            conn.execute("DELETE FROM sessions WHERE id=?", (session_id,))
            return None
        if stamp - row["last_used"] > 1.0:  # spare a write on every request
            conn.execute("UPDATE sessions SET last_used=? WHERE id=?", (stamp, session_id))
        return str(row["user_name"])

    def delete_session(self, session_id: str) -> None:
        self._conn().execute("DELETE FROM sessions WHERE id=?", (session_id,))

    def expire_sessions(self, user: str | None) -> int:
        conn = self._conn()
        if user is None:
            return conn.execute("DELETE FROM sessions").rowcount
        return conn.execute("DELETE FROM sessions WHERE user_name=?", (user,)).rowcount

    # -- sheets and properties -------------------------------------------------------------
    @staticmethod
    def new_sheet(c: sqlite3.Connection, user: str) -> int:
        stamp = now_iso()
        cur = c.execute(
            "INSERT INTO sheets(owner, create_time, modify_time, last_modified_by) "
            "VALUES (?,?,?,?)",
            (user, stamp, stamp, user),
        )
        return int(cur.lastrowid or 0)

    @staticmethod
    def sheet(c: sqlite3.Connection, sheet_id: int) -> Row | None:
        row = c.execute("SELECT * FROM sheets WHERE id=?", (sheet_id,)).fetchone()
        return None if row is None else dict(row)

    @staticmethod
    def property_in(c: sqlite3.Connection, sheet_id: int, name: str) -> Row | None:
        row = c.execute(
            "SELECT * FROM properties WHERE sheet_id=? AND name=?", (sheet_id, name)
        ).fetchone()
        return None if row is None else dict(row)

    @staticmethod
    def properties_of(c: sqlite3.Connection, sheet_id: int) -> list[Row]:
        return [
            dict(r)
            for r in c.execute(
                "SELECT * FROM properties WHERE sheet_id=? ORDER BY name", (sheet_id,)
            )
        ]

    @staticmethod
    def properties_under(c: sqlite3.Connection, sheet_id: int) -> dict[int, list[Row]]:
        """Every property in the tree below ``sheet_id``, grouped by sheet: one query."""
        rows = c.execute(
            """
            WITH RECURSIVE tree(id) AS (
              SELECT ? UNION ALL
              SELECT p.child_sheet_id FROM properties p JOIN tree t ON p.sheet_id = t.id
              WHERE p.child_sheet_id IS NOT NULL)
            SELECT p.* FROM properties p JOIN tree t ON p.sheet_id = t.id ORDER BY p.name
            """,
            (sheet_id,),
        )
        grouped: dict[int, list[Row]] = {}
        for r in rows:
            grouped.setdefault(r["sheet_id"], []).append(dict(r))
        return grouped

    @staticmethod
    def walk(c: sqlite3.Connection, root_sheet: int, names: list[str], shown: str) -> Row | None:
        """Follow ``names`` from ``root_sheet``; every name but the last must be a sheet.

        Returns the last property's row, or ``None`` when only the last one is missing.
        """
        sheet_id = root_sheet
        for i, name in enumerate(names):
            row = Store.property_in(c, sheet_id, name)
            if i == len(names) - 1:
                return row
            if row is None or row["child_sheet_id"] is None:
                raise no_such_property(shown)
            sheet_id = row["child_sheet_id"]
        return None

    @staticmethod
    def touch_sheet(c: sqlite3.Connection, sheet_id: int, user: str) -> None:
        c.execute(
            "UPDATE sheets SET modify_time=?, last_modified_by=? WHERE id=?",
            (now_iso(), user, sheet_id),
        )

    def insert_property(
        self,
        c: sqlite3.Connection,
        sheet_id: int,
        name: str,
        user: str,
        *,
        value: str | None,
        sheet: bool = False,
        description: str = "",
        expandable: bool = True,
        counter: bool = False,
        tracked: bool = True,
    ) -> Row:
        if self.property_in(c, sheet_id, name) is not None:
            raise ApiError(409, "DuplicatePropertyName", f"Property '{name}' already exists")
        child = self.new_sheet(c, user) if sheet else None
        stamp = now_iso()
        c.execute(
            "INSERT INTO properties(sheet_id, name, value, child_sheet_id, description, "
            "expandable, counter, tracked, owner, create_time, modify_time, last_modified_by) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                sheet_id,
                name,
                None if sheet else (value or ""),
                child,
                description,
                int(expandable),
                int(counter),
                int(tracked),
                user,
                stamp,
                stamp,
                user,
            ),
        )
        self.touch_sheet(c, sheet_id, user)
        row = self.property_in(c, sheet_id, name)
        assert row is not None
        return row

    @staticmethod
    def update_property(c: sqlite3.Connection, prop_id: int, user: str, **fields: Any) -> Row:
        fields["modify_time"] = now_iso()
        fields["last_modified_by"] = user
        assignments = ", ".join(f"{k}=?" for k in fields)
        c.execute(
            f"UPDATE properties SET {assignments} WHERE id=?",  # noqa: S608 (keys are ours)
            (*fields.values(), prop_id),
        )
        row = c.execute("SELECT * FROM properties WHERE id=?", (prop_id,)).fetchone()
        return dict(row)

    @staticmethod
    def delete_sheet_tree(c: sqlite3.Connection, sheet_id: int) -> None:
        """Delete a sheet and everything below it."""
        c.execute(
            """
            WITH RECURSIVE tree(id) AS (
              SELECT ? UNION ALL
              SELECT p.child_sheet_id FROM properties p JOIN tree t ON p.sheet_id = t.id
              WHERE p.child_sheet_id IS NOT NULL)
            DELETE FROM sheets WHERE id IN (SELECT id FROM tree)
            """,
            (sheet_id,),
        )

    def delete_property(self, c: sqlite3.Connection, row: Row, user: str) -> None:
        c.execute("DELETE FROM properties WHERE id=?", (row["id"],))
        if row["child_sheet_id"] is not None:
            self.delete_sheet_tree(c, row["child_sheet_id"])
        self.touch_sheet(c, row["sheet_id"], user)

    # -- owners: server, projects, artifacts -----------------------------------------------
    @staticmethod
    def server_sheet(c: sqlite3.Connection) -> int:
        return int(c.execute("SELECT sheet_id FROM server").fetchone()[0])

    @staticmethod
    def project(c: sqlite3.Connection, name: str) -> Row:
        row = c.execute("SELECT * FROM projects WHERE name=?", (name,)).fetchone()
        if row is None:
            raise ApiError(404, "NoSuchProject", f"Project '{name}' does not exist")
        return dict(row)

    @staticmethod
    def projects(c: sqlite3.Connection) -> list[Row]:
        return [dict(r) for r in c.execute("SELECT * FROM projects ORDER BY name")]

    def create_project(
        self,
        c: sqlite3.Connection,
        name: str,
        description: str,
        user: str,
        plugin_key: str | None = None,
    ) -> Row:
        if c.execute("SELECT 1 FROM projects WHERE name=?", (name,)).fetchone():
            raise ApiError(409, "DuplicateProjectName", f"Project '{name}' already exists")
        sheet = self.new_sheet(c, user)
        stamp = now_iso()
        c.execute(
            "INSERT INTO projects(name, description, plugin_key, sheet_id, owner, create_time, "
            "modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?,?)",
            (name, description, plugin_key, sheet, user, stamp, stamp, user),
        )
        return self.project(c, name)

    @staticmethod
    def artifact(c: sqlite3.Connection, group_id: str, key: str) -> Row:
        row = c.execute(
            "SELECT * FROM artifacts WHERE group_id=? AND artifact_key=?", (group_id, key)
        ).fetchone()
        if row is None:
            raise ApiError(404, "NoSuchArtifact", f"Artifact '{group_id}:{key}' does not exist")
        return dict(row)

    def create_artifact(
        self, c: sqlite3.Connection, group_id: str, key: str, description: str, user: str
    ) -> Row:
        if c.execute(
            "SELECT 1 FROM artifacts WHERE group_id=? AND artifact_key=?", (group_id, key)
        ).fetchone():
            raise ApiError(
                409, "DuplicateArtifactName", f"Artifact '{group_id}:{key}' already exists"
            )
        sheet = self.new_sheet(c, user)
        stamp = now_iso()
        c.execute(
            "INSERT INTO artifacts(group_id, artifact_key, description, sheet_id, owner, "
            "create_time, modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?,?)",
            (group_id, key, description, sheet, user, stamp, stamp, user),
        )
        return self.artifact(c, group_id, key)

    @staticmethod
    def artifact_version(c: sqlite3.Connection, group_id: str, key: str, version: str) -> Row:
        row = c.execute(
            "SELECT v.*, a.group_id, a.artifact_key FROM artifact_versions v "
            "JOIN artifacts a ON a.id = v.artifact_id "
            "WHERE a.group_id=? AND a.artifact_key=? AND v.version=?",
            (group_id, key, version),
        ).fetchone()
        if row is None:
            raise ApiError(
                404,
                "NoSuchArtifactVersion",
                f"Artifact version '{group_id}:{key}:{version}' does not exist",
            )
        return dict(row)

    @staticmethod
    def artifact_versions(c: sqlite3.Connection, artifact_id: int | None) -> list[Row]:
        sql = (
            "SELECT v.*, a.group_id, a.artifact_key FROM artifact_versions v "
            "JOIN artifacts a ON a.id = v.artifact_id"
        )
        if artifact_id is None:
            rows = c.execute(sql + " ORDER BY v.id")
        else:
            rows = c.execute(sql + " WHERE v.artifact_id=? ORDER BY v.id", (artifact_id,))
        return [dict(r) for r in rows]

    @staticmethod
    def files_of(c: sqlite3.Connection, version_ids: list[int]) -> dict[int, list[Row]]:
        grouped: dict[int, list[Row]] = {}
        if not version_ids:
            return grouped
        marks = ",".join("?" * len(version_ids))
        for r in c.execute(
            f"SELECT * FROM artifact_files WHERE version_id IN ({marks}) ORDER BY name",  # noqa: S608
            version_ids,
        ):
            grouped.setdefault(r["version_id"], []).append(dict(r))
        return grouped

    def create_artifact_version(
        self,
        c: sqlite3.Connection,
        artifact: Row,
        version: str,
        repository: str,
        description: str,
        dependents: list[str],
        state: str,
        user: str,
    ) -> Row:
        if c.execute("SELECT 1 FROM repositories WHERE name=?", (repository,)).fetchone() is None:
            raise ApiError(404, "NoSuchRepository", f"Repository '{repository}' does not exist")
        if c.execute(
            "SELECT 1 FROM artifact_versions WHERE artifact_id=? AND version=?",
            (artifact["id"], version),
        ).fetchone():
            name = f"{artifact['group_id']}:{artifact['artifact_key']}:{version}"
            raise ApiError(
                409, "DuplicateArtifactVersion", f"Artifact version '{name}' already exists"
            )
        sheet = self.new_sheet(c, user)
        stamp = now_iso()
        c.execute(
            "INSERT INTO artifact_versions(artifact_id, version, state, repository_name, "
            "description, dependents, sheet_id, owner, create_time, modify_time, "
            "last_modified_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                artifact["id"],
                version,
                state,
                repository,
                description,
                json.dumps(dependents),
                sheet,
                user,
                stamp,
                stamp,
                user,
            ),
        )
        c.execute(
            "UPDATE artifacts SET modify_time=?, last_modified_by=? WHERE id=?",
            (stamp, user, artifact["id"]),
        )
        return self.artifact_version(c, artifact["group_id"], artifact["artifact_key"], version)

    @staticmethod
    def repositories(c: sqlite3.Connection) -> list[Row]:
        return [dict(r) for r in c.execute("SELECT * FROM repositories ORDER BY name")]
