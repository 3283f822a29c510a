"""Fixtures for the change engine: a client of the real emulator over HTTP, the file edit
locks every propdesk save takes, and a journal on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.changes import Target
from app.cloudbees import CloudBeesClient, PropertyPath
from app.edit_lock import EditLocks
from app.journal import Actor, Journal, open_journal

TargetFactory = Callable[..., Target]


@pytest.fixture
def locks(tmp_path: Path) -> EditLocks:
    return EditLocks(folder=tmp_path / "locks")


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    opened = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite3'}")
    yield opened
    opened.database.dispose()


@pytest.fixture
def target(cd: CloudBeesClient, locks: EditLocks, journal: Journal) -> TargetFactory:
    """A ``Target`` under a root sheet, locked and journaled as a save would be."""

    def make(root: PropertyPath, **overrides: object) -> Target:
        fields: dict[str, object] = {
            "properties": cd.properties,
            "root": root,
            "lock": lambda path: locks.hold(f"test|{path}", lease=30),
            "journal": journal,
            "actor": Actor("admin"),
        }
        fields.update(overrides)
        return Target(**fields)  # type: ignore[arg-type]

    return make
