"""propdesk's JSON API (``/api/v1``) for scripts and pipelines: API keys instead of
logins, compare-and-set writes, Buildbot-style collections, one JSON error envelope.

A thin layer over the same services as the pages: ``access`` decides what a key may do,
``collections`` parses the query parameters once into a typed query, ``upstream`` keeps
each key's CloudBees CD session, ``errors`` answers every failure, ``openapi`` describes it.
"""

from __future__ import annotations

from flask import Flask

from app.api.blueprint import bp


def register_api(app: Flask) -> None:
    """Register the API: its views, its key check before every request, its errors, no
    CSRF (no cookie authenticates it) and the keyring."""
    from app.api import (  # noqa: F401 (the views attach to bp)
        access,
        artifacts,
        changes,
        errors,
        properties,
        search,
        transfer,
        version,
    )
    from app.api.keyring import attach_keyring
    from app.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)
    attach_keyring(app)
