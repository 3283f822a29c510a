"""Projects and repositories: every query on ``projects`` and ``repositories``."""

from __future__ import annotations

import sqlite3

from emulator.errors import ApiError
from emulator.store.schema import Row, now_iso
from emulator.store.sheets import SheetQueries


class OwnerQueries(SheetQueries):
    """Projects (each owns a root sheet) and artifact repositories."""

    @staticmethod
    def project(c: sqlite3.Connection, name: str) -> Row:
        row = c.execute("SELECT * FROM projects WHERE name=?", (name,)).fetchone()
        if row is None:
            raise ApiError(404, "NoSuchProject", f"Project '{name}' does not exist")
        return dict(row)

    @staticmethod
    def has_project(c: sqlite3.Connection, name: str) -> bool:
        return c.execute("SELECT 1 FROM projects WHERE name=?", (name,)).fetchone() is not None

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
        if self.has_project(c, name):
            raise ApiError(409, "DuplicateProjectName", f"Project '{name}' already exists")
        sheet = self.new_sheet(c, user)
        stamp = now_iso()
        c.execute(
            "INSERT INTO projects(name, description, plugin_key, sheet_id, owner, create_time, "
            "modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?,?)",
            (name, description, plugin_key, sheet, user, stamp, stamp, user),
        )
        return self.project(c, name)

    def update_project(
        self,
        c: sqlite3.Connection,
        row: Row,
        user: str,
        *,
        description: str | None = None,
        new_name: str | None = None,
    ) -> Row:
        """Change a project's description and/or name (409 when the new name is taken)."""
        changes: dict[str, str] = {}
        if description is not None:
            changes["description"] = description
        if new_name is not None:
            if self.has_project(c, new_name):
                raise ApiError(409, "DuplicateProjectName", f"Project '{new_name}' already exists")
            changes["name"] = new_name
        if changes:
            changes["modify_time"] = now_iso()
            changes["last_modified_by"] = user
            sets = ", ".join(f"{k}=?" for k in changes)
            c.execute(
                f"UPDATE projects SET {sets} WHERE id=?",  # noqa: S608 (the keys are ours)
                (*changes.values(), row["id"]),
            )
        return self.project(c, str(row["name"]) if new_name is None else new_name)

    def delete_project(self, c: sqlite3.Connection, row: Row) -> None:
        """Delete a project and its whole property tree."""
        c.execute("DELETE FROM projects WHERE id=?", (row["id"],))
        self.delete_sheet_tree(c, row["sheet_id"])

    @staticmethod
    def repositories(c: sqlite3.Connection) -> list[Row]:
        return [dict(r) for r in c.execute("SELECT * FROM repositories ORDER BY name")]

    @staticmethod
    def has_repository(c: sqlite3.Connection, name: str) -> bool:
        return c.execute("SELECT 1 FROM repositories WHERE name=?", (name,)).fetchone() is not None

    @staticmethod
    def create_repository(
        c: sqlite3.Connection, name: str, description: str, url: str, user: str, stamp: str
    ) -> None:
        c.execute(
            "INSERT INTO repositories(name, description, url, owner, create_time, modify_time, "
            "last_modified_by) VALUES (?,?,?,?,?,?,?)",
            (name, description, url, user, stamp, stamp, user),
        )
