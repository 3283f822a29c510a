"""Artifacts, artifact versions, repositories, and publishing versions with files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO

from requests_toolbelt.multipart.encoder import MultipartEncoder

from app.cloudbees.errors import Conflict, NotFound, ValidationError, error_from_text
from app.cloudbees.models import Artifact, ArtifactVersion, Repository, as_list
from app.cloudbees.transport import Auth, BasicAuth, SessionAuth, Transport

PUBLISH_PATH = "/commander/publishArtifact.php"
PUBLISH_OK = "Artifact-Published-OK"
_PART = re.compile(r"[A-Za-z0-9 _.\-]+")
_VERSION = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([A-Za-z0-9_.]+?)(?:-(\d+))?)?")


def check_artifact_part(field: str, value: str) -> str:
    """``groupId`` / ``artifactKey``: letters, digits, space, ``_``, ``-`` and ``.``."""
    if not value or len(value) > 255 or not _PART.fullmatch(value):
        raise ValidationError(
            f"{field} may hold only letters, digits, space, '_', '-' and '.'",
            code="InvalidArtifactName",
        )
    return value


def check_version(version: str) -> str:
    """``major[.minor[.patch]][-qualifier[-buildNumber]]``, 1-255 characters."""
    if not version or len(version) > 255 or not _VERSION.fullmatch(version):
        raise ValidationError(
            "A version looks like 1, 1.2, 1.2.3, 1.2.3-beta or 1.2.3-beta-42",
            code="InvalidVersion",
        )
    return version


def version_key(version: str) -> tuple[tuple[int, int, int], int, str, int]:
    """Sort key: numeric parts as numbers (1.10.0 after 1.9.2); a release sorts after its
    qualified pre-releases (1.0.0-rc1 before 1.0.0); then qualifier text, then build."""
    match = _VERSION.fullmatch(version)
    if not match:
        return ((-1, -1, -1), 0, version, -1)
    major, minor, patch, qualifier, build = match.groups()
    numbers = (int(major), int(minor or 0), int(patch or 0))
    return (numbers, 0 if qualifier else 1, qualifier or "", int(build or -1))


class ArtifactService:
    """``/artifacts``, ``/artifactVersions``, ``/repositories`` and the publish endpoint."""

    def __init__(self, transport: Transport, auth: Auth) -> None:
        self.transport = transport
        self.auth = auth

    # -- reads -----------------------------------------------------------------------------
    def all(self) -> list[Artifact]:
        data = self.transport.call("GET", ("artifacts",), auth=self.auth)
        return [Artifact.from_json(a) for a in as_list(data.get("artifact"))]

    def get(self, artifact_name: str) -> Artifact:
        data = self.transport.call("GET", ("artifacts", artifact_name), auth=self.auth)
        return Artifact.from_json(data["artifact"])

    def versions(self, artifact_name: str | None = None) -> list[ArtifactVersion]:
        """Versions (of one artifact, or all), newest first by version order."""
        params = {"artifactName": artifact_name} if artifact_name else None
        data = self.transport.call("GET", ("artifactVersions",), auth=self.auth, params=params)
        versions = [ArtifactVersion.from_json(v) for v in as_list(data.get("artifactVersion"))]
        return sorted(versions, key=lambda v: version_key(v.version), reverse=True)

    def version(self, version_name: str) -> ArtifactVersion:
        data = self.transport.call("GET", ("artifactVersions", version_name), auth=self.auth)
        return ArtifactVersion.from_json(data["artifactVersion"])

    def repositories(self) -> list[Repository]:
        data = self.transport.call("GET", ("repositories",), auth=self.auth)
        return [Repository.from_json(r) for r in as_list(data.get("repository"))]

    # -- writes ----------------------------------------------------------------------------
    def create_artifact(self, group_id: str, artifact_key: str, description: str = "") -> Artifact:
        """``POST /artifacts?groupId=..&artifactKey=..`` (as the knowledge-base article)."""
        check_artifact_part("groupId", group_id)
        check_artifact_part("artifactKey", artifact_key)
        params = {"groupId": group_id, "artifactKey": artifact_key}
        if description:
            params["description"] = description
        data = self.transport.call("POST", ("artifacts",), auth=self.auth, params=params)
        return Artifact.from_json(data["artifact"])

    def create_version(
        self,
        group_id: str,
        artifact_key: str,
        version: str,
        *,
        repository: str = "default",
        description: str = "",
        dependents: Sequence[str] = (),
    ) -> ArtifactVersion:
        """A version with metadata only (the server creates the artifact when missing)."""
        check_artifact_part("groupId", group_id)
        check_artifact_part("artifactKey", artifact_key)
        check_version(version)
        body = {
            "groupId": group_id,
            "artifactKey": artifact_key,
            "version": version,
            "repositoryName": repository,
            "description": description,
            "dependentArtifactVersions": list(dependents),
        }
        data = self.transport.call("POST", ("artifactVersions",), auth=self.auth, body=body)
        return ArtifactVersion.from_json(data["artifactVersion"])

    def publish(
        self,
        group_id: str,
        artifact_key: str,
        version: str,
        files: Sequence[tuple[str, IO[bytes]]],
        *,
        repository: str = "default",
        description: str = "",
        dependents: Sequence[str] = (),
    ) -> ArtifactVersion:
        """Publish a version with files to the publish endpoint. The multipart body is
        streamed from the file objects (never read whole into memory)."""
        check_artifact_part("groupId", group_id)
        check_artifact_part("artifactKey", artifact_key)
        check_version(version)
        fields: list[tuple[str, str | tuple[str, IO[bytes], str]]] = [
            ("artifactName", f"{group_id}:{artifact_key}"),
            ("artifactVersionVersion", version),
            ("repositoryName", repository),
            ("description", description),
            ("compress", "1"),
        ]
        fields += [("dependentArtifactVersions", d) for d in dependents]
        auth: Auth | None = self.auth
        if isinstance(self.auth, SessionAuth):
            fields.append(("commanderSessionId", self.auth.session_id))
            auth = None
        elif not isinstance(self.auth, BasicAuth):
            auth = None
        for name, stream in files:
            fields.append(("files[]", (name, stream, "application/octet-stream")))
        encoder = MultipartEncoder(fields=fields)
        answer = self.transport.post_form(
            PUBLISH_PATH, auth=auth, data=encoder, content_type=encoder.content_type
        )
        if answer.status < 400 and answer.text.strip() == PUBLISH_OK:
            return self.version(f"{group_id}:{artifact_key}:{version}")
        raise error_from_text(answer.status, answer.text, "POST", PUBLISH_PATH)

    def publish_version(
        self,
        group_id: str,
        artifact_key: str,
        version: str,
        files: Sequence[tuple[str, IO[bytes]]] = (),
        *,
        repository: str = "default",
        description: str = "",
        dependents: Sequence[str] = (),
    ) -> ArtifactVersion:
        """Publish a version: with ``files`` through the publish endpoint, without through
        ``createArtifactVersion`` after making sure the artifact exists (whether that call
        creates a missing artifact is not settled for real servers). The server refuses an
        existing version with ``Conflict`` (``DuplicateArtifactVersion``); no pre-check
        of the version races it."""
        if files:
            return self.publish(
                group_id,
                artifact_key,
                version,
                files,
                repository=repository,
                description=description,
                dependents=dependents,
            )
        self.ensure_artifact(group_id, artifact_key)
        return self.create_version(
            group_id,
            artifact_key,
            version,
            repository=repository,
            description=description,
            dependents=dependents,
        )

    def ensure_artifact(self, group_id: str, artifact_key: str) -> Artifact:
        """The artifact ``group_id:artifact_key``, created when missing (as the
        knowledge-base article does); one created meanwhile by someone else is fine."""
        name = f"{check_artifact_part('groupId', group_id)}:{artifact_key}"
        try:
            return self.get(name)
        except NotFound:
            pass
        try:
            return self.create_artifact(group_id, artifact_key)
        except Conflict:
            return self.get(name)
