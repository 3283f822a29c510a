"""Buildbot REST API v2 client: no Flask import.

``BuildbotTransport`` does all HTTP to the master; ``BuildbotClient`` asks it for builders,
builds, properties and force schedulers and forces builds; errors are typed
(``app.buildbot.errors``), answers frozen dataclasses (``app.buildbot.models``), collection
queries typed (``app.buildbot.query``). ``app.buildbot.local_master`` runs a real master
for the tests and the demo (in a virtualenv of its own; never imported by the client).
"""

from app.buildbot.client import BuildbotClient, BuildRequest
from app.buildbot.errors import (
    BadRequest,
    BuildbotError,
    FieldErrors,
    LoginRefused,
    LoginRequired,
    NotFound,
    OAuth2Only,
    PermissionDenied,
    ServerError,
    Unreachable,
)
from app.buildbot.models import (
    Build,
    Builder,
    BuildProperty,
    Forced,
    ForceParameter,
    ForceScheduler,
    MasterAuth,
)
from app.buildbot.query import CollectionQuery, Filter, QueryError
from app.buildbot.transport import BuildbotSession, BuildbotSettings, BuildbotTransport

__all__ = [
    "BadRequest",
    "Build",
    "BuildProperty",
    "BuildRequest",
    "BuildbotClient",
    "BuildbotError",
    "BuildbotSession",
    "BuildbotSettings",
    "BuildbotTransport",
    "Builder",
    "CollectionQuery",
    "FieldErrors",
    "Filter",
    "ForceParameter",
    "ForceScheduler",
    "Forced",
    "LoginRefused",
    "LoginRequired",
    "MasterAuth",
    "NotFound",
    "OAuth2Only",
    "PermissionDenied",
    "QueryError",
    "ServerError",
    "Unreachable",
]
