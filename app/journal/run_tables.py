"""The ``apply_runs`` table, on the journal's metadata (one database, one Alembic history:
revision ``0003`` creates it). One row per apply that runs in the background: who owns it,
how far it got, whether its worker is alive (``heartbeat``), whether its owner asked to
cancel it, the change set the journal records it under and, once it ended, its report.

The CloudBees CD session the run writes with is kept only as its SHA-256
(``session_sha256``): enough for a logout to find the runs that still need it, never the
session itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.journal.tables import PATH, Base, UtcDateTime


class ApplyRunRow(Base):
    """One background apply."""

    __tablename__ = "apply_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cd_user: Mapped[str] = mapped_column(String(255))
    sso_user: Mapped[str] = mapped_column(String(255))
    root: Mapped[str] = mapped_column(PATH)
    source: Mapped[str] = mapped_column(String(16))
    heading: Mapped[str] = mapped_column(String(255))
    back_url: Mapped[str] = mapped_column(Text)
    back_label: Mapped[str] = mapped_column(String(255))
    total: Mapped[int] = mapped_column(Integer)
    applied: Mapped[int] = mapped_column(Integer)
    already: Mapped[int] = mapped_column(Integer)
    conflicts: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    worker: Mapped[str] = mapped_column(String(255))
    heartbeat: Mapped[datetime] = mapped_column(UtcDateTime())
    cancel_requested: Mapped[bool] = mapped_column(Boolean)
    change_set: Mapped[str] = mapped_column(String(64))
    session_sha256: Mapped[str] = mapped_column(String(64))
    end_session: Mapped[bool] = mapped_column(Boolean)
    started: Mapped[datetime] = mapped_column(UtcDateTime())
    finished: Mapped[datetime | None] = mapped_column(UtcDateTime())
    report: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_apply_runs_state_worker", "state", "worker"),
        Index("ix_apply_runs_session", "session_sha256", "state"),
    )


APPLY_RUNS = Base.metadata.tables[ApplyRunRow.__tablename__]
"""The ``apply_runs`` table, for Core statements."""
