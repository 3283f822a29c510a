"""Housekeeping of the file session store: expired files are deleted now and then."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from app.sessions.stores import Store


class FileStoreSweeper:
    """Deletes expired session files (the store never prunes with ``threshold=0``). Runs
    inside a request at most once per ``interval`` seconds, in one thread at a time."""

    def __init__(
        self,
        stores: Sequence[Store],
        interval: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.stores = tuple(stores)
        self.interval = interval
        self.clock = clock
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def maybe_sweep(self) -> None:
        """Sweep when the interval has passed and no other thread is sweeping."""
        now = time.monotonic()
        if now - self._last < self.interval or not self._lock.acquire(blocking=False):
            return
        try:
            self._last = now
            self.sweep()
        finally:
            self._lock.release()

    def sweep(self) -> None:
        """Remove expired files (one listing of each folder)."""
        for store in self.stores:
            store.remove_expired(self.clock())
