"""Background applies: one row per apply that runs in a worker's thread, with its owner,
progress, heartbeat, cancel flag, change set and (when it ended) its report.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

PATH = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "apply_runs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("cd_user", sa.String(255), nullable=False),
        sa.Column("sso_user", sa.String(255), nullable=False),
        sa.Column("root", PATH, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("heading", sa.String(255), nullable=False),
        sa.Column("back_url", sa.Text(), nullable=False),
        sa.Column("back_label", sa.String(255), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("worker", sa.String(255), nullable=False),
        sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("change_set", sa.String(64), nullable=False),
        sa.Column("session_sha256", sa.String(64), nullable=False),
        sa.Column("end_session", sa.Boolean(), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
    )
    op.create_index("ix_apply_runs_state_worker", "apply_runs", ["state", "worker"])
    op.create_index("ix_apply_runs_session", "apply_runs", ["session_sha256", "state"])


def downgrade() -> None:
    op.drop_table("apply_runs")
