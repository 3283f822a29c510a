"""Downloading artifact versions from their artifact repository (reference, section 6).

Files are not served by the REST API but by the repository server: ``GET <repository
URL>/artifacts/<groupId>/<artifactKey>/<version>`` with ``Authorization: Basic
base64("commanderSession:<session id>")`` answers the version as one archive (its
``Format`` header names the format), and ``?manifest`` answers its file list. A repository
without a URL of its own is served by the CloudBees CD server. The user's session goes only
to the CloudBees CD host or to hosts the operator lists (``RepositoryPolicy``).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.cloudbees.errors import PermissionDenied
from app.cloudbees.models import ArtifactVersion
from app.cloudbees.transport import SessionAuth, Stream, Transport, encode_segment

SAFE_FORMAT = re.compile(r"^[A-Za-z0-9.+-]{1,16}$")


@dataclass(frozen=True)
class RepositoryPolicy:
    """Where a repository lives, and whether the user's session may be sent there: to the
    CloudBees CD host itself, or to one of ``extra_hosts``, over HTTPS when the CloudBees CD
    server is reached over HTTPS."""

    cd_url: str
    extra_hosts: tuple[str, ...] = ()

    def base_for(self, repository_url: str) -> str:
        """The base URL of a repository: its own, or the CloudBees CD server's."""
        return (repository_url or self.cd_url).rstrip("/")

    def may_receive_session(self, base: str) -> bool:
        """Whether the session may travel to the repository at ``base``."""
        cd, repo = urlsplit(self.cd_url), urlsplit(base)
        if repo.scheme not in ("http", "https") or not repo.hostname:
            return False
        if cd.scheme == "https" and repo.scheme != "https":
            return False
        allowed = {(cd.hostname or "").lower(), *(h.lower() for h in self.extra_hosts)}
        return repo.hostname.lower() in allowed


@dataclass(frozen=True)
class Download:
    """An open download: what to call the file, its type and size, and its chunks."""

    filename: str
    content_type: str
    length: str | None
    stream: Stream


class RepositoryService:
    """Downloads from artifact repositories with the user's CloudBees CD session."""

    def __init__(self, transport: Transport, auth: SessionAuth, policy: RepositoryPolicy):
        self.transport = transport
        self.auth = auth
        self.policy = policy

    def download(
        self, version: ArtifactVersion, repository_url: str, *, manifest: bool = False
    ) -> Download:
        """Open the archive of ``version`` (or, with ``manifest``, its file list) on the
        repository at ``repository_url`` (empty: the CloudBees CD server). Raises
        ``PermissionDenied`` when the session may not be sent to that host."""
        base = self.policy.base_for(repository_url)
        if not self.policy.may_receive_session(base):
            host = urlsplit(base).netloc or base
            raise PermissionDenied(
                f"the repository at {host} is neither the CloudBees CD host nor listed in "
                "PROPDESK_REPOSITORY_HOSTS, so propdesk does not send your session there",
                code="UntrustedRepository",
            )
        parts = (version.group_id, version.artifact_key, version.version)
        route = "/artifacts/" + "/".join(encode_segment(p) for p in parts)
        url = base + route + ("?manifest" if manifest else "")
        token = base64.b64encode(f"commanderSession:{self.auth.session_id}".encode()).decode()
        stream = self.transport.open_stream(url, route, {"Authorization": f"Basic {token}"})
        return Download(
            filename=self.filename(version, stream, manifest),
            content_type="text/plain; charset=utf-8" if manifest else "application/octet-stream",
            length=stream.headers.get("Content-Length"),
            stream=stream,
        )

    @staticmethod
    def filename(version: ArtifactVersion, stream: Stream, manifest: bool) -> str:
        """``group_key_version.<format>`` (or ``.manifest.txt``), safe for a header."""
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", f"{version.artifact_name}_{version.version}")
        if manifest:
            return f"{stem}.manifest.txt"
        found = stream.headers.get("Format", "")
        return f"{stem}.{found if SAFE_FORMAT.match(found) else 'bin'}"
