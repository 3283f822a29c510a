"""Where this login may not write, as learnt from CloudBees CD's own refusals.

The REST API has no call that answers "may this user modify this sheet", so propdesk does
not guess: the first ``AccessDenied`` on a write in a sheet is remembered for the login
(beside the session, ``app.sessions.sidecar``), and pages then hide that sheet's write
controls, and those of every sheet under it, with the reason and a "try anyway". The
server stays the judge: a write that is tried anyway goes to CloudBees CD as ever. The
same holds for publishing artifact versions. Reading the marks costs no upstream call.
"""

from __future__ import annotations

from flask import g

from app.cloudbees import PropertyPath
from app.services import settings
from app.sessions import sidecar

SHEETS = "read-only-sheets"
PUBLISH = "read-only-publish"
MAX_SHEETS = 32  # the marks of one login stay small: the oldest go first
CACHED = "propdesk_read_only"
SHEET_REASON = "read-only: your CloudBees CD user cannot modify this sheet"
PUBLISH_REASON = "read-only: your CloudBees CD user cannot publish artifact versions"


def _marks() -> list[tuple[str, ...]]:
    """The sheets refused to this login (read once per request)."""
    if CACHED not in g:
        raw = sidecar.read(SHEETS)
        rows = raw if isinstance(raw, list) else []
        setattr(g, CACHED, [tuple(m) for m in rows if isinstance(m, (list, tuple))])
    cached: list[tuple[str, ...]] = g.get(CACHED)
    return cached


def _under(segments: tuple[str, ...], mark: tuple[str, ...]) -> bool:
    return segments[: len(mark)] == mark


def covers(sheet: PropertyPath) -> bool:
    """True when writes in ``sheet`` were refused to this login (in it or above it)."""
    return any(_under(sheet.segments, mark) for mark in _marks())


def remember(sheet: PropertyPath) -> None:
    """Remember that CloudBees CD refused this login a write in ``sheet``: marks under it
    give way to it, and at most ``MAX_SHEETS`` are kept (the newest)."""
    if covers(sheet):
        return
    kept = [m for m in _marks() if not _under(m, sheet.segments)]
    kept = [*kept, sheet.segments][-MAX_SHEETS:]
    setattr(g, CACHED, kept)
    sidecar.write(SHEETS, [list(m) for m in kept], int(settings().session_lifetime))


def remember_publish() -> None:
    """Remember that CloudBees CD refused this login a publish."""
    sidecar.write(PUBLISH, True, int(settings().session_lifetime))


def publish_refused() -> bool:
    """True when a publish was refused to this login."""
    return sidecar.read(PUBLISH) is True
