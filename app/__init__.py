"""propdesk: a web dashboard for CloudBees CD properties and artifact versions."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent


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

    register_logging(app, settings)
    register_proxy(app, settings)
    register_extensions(app, settings, clock)
    register_metrics(app, settings)
    register_blueprints(app)
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
        PROPDESK=settings,
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
        RATELIMIT_STORAGE_URI=(
            settings.redis_url if settings.session_backend == "redis" else "memory://"
        ),
        TRUSTED_HOSTS=list(settings.trusted_hosts) or None,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,  # files + form fields
    )


def register_extensions(app: Flask, settings: Settings, clock: Callable[[], float]) -> None:
    from cachelib import FileSystemCache

    from app.cloudbees import Transport, TransportSettings
    from app.extensions import csrf, htmx, limiter
    from app.login_state import FileStoreSweeper, LoginState
    from app.session_store import install, make_stores

    cache, activity = make_stores(settings)
    install(app, cache)
    app.extensions["propdesk.sweeper"] = (
        FileStoreSweeper([cache, activity]) if isinstance(cache, FileSystemCache) else None
    )
    app.extensions["propdesk.activity"] = activity
    from app.edit_lock import EditLocks

    app.extensions["propdesk.locks"] = (
        EditLocks(folder=settings.session_dir / "locks")
        if isinstance(cache, FileSystemCache)
        else EditLocks(redis_client=cache._write_client)
    )
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    app.extensions["propdesk.store"] = cache
    app.extensions["propdesk.login_state"] = LoginState(
        cache, settings.idle_timeout, settings.session_lifetime, clock
    )
    app.extensions["propdesk.transport"] = Transport(
        TransportSettings(
            server_url=settings.cd_url,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            retries=settings.retries,
            ca_bundle=settings.ca_bundle,
            verify_tls=settings.verify_tls,
            max_response_bytes=settings.max_response_bytes,
        )
    )


def register_blueprints(app: Flask) -> None:
    from app.web import artifacts, auth, browse, health, home
    from app.web.filters import register_filters

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(artifacts.bp)
    auth.protect(app)
    register_filters(app)
