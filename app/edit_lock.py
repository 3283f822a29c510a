"""A short lock around "re-read, compare, write" of one property, shared by every propdesk
worker (a file lock next to the file sessions, or a Redis lock with several replicas).

It closes the lost-update window between two propdesk users. Writers that bypass propdesk
(scripts on the API) can still race: the API has no compare-and-set.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class LockBusy(Exception):
    """Another save of the same property did not finish in time."""


class EditLocks:
    """``hold(key)`` serialises saves of one property across threads and processes."""

    def __init__(self, folder: Path | None = None, redis_client: Any = None) -> None:
        self.folder = folder
        self.redis = redis_client
        if folder is not None:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextmanager
    def hold(self, key: str, wait: float = 5.0) -> Iterator[None]:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        if self.redis is not None:
            lock = self.redis.lock(f"propdesk:lock:{digest}", timeout=15, blocking_timeout=wait)
            if not lock.acquire():
                raise LockBusy(key)
            try:
                yield
            finally:
                lock.release()
            return
        assert self.folder is not None
        fd = os.open(self.folder / digest, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockBusy(key) from None
                    time.sleep(0.005)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
