"""How long one request may wait: for its own body, and for CloudBees CD.

* The body: gunicorn has no body-read timeout, and its readers loop on ``recv`` until they
  have what was asked for, so a client sending a byte a second holds a worker thread for as
  long as it likes (and a socket timeout alone never fires: each byte comes in time).
  ``BodyReadDeadline`` wraps ``wsgi.input``: a body must arrive within
  ``PROPDESK_BODY_TIMEOUT`` seconds plus one second per ``BODY_MIN_RATE`` bytes read. When
  a read runs past that, a watchdog thread shuts the reading side of the socket, which wakes
  the blocked ``recv``; the read then raises ``RequestTimeout`` (408, rendered by
  ``app.errors``) and the connection is shut once that answer is sent. It needs the
  server's socket in the environ (gunicorn's ``gunicorn.socket``, werkzeug's
  ``werkzeug.socket``); without one, requests pass through untouched.
* CloudBees CD: every request runs inside one ``Transport.deadline`` of
  ``PROPDESK_UPSTREAM_DEADLINE`` seconds, opened before any hook that may call the upstream
  and closed at teardown, so all its calls, retries and waits share one budget.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, suppress
from typing import TYPE_CHECKING, Any

from flask import Flask, g
from werkzeug.exceptions import RequestTimeout
from werkzeug.wsgi import ClosingIterator

from app.config import BODY_MIN_RATE, Settings
from app.services import services

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")
"""Where WSGI servers put the client's socket in the environ."""


def _shut(sock: socket.socket, how: int) -> None:
    """Shut one side of a socket, ignoring a socket that is already gone."""
    with suppress(OSError):
        sock.shutdown(how)


class Watchdog:
    """One thread (started on first use, again after a fork) that shuts the reading side of
    sockets whose read is still going when its time is up; a blocked ``recv`` then returns
    at once with end of file."""

    def __init__(self) -> None:
        self._due: dict[int, tuple[float, socket.socket]] = {}
        self._fired: set[int] = set()
        self._keys = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, when: float) -> int:
        """Watch a read on ``sock`` that must end by ``when`` (``time.monotonic()``)."""
        with self._wake:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="propdesk-body-watchdog", daemon=True
                )
                self._thread.start()
            key = next(self._keys)
            self._due[key] = (when, sock)
            self._wake.notify()
            return key

    def disarm(self, key: int) -> bool:
        """Stop watching; ``True`` when the time had run out and the socket was shut."""
        with self._wake:
            self._due.pop(key, None)
            fired = key in self._fired
            self._fired.discard(key)
            return fired

    def _run(self) -> None:
        """Shut every socket whose time is up, then sleep until the next one is due."""
        with self._wake:
            while True:
                now = time.monotonic()
                for key, (when, sock) in list(self._due.items()):
                    if when <= now:
                        del self._due[key]
                        self._fired.add(key)
                        _shut(sock, socket.SHUT_RD)
                soonest = min((when for when, _ in self._due.values()), default=None)
                self._wake.wait(None if soonest is None else soonest - now)


WATCHDOG = Watchdog()
"""The process's one watchdog, shared by every app in it (tests run many)."""


class TimedBody:
    """``wsgi.input`` whose every read must end by the body's schedule: ``timeout`` seconds
    after the first read (the app reads the body first thing, in the CSRF check; a body read
    later has only had more time to arrive), plus one second per ``BODY_MIN_RATE`` bytes read
    so far and asked for now. Past that it raises ``RequestTimeout`` (and keeps raising)."""

    def __init__(self, inner: Any, sock: socket.socket, timeout: float, watchdog: Watchdog) -> None:
        self._inner = inner
        self._sock = sock
        self._start: float | None = None
        self._timeout = timeout
        self._watchdog = watchdog
        self._received = 0
        self.cut = False

    def read(self, size: int | None = -1) -> bytes:
        """WSGI's ``read``, timed."""
        return self._timed(lambda: bytes(self._inner.read(size)), size)

    def readline(self, size: int | None = -1) -> bytes:
        """WSGI's ``readline``, timed."""
        return self._timed(lambda: bytes(self._inner.readline(size)), size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        """WSGI's ``readlines`` (every line; the hint is optional in WSGI), timed."""
        return list(iter(self.readline, b""))

    def __iter__(self) -> Iterator[bytes]:
        """The lines of the body, each read timed."""
        return iter(self.readline, b"")

    def _timed(self, read: Callable[[], bytes], size: int | None) -> bytes:
        """Run one read of the inner stream under the watchdog."""
        if self.cut:
            raise self._too_slow()
        if self._start is None:
            self._start = time.monotonic()
        wanted = size if size is not None and size > 0 else 0
        when = self._start + self._timeout + (self._received + wanted) / BODY_MIN_RATE
        key = self._watchdog.arm(self._sock, when)
        try:
            data = read()
        except Exception:
            self.cut = self._watchdog.disarm(key)
            if self.cut:
                raise self._too_slow() from None
            raise
        self.cut = self._watchdog.disarm(key)
        if self.cut:
            raise self._too_slow()
        self._received += len(data)
        return data

    def _too_slow(self) -> RequestTimeout:
        """The 408 error, with what the limit was."""
        return RequestTimeout(
            f"The request body did not arrive in time ({self._timeout:g} s, plus 1 s per "
            f"{BODY_MIN_RATE // 1024} KiB); nothing was done."
        )

    def shut(self) -> None:
        """After the answer is sent: shut the connection of a body that was cut off (where
        the next request would start on it is unknown)."""
        _shut(self._sock, socket.SHUT_RDWR)


class BodyReadDeadline:
    """WSGI middleware that bounds how long a request may take to send its body (see the
    module's docstring)."""

    def __init__(self, app: WSGIApplication, timeout: float, watchdog: Watchdog = WATCHDOG) -> None:
        self.app = app
        self.timeout = timeout
        self.watchdog = watchdog

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sock = next((environ[k] for k in SOCKET_KEYS if k in environ), None)
        if not isinstance(sock, socket.socket):
            return self.app(environ, start_response)
        body = TimedBody(environ["wsgi.input"], sock, self.timeout, self.watchdog)
        environ["wsgi.input"] = body
        answer = self.app(environ, start_response)
        # Only a cut request gets wrapped: a wrapped answer would lose gunicorn's sendfile.
        return ClosingIterator(answer, body.shut) if body.cut else answer


def start_upstream_deadline() -> None:
    """Open this request's one upstream deadline (``end_upstream_deadline`` closes it)."""
    scope = ExitStack()
    scope.enter_context(services().transport.deadline())  # PROPDESK_UPSTREAM_DEADLINE
    g.upstream_deadline = scope


def end_upstream_deadline(error: BaseException | None) -> None:
    """Close the request's upstream deadline, whatever happened."""
    scope = g.pop("upstream_deadline", None)
    if isinstance(scope, ExitStack):
        scope.close()


def register_time_limits(app: Flask, settings: Settings) -> None:
    """Bound what one request may wait for: its body and CloudBees CD. Register it before
    any hook that calls the upstream."""
    app.wsgi_app = BodyReadDeadline(app.wsgi_app, settings.body_timeout)  # type: ignore[method-assign]
    app.before_request(start_upstream_deadline)
    app.teardown_request(end_upstream_deadline)
