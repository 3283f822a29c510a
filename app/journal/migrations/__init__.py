"""Alembic migrations of the journal: ``env.py`` and one module per revision in
``versions/``; ``app.journal.migrate`` runs them (no alembic.ini)."""
