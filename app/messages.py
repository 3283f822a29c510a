"""Messages on full pages (a flash), the counterpart of the ``notice`` events htmx gets.

An htmx answer carries its message as an ``HX-Trigger`` event (``app.htmx.notice``). A full
page cannot: an event on a redirect or a page load is lost. So an answer that redirects
keeps its message for the next page (beside the session, ``app.sessions.sidecar``), a view
that renders a full page says it before rendering (``say``), and ``base.html`` shows both
in the page's notice region, where ``static/app.js`` turns them into toasts.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g

from app.sessions import sidecar

KEY = "messages"
KEEP_SECONDS = 300  # a message waits this long for the page it was meant for
MAX_KEPT = 5
SAID = "propdesk_messages"


@dataclass(frozen=True)
class Message:
    """One message: its text and level (``info`` or ``error``)."""

    text: str
    level: str = "info"


def say(text: str, level: str = "info") -> None:
    """Show ``text`` on the full page this request renders (call before rendering)."""
    said: list[Message] = g.setdefault(SAID, [])
    said.append(Message(text, level))


def keep(text: str, level: str = "info") -> None:
    """Show ``text`` on the next full page of this login (for an answer that redirects)."""
    kept = [m for m in _stored() if m.text != text]
    kept = [*kept, Message(text, level)][-MAX_KEPT:]
    sidecar.write(KEY, [(m.text, m.level) for m in kept], KEEP_SECONDS)


def _stored() -> list[Message]:
    raw = sidecar.read(KEY)
    rows = raw if isinstance(raw, list) else []
    return [
        Message(str(r[0]), "error" if r[1] == "error" else "info")
        for r in rows
        if isinstance(r, (list, tuple)) and len(r) == 2
    ]


def pending() -> list[Message]:
    """The messages of the page being rendered: kept ones (taken, so each shows once) and
    those said by this request."""
    stored = _stored()
    if stored:
        sidecar.drop(KEY)
    said: list[Message] = g.pop(SAID, [])
    return [*stored, *said]
