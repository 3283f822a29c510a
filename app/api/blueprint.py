"""The API's blueprint (``/api/v1``): the views attach to it, ``app.api`` registers it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
