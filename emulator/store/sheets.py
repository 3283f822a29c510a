"""Property sheets and the properties in them: every query on ``sheets`` and ``properties``.

Every method takes the connection of a transaction opened by ``Store.read()`` or
``Store.write()``, so a handler's several calls see (and change) one consistent state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from emulator.errors import ApiError, no_such_property
from emulator.store.schema import Row, insert_stamped, now_iso, update_stamped

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
        """Create an empty sheet owned by ``user``; returns its id."""
        return insert_stamped(c, "sheets", {}, user, now_iso())

    def insert_owner(
        self, c: sqlite3.Connection, table: str, values: Mapping[str, object], user: str
    ) -> str:
        """Insert a row of ``table`` that owns a new, empty sheet (its ``sheet_id``); returns
        the row's time stamp."""
        owned = {**values, "sheet_id": self.new_sheet(c, user)}
        stamp = now_iso()
        insert_stamped(c, table, owned, user, stamp)
        return stamp

    @staticmethod
    def sheet(c: sqlite3.Connection, sheet_id: int) -> Row | None:
        """The sheet ``sheet_id``, else ``None``."""
        row = c.execute("SELECT * FROM sheets WHERE id=?", (sheet_id,)).fetchone()
        return None if row is None else dict(row)

    @staticmethod
    def server_sheet(c: sqlite3.Connection) -> int:
        """The id of the server's root sheet (``/server``)."""
        return int(c.execute("SELECT sheet_id FROM server").fetchone()[0])

    @staticmethod
    def property_in(c: sqlite3.Connection, sheet_id: int, name: str) -> Row | None:
        """The property ``name`` of one sheet, else ``None``."""
        row = c.execute(
            "SELECT * FROM properties WHERE sheet_id=? AND name=?", (sheet_id, name)
        ).fetchone()
        return None if row is None else dict(row)

    @staticmethod
    def properties_of(c: sqlite3.Connection, sheet_id: int) -> list[Row]:
        """The properties of one sheet, by name."""
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
        """Stamp a sheet as modified now by ``user`` (its properties changed)."""
        update_stamped(c, "sheets", sheet_id, user, now_iso())

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
        values = {
            "sheet_id": sheet_id,
            "name": name,
            "value": None if sheet else (value or ""),
            "child_sheet_id": self.new_sheet(c, user) if sheet else None,
            "description": description,
            "expandable": int(expandable),
            "counter": int(counter),
            "tracked": int(tracked),
        }
        insert_stamped(c, "properties", values, user, now_iso())
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
        update_stamped(c, "properties", prop_id, user, now_iso(), fields)
        row = c.execute("SELECT * FROM properties WHERE id=?", (prop_id,)).fetchone()
        return dict(row)

    @staticmethod
    def delete_sheet_tree(c: sqlite3.Connection, sheet_id: int) -> None:
        """Delete a sheet and everything below it."""
        c.execute(_DELETE_TREE, (sheet_id,))

    def delete_property(self, c: sqlite3.Connection, row: Row, user: str) -> None:
        """Delete a property (a sub-sheet with all below it) and stamp its sheet."""
        c.execute("DELETE FROM properties WHERE id=?", (row["id"],))
        if row["child_sheet_id"] is not None:
            self.delete_sheet_tree(c, row["child_sheet_id"])
        self.touch_sheet(c, row["sheet_id"], user)
