"""Drafts: the typed text of a form that could not be sent, kept in the server-side session.

When a login ends while a person submits a form (an expired upstream session, an idle
timeout), the form's fields are kept under a key that names the form (``edit:<path>``,
``new:<sheet path>``, ``publish``). After the same user logs in again, the page that owns
the form takes its draft back and fills the form in. Another user never sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import session
from werkzeug.datastructures import MultiDict

DRAFTS = "drafts"
OWNER = "draft_user"  # whose drafts a logged-out session keeps
FIELD = "draft_key"  # the form field that names a form's draft key
NOT_KEPT = frozenset({"csrf_token"})


def key(kind: str, subject: object = "") -> str:
    """The draft key of a form: its kind, and what it is about (a path), if anything."""
    text = str(subject)
    return f"{kind}:{text}" if text else kind


@dataclass(frozen=True)
class Draft:
    """The fields of one unsent form, by name (a field may hold several values)."""

    fields: Mapping[str, tuple[str, ...]]

    def get(self, name: str, default: str = "") -> str:
        """The first value of a field, like ``request.form.get``."""
        values = self.fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        """Every value of a field, like ``request.form.getlist``."""
        return list(self.fields.get(name, ()))


def keep(draft_key: str, form: MultiDict[str, str], user: str) -> None:
    """Keep ``form`` (but its CSRF token) as ``user``'s draft under ``draft_key``."""
    kept = dict(session.get(DRAFTS) or {})
    kept[draft_key] = {
        name: values for name in form if name not in NOT_KEPT and (values := form.getlist(name))
    }
    session[DRAFTS] = kept
    session[OWNER] = user


def take(draft_key: str) -> Draft | None:
    """The draft kept under ``draft_key``, removed from the session; ``None`` if none."""
    kept = session.get(DRAFTS)
    if not kept or draft_key not in kept:
        return None
    remaining = dict(kept)
    fields: Mapping[str, Any] = remaining.pop(draft_key)
    session[DRAFTS] = remaining
    return Draft(
        {
            name: (values,) if isinstance(values, str) else tuple(values)
            for name, values in fields.items()
        }
    )


def carried() -> dict[str, Any]:
    """What of the session must outlive the end of a login: the drafts and their owner."""
    return {name: session[name] for name in (DRAFTS, OWNER) if session.get(name)}


def restore(saved: Mapping[str, Any], user: str) -> None:
    """Put ``saved`` drafts back after a login, only when they belong to ``user``."""
    if saved.get(DRAFTS) and saved.get(OWNER) == user:
        session[DRAFTS] = saved[DRAFTS]
