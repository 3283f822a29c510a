"""Alembic's environment for the journal: migrate over the connection that
``app.journal.migrate`` hands in (it holds the migration lock and the transaction).

Offline (SQL script) mode is not supported: propdesk migrates at start, under a lock.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.journal.tables import Base


def run_online() -> None:
    """Run the pending revisions in the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run migrations with `propdesk db upgrade` (app.journal.migrate)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported; use `propdesk db upgrade`")
run_online()
