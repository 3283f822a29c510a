"""The change journal: one row per change and the last known state of each path.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PATH = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _state(prefix: str) -> list[sa.Column[object]]:
    """The four columns of a state before or after a change."""
    return [
        sa.Column(f"{prefix}_value", sa.Text(), nullable=True),
        sa.Column(f"{prefix}_value_sha256", sa.String(64), nullable=True),
        sa.Column(f"{prefix}_description", sa.Text(), nullable=True),
        sa.Column(f"{prefix}_expandable", sa.Boolean(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("at", _time(), nullable=False),
        sa.Column("cd_user", sa.String(255), nullable=False),
        sa.Column("sso_user", sa.String(255), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("path", PATH, nullable=False),
        *_state("before"),
        *_state("after"),
        sa.Column("modify_time", _time(), nullable=True),
        sa.Column("change_set", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
    )
    op.create_index("ix_journal_entries_path_at", "journal_entries", ["path", "at", "id"])
    op.create_index("ix_journal_entries_at", "journal_entries", ["at", "id"])
    op.create_index("ix_journal_entries_cd_user_at", "journal_entries", ["cd_user", "at", "id"])
    op.create_index("ix_journal_entries_sso_user_at", "journal_entries", ["sso_user", "at", "id"])
    op.create_index("ix_journal_entries_change_set", "journal_entries", ["change_set", "id"])
    op.create_table(
        "journal_state",
        sa.Column("path", PATH, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("value_sha256", sa.String(64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("expandable", sa.Boolean(), nullable=True),
        sa.Column("modify_time", _time(), nullable=True),
        sa.Column("seen_at", _time(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pending_entry_id", ID, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("journal_state")
    op.drop_table("journal_entries")
