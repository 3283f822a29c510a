"""Property sheets and the properties in them: every query on ``sheets`` and ``properties``.

Every method takes the connection of a transaction opened by ``Store.read()`` or
``Store.write()``, so a handler's several calls see (and change) one consistent state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

from emulator.errors import ApiError, no_such_property
from emulator.store.schema import Row, now_iso

MAX_SHEET_DEPTH = 64

# The sheets of a tree: the root (the one parameter) and every sheet below it.
_PROPERTIES_UNDER = """
WITH RECURSIVE tree(id) AS (
  SELECT ? UNION ALL
  SELECT p.child_sheet_id FROM properties p JOIN tree t ON p.sheet_id = t.id
  WHERE p.child_sheet_id IS NOT NULL)
SELECT p.* FROM properties p JOIN tree t ON p.sheet_id = t.id ORDER BY p.name
"""
_DELETE_TREE = """
WITH RECURSIVE tree(id) AS (
  SELECT ? UNION ALL
  SELECT p.child_sheet_id FROM properties p JOIN tree t ON p.sheet_id = t.id
  WHERE p.child_sheet_id IS NOT NULL)
DELETE FROM sheets WHERE id IN (SELECT id FROM tree)
"""


class BulkValue(NamedTuple):
    """One plain property written by ``insert_values`` (demo data, no checks)."""

    name: str
    value: str
    description: str
    owner: str
    stamp: str
    last_modified_by: str


class SheetQueries:
    """Sheets, properties and the server's root sheet."""

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
    def server_sheet(c: sqlite3.Connection) -> int:
        return int(c.execute("SELECT sheet_id FROM server").fetchone()[0])

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
        rows = c.execute(_PROPERTIES_UNDER, (sheet_id,))
        grouped: dict[int, list[Row]] = {}
        for r in rows:
            grouped.setdefault(r["sheet_id"], []).append(dict(r))
        return grouped

    @staticmethod
    def parent_sheets(c: sqlite3.Connection, sheet_id: int) -> list[int]:
        """``sheet_id`` and the sheets above it, nearest first, up to the owner's root sheet."""
        chain = [sheet_id]
        while True:
            row = c.execute(
                "SELECT sheet_id FROM properties WHERE child_sheet_id=?", (chain[-1],)
            ).fetchone()
            if row is None or len(chain) > MAX_SHEET_DEPTH:
                return chain
            chain.append(int(row[0]))

    @staticmethod
    def walk(c: sqlite3.Connection, root_sheet: int, names: list[str], shown: str) -> Row | None:
        """Follow ``names`` from ``root_sheet``; every name but the last must be a sheet.

        Returns the last property's row, or ``None`` when only the last one is missing.
        """
        sheet_id = root_sheet
        for i, name in enumerate(names):
            row = SheetQueries.property_in(c, sheet_id, name)
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
        """Add a property (or, with ``sheet``, a sub-sheet); 409 when the name is taken."""
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
    def insert_values(c: sqlite3.Connection, sheet_id: int, values: Iterable[BulkValue]) -> None:
        """Bulk-load plain properties into one sheet in one statement (no checks)."""
        c.executemany(
            "INSERT INTO properties(sheet_id, name, value, description, owner, create_time, "
            "modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    sheet_id,
                    v.name,
                    v.value,
                    v.description,
                    v.owner,
                    v.stamp,
                    v.stamp,
                    v.last_modified_by,
                )
                for v in values
            ],
        )

    @staticmethod
    def update_property(c: sqlite3.Connection, prop_id: int, user: str, **fields: Any) -> Row:
        """Change the given columns of one property and stamp it; returns the new row."""
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
        c.execute(_DELETE_TREE, (sheet_id,))

    def delete_property(self, c: sqlite3.Connection, row: Row, user: str) -> None:
        c.execute("DELETE FROM properties WHERE id=?", (row["id"],))
        if row["child_sheet_id"] is not None:
            self.delete_sheet_tree(c, row["child_sheet_id"])
        self.touch_sheet(c, row["sheet_id"], user)
