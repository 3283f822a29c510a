"""The home page: the property browser's projects list."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue

from app.htmx import redirect_to

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Home is the projects list of the browser (query string kept)."""
    query = request.query_string.decode("latin-1")
    return redirect_to(url_for("browse.index") + (f"?{query}" if query else ""))
