"""The journal's tables as typed SQLAlchemy 2 models (the Alembic revisions create them).

``journal_entries`` holds one row per change, newest found through its indexes: by path
and time (a property's history, the sheet markers), by time (activity), by user and by
change set. A state (before or after) is four columns; it is absent when its
``*_expandable`` column is NULL. ``journal_state`` holds the last state propdesk knows of
each path, which reads compare against to notice changes made outside propdesk.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Dialect, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ID = BigInteger().with_variant(Integer(), "sqlite")
"""Row ids: 64-bit on PostgreSQL, SQLite's INTEGER PRIMARY KEY (its rowid) there."""

PATH = Text().with_variant(Text(collation="C"), "postgresql")
"""Property paths, compared byte by byte on both databases so a prefix is an index range."""


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out: ``timestamptz`` on PostgreSQL, naive UTC text on
    SQLite (which has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the journal stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The journal's metadata (what Alembic's env.py compares against)."""


class EntryRow(Base):
    """One change, as ``Entry`` reads it."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    cd_user: Mapped[str] = mapped_column(String(255))
    sso_user: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(PATH)
    before_value: Mapped[str | None] = mapped_column(Text)
    before_value_sha256: Mapped[str | None] = mapped_column(String(64))
    before_description: Mapped[str | None] = mapped_column(Text)
    before_expandable: Mapped[bool | None] = mapped_column(Boolean)
    after_value: Mapped[str | None] = mapped_column(Text)
    after_value_sha256: Mapped[str | None] = mapped_column(String(64))
    after_description: Mapped[str | None] = mapped_column(Text)
    after_expandable: Mapped[bool | None] = mapped_column(Boolean)
    modify_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    change_set: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_journal_entries_path_at", "path", "at", "id"),
        Index("ix_journal_entries_at", "at", "id"),
        Index("ix_journal_entries_cd_user_at", "cd_user", "at", "id"),
        Index("ix_journal_entries_sso_user_at", "sso_user", "at", "id"),
        Index("ix_journal_entries_change_set", "change_set", "id"),
    )


class StateRow(Base):
    """The last state propdesk knows of one path (``present`` false after a delete);
    ``version`` counts updates so concurrent readers record a change once;
    ``pending_entry_id`` points at an entry whose outcome is still unknown."""

    __tablename__ = "journal_state"

    path: Mapped[str] = mapped_column(PATH, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    present: Mapped[bool] = mapped_column(Boolean)
    value: Mapped[str | None] = mapped_column(Text)
    value_sha256: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    expandable: Mapped[bool | None] = mapped_column(Boolean)
    modify_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    pending_entry_id: Mapped[int | None] = mapped_column(ID)


ENTRIES = Base.metadata.tables[EntryRow.__tablename__]
"""The ``journal_entries`` table, for Core statements."""

STATE = Base.metadata.tables[StateRow.__tablename__]
"""The ``journal_state`` table, for Core statements."""

# The API keys' and the background applies' tables share this metadata (one database, one
# Alembic history); imported here so the metadata always holds them. Their modules import
# only names defined above.
import app.journal.run_tables  # noqa: E402
import app.keys.tables  # noqa: E402, F401
