"""Small per-login notes kept beside the server-side session, never in it.

The session itself is written at login and logout only (htmx fires requests in parallel,
and a request racing a logout must never write the old login back). What a login learns
on the way (sheets CloudBees CD refused to change, a message for the next page) is kept
here instead: one entry per note in the session store, keyed by the signed session id. A
new login gets a new id, so it starts with no notes; old ones expire with their timeout.
A store that does not answer loses a note, never a request (notes are hints).
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import session

from app.services import services
from app.sessions.stores import STORE_ERRORS

PREFIX = "propdesk:side:"


def _key(name: str) -> str | None:
    """The store key of note ``name`` of this request's session (none without an id, nor
    for a quiet request: a probe, a static file, the scrape)."""
    if getattr(session, "quiet", False):
        return None
    sid = str(getattr(session, "sid", "") or "")
    return f"{PREFIX}{sid}:{name}" if sid else None


def read(name: str) -> Any:
    """Note ``name`` of this session, or ``None`` (also when the store does not answer)."""
    key = _key(name)
    if key is None:
        return None
    try:
        return services().store.get(key)
    except STORE_ERRORS:
        return None


def write(name: str, value: Any, timeout: int) -> None:
    """Keep ``value`` as note ``name`` of this session for ``timeout`` seconds."""
    key = _key(name)
    if key is None:
        return
    with contextlib.suppress(*STORE_ERRORS):
        services().store.set(key, value, timeout=timeout)


def drop(name: str) -> None:
    """Forget note ``name`` of this session."""
    key = _key(name)
    if key is None:
        return
    with contextlib.suppress(*STORE_ERRORS):
        services().store.delete(key)
