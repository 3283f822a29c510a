"""The shape of the emulator's SQLite database: tables, built-in users, rows and timestamps.

The table and column names are read by a benchmark and a test that bulk-load sheets straight
into the file, so they change only together with those.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS users(
  name TEXT PRIMARY KEY, password TEXT NOT NULL, token TEXT UNIQUE,
  can_write INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens(
  token TEXT PRIMARY KEY, user_name TEXT NOT NULL);
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
CREATE INDEX IF NOT EXISTS properties_name ON properties(name);
CREATE INDEX IF NOT EXISTS properties_modified ON properties(modify_time);
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

Row = dict[str, Any]


def now_iso() -> str:
    """The current time as the upstream writes it: ISO-8601 UTC, milliseconds, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def insert_stamped(
    c: sqlite3.Connection, table: str, values: Mapping[str, object], user: str, stamp: str
) -> int:
    """Insert one row of ``table``: ``values``, then ``user`` as its owner and last modifier
    and ``stamp`` as its create and modify time. Returns the new row's id."""
    row = {
        **values,
        "owner": user,
        "create_time": stamp,
        "modify_time": stamp,
        "last_modified_by": user,
    }
    columns = ", ".join(row)
    marks = ",".join("?" * len(row))
    cur = c.execute(
        f"INSERT INTO {table}({columns}) VALUES ({marks})",  # noqa: S608 (the names are ours)
        tuple(row.values()),
    )
    return int(cur.lastrowid or 0)


def update_stamped(
    c: sqlite3.Connection,
    table: str,
    row_id: int,
    user: str,
    stamp: str,
    fields: Mapping[str, object] | None = None,
) -> None:
    """Change ``fields`` (none: only the stamps) of one row of ``table``, stamping it as
    modified by ``user`` at ``stamp``."""
    changes = {**(fields or {}), "modify_time": stamp, "last_modified_by": user}
    sets = ", ".join(f"{k}=?" for k in changes)
    c.execute(
        f"UPDATE {table} SET {sets} WHERE id=?",  # noqa: S608 (the names are ours)
        (*changes.values(), row_id),
    )
