"""Log in and out of CloudBees CD."""

from __future__ import annotations

from app.cloudbees.errors import (
    AuthenticationError,
    CloudBeesError,
    NotFound,
    NotSupported,
    ServerError,
)
from app.cloudbees.models import CdSession
from app.cloudbees.transport import SessionAuth, Transport


class SessionService:
    """``POST /sessions`` and ``DELETE /sessions``."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def login(self, user_name: str, password: str) -> CdSession:
        """Log in with a password (sent in the JSON body, never in the URL)."""
        return self._login({"userName": user_name, "password": password})

    def login_with_token(self, token: str) -> CdSession:
        """Log in with an access token."""
        return self._login({"token": token})

    def _login(self, body: dict[str, str]) -> CdSession:
        try:
            data = self.transport.call("POST", ("sessions",), auth=None, body=body)
        except CloudBeesError as err:
            # Every 4xx from POST /sessions is "login refused", with the server's message.
            if err.status is not None and 400 <= err.status < 500:
                raise AuthenticationError(
                    err.message,
                    status=err.status,
                    code=err.code or "InvalidCredentials",
                    details=err.details,
                    method=err.method,
                    path=err.path,
                ) from None
            raise
        if not data.get("sessionId"):
            raise ServerError(
                "CloudBees CD accepted the login but sent no session id",
                method="POST",
                path="/sessions",
            )
        return CdSession.from_json(data)

    def logout(self, session: CdSession) -> None:
        """End the session at the server. A server without the route (404/405/501) or a
        session that is already gone is fine: there is nothing left to end."""
        try:
            self.transport.call("DELETE", ("sessions",), auth=SessionAuth(session.session_id))
        except (NotFound, NotSupported, AuthenticationError):
            return
