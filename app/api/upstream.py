"""Each API key's CloudBees CD session: made by logging in with the key's access token,
kept in the shared session store (every worker and replica reuses it) and made again
when the server answers 401 (an idle upstream session expires)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.api.errors import ApiFailure
from app.api.keyring import keyring
from app.cloudbees import AuthenticationError, CloudBeesClient
from app.cloudbees.sessions import SessionService
from app.keys.models import ApiKey
from app.services import services, use_client

T = TypeVar("T")

KEEP = 24 * 3600
"""Seconds the store keeps a key's upstream session id (a real server's sessions live three
days idle; a dead one is replaced at its first 401)."""


def store_key(key: ApiKey) -> str:
    """Where the session id of ``key`` is kept in the session store."""
    return f"api-upstream:{key.id}"


def log_in(key: ApiKey) -> str:
    """A new upstream session from the key's access token, kept for the next calls; the
    token must still be its owner's."""
    token = keyring().data_keys.decrypt(key.token_encrypted)
    session = SessionService(services().transport).login_with_token(token)
    if session.user_name and session.user_name != key.owner:
        raise ApiFailure(403, "This key's access token now belongs to another user", "AccessDenied")
    services().store.set(store_key(key), session.session_id, timeout=KEEP)
    return session.session_id


def bind(key: ApiKey, *, fresh: bool = False) -> None:
    """Make this request's client the key's upstream session (a new one if ``fresh``)."""
    kept = None if fresh else services().store.get(store_key(key))
    session_id = kept if isinstance(kept, str) and kept else log_in(key)
    use_client(CloudBeesClient.for_session(services().transport, session_id))


def forget(key: ApiKey) -> None:
    """Drop the key's kept upstream session (when the key is revoked)."""
    services().store.delete(store_key(key))


def run(key: ApiKey, operation: Callable[[], T]) -> T:
    """Run ``operation`` with the key's upstream session; when the server answers 401 (the
    session expired), log in with the token again and run it once more (a 401 means the
    server did nothing, so the repeat is safe)."""
    bind(key)
    try:
        return operation()
    except AuthenticationError:
        bind(key, fresh=True)
        return operation()
