"""What every template can use: who is logged in, to which server, and form helpers."""

from __future__ import annotations

from flask import Flask, g

from app import drafts, messages, read_only
from app.services import settings
from app.web.edit_form import Where


def template_context() -> dict[str, object]:
    """The names every template sees besides Flask's own."""
    return {
        "current_user": g.get("user"),
        "sso_user": g.get("sso_user"),
        "cd_host": settings().cd_host,
    }


def register_context(app: Flask) -> None:
    """Per-request names for every template; helpers as globals, so macros imported
    without context see them too."""
    app.context_processor(template_context)
    app.jinja_env.globals.update(
        Where=Where,
        draft_key=drafts.key,
        page_messages=messages.pending,
        SHEET_REASON=read_only.SHEET_REASON,
        PUBLISH_REASON=read_only.PUBLISH_REASON,
    )
