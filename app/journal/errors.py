"""The journal's typed errors: what a caller can catch without knowing SQLAlchemy."""

from __future__ import annotations


class JournalError(Exception):
    """Base of every error the journal raises."""


class JournalUnavailable(JournalError):
    """The database did not do what was asked: down, unreachable, locked too long, full,
    corrupt or not migrated. The upstream change a caller was recording has landed anyway:
    say "saved, not recorded" and carry on (the cause is chained as ``__cause__``)."""


class SchemaTooNew(JournalError):
    """The database carries a migration this propdesk does not know (a newer release
    migrated it); this release refuses to touch it."""
