"""Projects and repositories: every query on ``projects`` and ``repositories``."""

from __future__ import annotations

import sqlite3

from emulator.errors import ApiError
from emulator.store.schema import Row, insert_stamped, now_iso, update_stamped
from emulator.store.sheets import SheetQueries


class OwnerQueries(SheetQueries):
    """Projects (each owns a root sheet) and artifact repositories."""

    @staticmethod
    def project(c: sqlite3.Connection, name: str) -> Row:
        """The project ``name``; 404 ``NoSuchProject`` when missing."""
        row = c.execute("SELECT * FROM projects WHERE name=?", (name,)).fetchone()
        if row is None:
            raise ApiError(404, "NoSuchProject", f"Project '{name}' does not exist")
        return dict(row)

    @staticmethod
    def has_project(c: sqlite3.Connection, name: str) -> bool:
        """Whether a project is called ``name``."""
        return c.execute("SELECT 1 FROM projects WHERE name=?", (name,)).fetchone() is not None

    @staticmethod
    def projects(c: sqlite3.Connection) -> list[Row]:
        """Every project, by name."""
        return [dict(r) for r in c.execute("SELECT * FROM projects ORDER BY name")]

    def create_project(
        self,
        c: sqlite3.Connection,
        name: str,
        description: str,
        user: str,
        plugin_key: str | None = None,
    ) -> Row:
        """Add a project with its own sheet; 409 when the name is taken."""
        if self.has_project(c, name):
            raise ApiError(409, "DuplicateProjectName", f"Project '{name}' already exists")
        values = {"name": name, "description": description, "plugin_key": plugin_key}
        self.insert_owner(c, "projects", values, user)
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
            update_stamped(c, "projects", row["id"], user, now_iso(), changes)
        return self.project(c, str(row["name"]) if new_name is None else new_name)

    def delete_project(self, c: sqlite3.Connection, row: Row) -> None:
        """Delete a project and its whole property tree."""
        c.execute("DELETE FROM projects WHERE id=?", (row["id"],))
        self.delete_sheet_tree(c, row["sheet_id"])

    @staticmethod
    def repositories(c: sqlite3.Connection) -> list[Row]:
        """Every artifact repository, by name."""
        return [dict(r) for r in c.execute("SELECT * FROM repositories ORDER BY name")]

    @staticmethod
    def has_repository(c: sqlite3.Connection, name: str) -> bool:
        """Whether an artifact repository is called ``name``."""
        return c.execute("SELECT 1 FROM repositories WHERE name=?", (name,)).fetchone() is not None

    @staticmethod
    def create_repository(
        c: sqlite3.Connection, name: str, description: str, url: str, user: str, stamp: str
    ) -> None:
        """Add an artifact repository (demo data and bootstrap only: no API creates one)."""
        values = {"name": name, "description": description, "url": url}
        insert_stamped(c, "repositories", values, user, stamp)
