"""Building a large tree without the cyclic garbage collector's pauses.

A tree read or an import of 10,000 properties allocates a few hundred thousand objects
(JSON dicts, YAML nodes, ``Value``s); every 700 allocations the collector runs, and the
older generations, which grow with the tree, are scanned again and again: on a 10,000-entry
import that was more than half of the parse. Nothing built here holds a reference cycle,
so reference counting frees it all anyway; the collector is paused while it is built and
runs as usual afterwards. The pause is shared by the threads of a worker: the first to
enter pauses the collector (unless it was off already), the last to leave resumes it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field


@dataclass
class Pause:
    """How many threads are building now, and whether the collector ran before."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    holders: int = 0
    resume: bool = False

    @contextmanager
    def held(self) -> Iterator[None]:
        with self.lock:
            if self.holders == 0:
                self.resume = gc.isenabled()
                gc.disable()
            self.holders += 1
        try:
            yield
        finally:
            with self.lock:
                self.holders -= 1
                if self.holders == 0 and self.resume:
                    gc.enable()


PAUSE = Pause()


def no_gc_pauses() -> AbstractContextManager[None]:
    """``with no_gc_pauses(): ...`` builds without collector runs (see the module)."""
    return PAUSE.held()
