"""The one query behind ``findObjects`` on properties: every property with its full path.

A recursive query walks from the owners' root sheets (projects, the server, artifacts and
artifact versions) down through the sub-sheets, so each property's path costs a string
join, not a walk up per result; the caller's ``WHERE`` and ``ORDER BY`` run over that view
(``found``), whose columns are the ``properties`` columns plus ``path``. The counting
window gives the number of matches from the same scan that picks the page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from emulator.store.schema import Row

# An owner's path as the upstream writes it; a project name holding "/" is quoted in [...].
_FOUND = """
WITH RECURSIVE roots(sheet_id, path) AS (
  SELECT sheet_id, CASE WHEN instr(name, '/') > 0 THEN '/projects[' || name || ']'
                        ELSE '/projects/' || name END FROM projects
  UNION ALL SELECT sheet_id, '/server' FROM server
  UNION ALL SELECT sheet_id, '/artifacts/' || group_id || ':' || artifact_key FROM artifacts
  UNION ALL SELECT v.sheet_id,
      '/artifactVersions/' || a.group_id || ':' || a.artifact_key || ':' || v.version
    FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id),
sheet_paths(sheet_id, path) AS (
  SELECT sheet_id, path FROM roots
  UNION ALL SELECT p.child_sheet_id, s.path || '/' || p.name
    FROM properties p JOIN sheet_paths s ON p.sheet_id = s.sheet_id
    WHERE p.child_sheet_id IS NOT NULL),
found AS (
  SELECT p.*, s.path || '/' || p.name AS path
    FROM properties p JOIN sheet_paths s ON p.sheet_id = s.sheet_id)
"""


def find_properties(
    c: sqlite3.Connection,
    where: str,
    params: Sequence[object],
    order: str,
    first: int,
    limit: int,
) -> tuple[list[Row], int]:
    """The matching rows ``first`` to ``first + limit`` (each with ``path``) in ``order``,
    and how many match in all.

    ``where`` and ``order`` are SQL over ``found`` built from the emulator's own column
    names only; every user value travels in ``params``.
    """
    select = f"SELECT *, count(*) OVER () AS total_count FROM found WHERE {where} "  # noqa: S608
    sql = _FOUND + select + f"ORDER BY {order} LIMIT ? OFFSET ?"
    rows = [dict(r) for r in c.execute(sql, (*params, limit, first))]
    if rows:
        return rows, int(rows[0]["total_count"])
    count_sql = _FOUND + f"SELECT count(*) FROM found WHERE {where}"  # noqa: S608
    return [], int(c.execute(count_sql, tuple(params)).fetchone()[0])
