"""Helpers of the journal suite: a property as the client reads it, a settable clock,
and the SQL statements a unit of work sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event

from app.cloudbees import Property, PropertyPath
from app.journal import Actor

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = START + timedelta(minutes=5)
PATH = PropertyPath.project("checkout-service", "deploy", "prod", "url")
ADMIN = Actor("admin", "alice@example.com")


def prop(
    value: str | None = "v1",
    *,
    description: str = "",
    expandable: bool = True,
    modified: datetime = START,
    by: str = "admin",
    sheet: bool = False,
) -> Property:
    """A property as ``PropertyService.get(..., expand=False)`` returns it."""
    return Property(
        id=1,
        name="url",
        value=None if sheet else value,
        description=description,
        expandable=expandable,
        property_sheet_id=9 if sheet else None,
        modify_time=modified,
        last_modified_by=by,
    )


class Clock:
    """A clock the test moves by hand (the journal's ``clock``)."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (and parameters) sent on ``engine`` inside the block, BEGIN,
    COMMIT and pragmas left out."""
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)
