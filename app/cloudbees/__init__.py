"""The REST service layer: a typed CloudBees CD client with no Flask import anywhere in it.

Usable on its own from a script::

    from app.cloudbees import CloudBeesClient, PropertyPath

    with CloudBeesClient.login("http://127.0.0.1:8900", "admin", "changeme") as cd:
        print(cd.properties.get(PropertyPath.project("Default", "PythonProperty")).value)
"""

from app.cloudbees.client import CloudBeesClient
from app.cloudbees.errors import (
    AuthenticationError,
    CloudBeesError,
    Conflict,
    NotFound,
    NotSupported,
    PermissionDenied,
    ServerError,
    UpstreamUnavailable,
    ValidationError,
)
from app.cloudbees.models import (
    Artifact,
    ArtifactFile,
    ArtifactVersion,
    CdSession,
    Project,
    Property,
    PropertySheet,
    Repository,
)
from app.cloudbees.paths import PropertyPath
from app.cloudbees.transport import Transport, TransportSettings

__all__ = [
    "Artifact",
    "ArtifactFile",
    "ArtifactVersion",
    "AuthenticationError",
    "CdSession",
    "CloudBeesClient",
    "CloudBeesError",
    "Conflict",
    "NotFound",
    "NotSupported",
    "PermissionDenied",
    "Project",
    "Property",
    "PropertyPath",
    "PropertySheet",
    "Repository",
    "ServerError",
    "Transport",
    "TransportSettings",
    "UpstreamUnavailable",
    "ValidationError",
]
