"""Who is calling: a session id (header, cookie or publish form field) or HTTP Basic."""

from __future__ import annotations

from werkzeug.wrappers import Request

from emulator.errors import ApiError
from emulator.store import Store


def session_id_of(request: Request) -> str | None:
    """The session id a client sends: the ``sessionId`` header, else the cookie."""
    return request.headers.get("sessionId") or request.cookies.get("sessionId")


def authenticate(
    store: Store, request: Request, lifetime: float, session_id: str | None = None
) -> str:
    """The caller's user name: ``session_id``, session header, session cookie or HTTP Basic.

    A session idle for more than ``lifetime`` seconds is dead (and deleted).
    """
    sid = session_id or session_id_of(request)
    if sid:
        user = store.touch_session(sid, lifetime)
        if user:
            return user
    auth = request.authorization
    if (
        auth is not None
        and auth.type == "basic"
        and auth.username
        and store.check_password(auth.username, auth.password or "")
    ):
        return auth.username
    raise ApiError(401, "NoCredentials", "No credentials/session found in this request")
