"""The home page: the CloudBees CD projects this user can see."""

from __future__ import annotations

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from app.htmx import render

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Projects, plugin projects hidden unless ``?plugins=1``."""
    show_plugins = request.args.get("plugins") == "1"
    projects = [p for p in g.cd.projects.all() if show_plugins or not p.is_plugin]
    return render("home/index.html", projects=projects, show_plugins=show_plugins)
