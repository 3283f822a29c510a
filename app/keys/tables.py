"""The ``api_keys`` table, on the journal's metadata (one database, one Alembic history:
revision ``0002`` creates it). A key is found by its SHA-256 (unique index); the owner's
CloudBees CD access token is kept Fernet-encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.journal.tables import ID, Base, UtcDateTime


class ApiKeyRow(Base):
    """One API key (never its text)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    key_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(255))
    read_write: Mapped[bool] = mapped_column(Boolean)
    prefixes: Mapped[str] = mapped_column(Text)
    token_encrypted: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    expires: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_api_keys_key_sha256", "key_sha256", unique=True),
        Index("ix_api_keys_owner", "owner", "id"),
    )


API_KEYS = Base.metadata.tables[ApiKeyRow.__tablename__]
"""The ``api_keys`` table, for Core statements."""
