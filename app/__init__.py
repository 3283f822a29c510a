"""propdesk: a web dashboard for CloudBees CD properties and artifact versions."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None) -> Flask:
    """Build the dashboard: read settings, bind extensions, register blueprints and errors."""
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config["PROPDESK"] = settings
    app.config["SECRET_KEY"] = settings.secret_key
    register_blueprints(app)
    return app


def register_blueprints(app: Flask) -> None:
    from app.web import health

    app.register_blueprint(health.bp)
