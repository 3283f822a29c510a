"""Ending the CloudBees CD sessions that propdesk gives up, in the background.

When our login ends without a logout (idle or lifetime timeout, another SSO user, a second
login over the first), the upstream session would otherwise live on at the server. It is
ended with ``DELETE /sessions`` on a worker thread: short timeouts, no retries, failures
logged and otherwise ignored, and the user never waits for it.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from flask import Flask, current_app

from app.cloudbees import CloudBeesError, Transport, TransportSettings
from app.cloudbees.models import CdSession
from app.cloudbees.sessions import SessionService

log = logging.getLogger(__name__)
KEY = "propdesk.upstream_logouts"
CONNECT_TIMEOUT = 2.0  # seconds, at most: ending a session is worth little waiting
READ_TIMEOUT = 5.0
THREADS = 2


class UpstreamLogouts:
    """Ends upstream sessions on a small pool of threads (one pool per process)."""

    def __init__(self, settings: TransportSettings) -> None:
        self.transport = Transport(
            replace(
                settings,
                connect_timeout=min(settings.connect_timeout, CONNECT_TIMEOUT),
                read_timeout=min(settings.read_timeout, READ_TIMEOUT),
                retries=0,
            )
        )
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def end(self, user: str, session_id: str, reason: str) -> None:
        """Start ending ``user``'s upstream session ``session_id``; returns at once."""
        self._executor().submit(self._end, user, session_id, reason)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():  # none yet, or forked
                self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="upstream-logout")
                self._pid = os.getpid()
            return self._pool

    def _end(self, user: str, session_id: str, reason: str) -> None:
        try:
            SessionService(self.transport).logout(CdSession(user, session_id))
        except CloudBeesError as err:
            log.warning(
                "could not end the CloudBees CD session of %s after %s: %s",
                user,
                reason,
                err.code or err.message,
            )
        except Exception:  # a bug here must not kill the pool's thread silently
            log.exception("ending the CloudBees CD session of %s failed", user)


def install_upstream_logouts(app: Flask, settings: TransportSettings) -> None:
    """Give ``app`` its ``UpstreamLogouts`` for the server that ``settings`` describe."""
    app.extensions[KEY] = UpstreamLogouts(settings)


def upstream_logouts() -> UpstreamLogouts:
    """The current app's ``UpstreamLogouts``."""
    found = current_app.extensions[KEY]
    assert isinstance(found, UpstreamLogouts)
    return found
