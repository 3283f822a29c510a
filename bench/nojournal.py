"""A dashboard whose journal records nothing: the "without the journal" side of the save
figure in ``python -m bench``. gunicorn loads ``bench.nojournal:create_app()``; never used
outside the benchmark."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from flask import Flask

from app import create_app as create_dashboard
from app.cloudbees import Property, PropertyPath
from app.journal import Change, Entry, Journal
from app.services import attach, services


class NullJournal(Journal):
    """A journal that writes and reads nothing (its database is never touched)."""

    def record(
        self, changes: Iterable[Change], seen: Mapping[PropertyPath, Property | None] | None = None
    ) -> tuple[Entry, ...]:
        return ()

    def observe(self, path: PropertyPath, prop: Property | None) -> Entry | None:
        return None

    def recent_times(self, paths: Iterable[str], since: datetime) -> dict[str, datetime]:
        return {}


def create_app() -> Flask:
    """The dashboard as shipped, with the journal swapped for ``NullJournal``."""
    app = create_dashboard()
    with app.app_context():
        current = services()
    attach(app, replace(current, journal=NullJournal(current.journal.database)))
    return app
