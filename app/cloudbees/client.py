"""``CloudBeesClient``: every service bundled behind one object, for scripts and views."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from app.cloudbees.artifacts import ArtifactService
from app.cloudbees.models import CdSession
from app.cloudbees.projects import ProjectService
from app.cloudbees.properties import PropertyService
from app.cloudbees.repository import RepositoryPolicy, RepositoryService
from app.cloudbees.search import SearchService
from app.cloudbees.sessions import SessionService
from app.cloudbees.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    Auth,
    BasicAuth,
    SessionAuth,
    Transport,
    TransportSettings,
)
from app.cloudbees.tree import TreeService


class CloudBeesClient:
    """A client bound to one server and one identity (a session, or Basic credentials).

    >>> with CloudBeesClient.login("https://cd.example.com", "admin", "changeme") as cd:
    ...     cd.properties.get(PropertyPath.project("Default", "PythonProperty")).value
    """

    def __init__(self, transport: Transport, auth: Auth, session: CdSession | None = None):
        self.transport = transport
        self.auth = auth
        self.session = session
        self.sessions = SessionService(transport)
        self.projects = ProjectService(transport, auth)
        self.properties = PropertyService(transport, auth)
        self.artifacts = ArtifactService(transport, auth)
        self.search = SearchService(transport, auth)
        self.tree = TreeService(transport, auth)

    def repository(self, extra_hosts: tuple[str, ...] = ()) -> RepositoryService:
        """Downloads from artifact repositories with this client's session, which goes to
        the CloudBees CD host and to ``extra_hosts`` only (``RepositoryPolicy``)."""
        if not isinstance(self.auth, SessionAuth):
            raise TypeError("artifact repositories take a CloudBees CD session, not a password")
        policy = RepositoryPolicy(self.transport.settings.server_url, extra_hosts)
        return RepositoryService(self.transport, self.auth, policy)

    @classmethod
    def login(
        cls,
        server_url: str,
        user_name: str,
        password: str,
        *,
        ca_bundle: str | Path | None = None,
        verify_tls: bool = True,
        timeout: tuple[float, float] = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
    ) -> CloudBeesClient:
        """Log in with a password and return a client bound to the new session."""
        transport = Transport(
            TransportSettings(
                server_url=server_url,
                ca_bundle=Path(ca_bundle) if ca_bundle else None,
                verify_tls=verify_tls,
                connect_timeout=timeout[0],
                read_timeout=timeout[1],
            )
        )
        session = SessionService(transport).login(user_name, password)
        return cls(transport, SessionAuth(session.session_id), session)

    @classmethod
    def for_session(cls, transport: Transport, session_id: str) -> CloudBeesClient:
        """A client for an existing upstream session (what the dashboard keeps per user)."""
        return cls(transport, SessionAuth(session_id))

    @classmethod
    def with_basic_auth(cls, transport: Transport, user: str, password: str) -> CloudBeesClient:
        return cls(transport, BasicAuth(user, password))

    def logout(self) -> None:
        """End the upstream session (when this client opened one)."""
        if self.session is not None:
            self.sessions.logout(self.session)
            self.session = None

    def __enter__(self) -> CloudBeesClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.logout()
        self.transport.close()
