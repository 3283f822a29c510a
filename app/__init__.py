"""propdesk: a web dashboard for CloudBees CD properties and artifact versions."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
FORM_OVERHEAD_BYTES = 1024 * 1024  # a publish form's fields besides its files
FORM_OVERHEAD_PARTS = 200  # ... and how many parts they may take (dependents included)


def create_app(settings: Settings | None = None, clock: Callable[[], float] = time.time) -> Flask:
    """Build the dashboard: settings, extensions, blueprints, error handlers, headers.

    ``clock`` is the time source of login timeouts (tests pass a controllable one).
    """
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, settings)
    from app.logs import register_logging
    from app.metrics import register_metrics
    from app.proxy import register_proxy
    from app.time_limits import register_time_limits

    register_logging(app, settings)
    register_proxy(app, settings)
    register_extensions(app, settings, clock)
    register_time_limits(app, settings)  # before any hook that may call CloudBees CD
    register_metrics(app, settings)
    register_blueprints(app)
    if settings.buildbot_url:  # the Buildbot pages exist only when a master is configured
        from app.web.buildbot import register_buildbot

        register_buildbot(app, settings)
    from app.errors import register_errorhandlers
    from app.security import register_security

    register_errorhandlers(app)
    register_security(app)
    return app


def cookie_name(settings: Settings) -> str:
    """``__Host-`` needs ``Path=/``; behind a proxy that may add a path prefix the cookie
    follows the prefix, so it is ``__Secure-`` there; plain ``propdesk`` over plain http."""
    if not settings.cookie_secure:
        return "propdesk"
    return "__Secure-propdesk" if settings.proxy_count else "__Host-propdesk"


def configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME=cookie_name(settings),
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_PERMANENT=True,
        SESSION_REFRESH_EACH_REQUEST=False,  # written at login and logout only
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_lifetime),
        WTF_CSRF_TIME_LIMIT=None,  # an open page keeps working for hours
        WTF_CSRF_HEADERS=["X-CSRFToken"],
        **limiter_config(settings),
        TRUSTED_HOSTS=list(settings.trusted_hosts) or None,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
        MAX_FORM_PARTS=settings.max_upload_files + FORM_OVERHEAD_PARTS,
    )


def limiter_config(settings: Settings) -> dict[str, object]:
    """Where login limits count: the session Redis, or a SQLite file in the session folder
    (shared by every gunicorn worker); keys carry the instance, storage errors are typed."""
    from app.config import instance_id
    from app.ratelimit_storage import storage_uri

    options: dict[str, object] = {"wrap_exceptions": True}
    if settings.session_backend == "redis":
        uri = settings.redis_url
        options.update(socket_timeout=2, socket_connect_timeout=2)
    else:
        uri = storage_uri(settings.session_dir / "ratelimits" / "counts.sqlite3")
    return {
        "RATELIMIT_STORAGE_URI": uri,
        "RATELIMIT_STORAGE_OPTIONS": options,
        "RATELIMIT_KEY_PREFIX": "propdesk-" + instance_id(settings.cd_url, settings.secret_key),
    }


def register_extensions(app: Flask, settings: Settings, clock: Callable[[], float]) -> None:
    from app.extensions import csrf, htmx
    from app.services import attach, build_services
    from app.sessions.interface import install
    from app.sessions.throttle import install_login_limits
    from app.sessions.upstream import install_upstream_logouts

    services = build_services(settings, clock)
    attach(app, services)
    install(app, services.store, settings.cd_url)
    install_upstream_logouts(app, services.transport.settings)
    csrf.init_app(app)
    htmx.init_app(app)
    install_login_limits(app)  # the limiter asked on POST /login only


def register_blueprints(app: Flask) -> None:
    from app.web import (
        activity,
        artifacts,
        auth,
        browse,
        compare,
        editing,
        health,
        history,
        home,
        moving,
        references,
        renaming,
        runs,
        search,
        sheet_description,
        transfer,
        tree,
        undo_set,
    )
    from app.web.context import register_context
    from app.web.filters import register_filters
    from app.web.nodes import register_nodes

    register_nodes(app)  # the <node:...> converter, before any rule uses it
    blueprints = (health.bp, auth.bp, home.bp, browse.bp, editing.bp, artifacts.bp)
    features = (history.bp, activity.bp, search.bp, references.bp, tree.bp, sheet_description.bp)
    changes = (compare.bp, transfer.bp, moving.bp, renaming.bp, undo_set.bp, runs.bp)
    for blueprint in (*blueprints, *features, *changes):
        app.register_blueprint(blueprint)
    auth.protect(app)
    from app.api import register_api
    from app.web.api_keys import bp as api_keys_bp

    register_api(app)  # /api/v1: API keys, not logins (the login gate skips it)
    app.register_blueprint(api_keys_bp)
    register_context(app)
    register_filters(app)
