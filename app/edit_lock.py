"""A lock around "re-read, compare, write" of one property, shared by every propdesk
worker (a file lock next to the file sessions, or a Redis lock with several replicas).

It closes the lost-update window between two propdesk users. Writers that bypass propdesk
(scripts on the API) can still race: the API has no compare-and-set.

A lock must outlive the work it guards. The Redis lock has a lease (the caller derives it
from the upstream deadline, with a margin) and a background thread renews it while it is
held, so a slow save never loses it; if it is lost anyway (Redis restarted, a key deleted),
``Lease.held()`` says so and releasing never raises. A file lock cannot expire; its file is
removed on release, so the folder holds only the locks being held.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import redis
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)
POLL = 0.005  # seconds between tries of a busy file lock


class LockBusy(Exception):
    """Another save of the same property did not finish in time."""


class Lease(Protocol):
    """A lock being held."""

    def held(self) -> bool:
        """True while the lock has been held without a break since it was taken."""
        ...


class EditLocks:
    """``hold(key, lease=...)`` serialises saves of one property across threads, processes
    and (with Redis) replicas."""

    def __init__(self, folder: Path | None = None, redis_client: redis.Redis | None = None) -> None:
        self.folder = folder
        self.redis = redis_client
        if folder is not None:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextmanager
    def hold(self, key: str, *, lease: float, wait: float = 5.0) -> Iterator[Lease]:
        """Hold the lock of ``key`` (waiting up to ``wait`` seconds, else ``LockBusy``).
        ``lease``: seconds a Redis lock lives without renewal, longer than the work."""
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        if self.redis is not None:
            with redis_lease(self.redis, f"propdesk:lock:{digest}", lease, wait) as held:
                yield held
            return
        assert self.folder is not None
        with file_lease(self.folder / digest, wait) as held:
            yield held


class RedisLease:
    """A held Redis lock, renewed to its full lease every third of it until released."""

    def __init__(self, lock: redis.lock.Lock, lease: float) -> None:
        self.lock = lock
        self.lease = lease
        self.lost = threading.Event()
        self.stopped = threading.Event()
        self.renewer = threading.Thread(target=self.renew, name="edit-lock-renewal", daemon=True)

    def renew(self) -> None:
        """Reset the lock's time to live until released; a lock found lost stays lost."""
        while not self.stopped.wait(self.lease / 3):
            try:
                self.lock.reacquire()
            except LockError:
                self.lost.set()
                return
            except RedisError as err:  # Redis unreachable for now: try again next time
                log.warning("edit lock %s not renewed: %s", self.lock.name, err)

    def held(self) -> bool:
        """True while this lock still owns its key (one Redis read); a lost lock stays lost."""
        if self.lost.is_set():
            return False
        try:
            owned = self.lock.owned()
        except RedisError:
            return False  # cannot tell: say no, so nobody is told more than is known
        if not owned:
            self.lost.set()
        return owned

    def release(self) -> None:
        """Stop renewing and release; a lock already lost is logged, never raised."""
        self.stopped.set()
        self.renewer.join()
        try:
            self.lock.release()
        except LockError:
            self.lost.set()
            log.warning("edit lock %s was lost before its release", self.lock.name)
        except RedisError as err:  # it expires by itself at the end of its lease
            log.warning("edit lock %s not released: %s", self.lock.name, err)


@contextmanager
def redis_lease(client: redis.Redis, name: str, lease: float, wait: float) -> Iterator[RedisLease]:
    """Take the Redis lock ``name`` and keep it renewed while the body runs."""
    # thread_local=False: the renewal thread must see the lock's token.
    lock = client.lock(name, timeout=lease, blocking_timeout=wait, thread_local=False)
    if not lock.acquire():
        raise LockBusy(name)
    held = RedisLease(lock, lease)
    held.renewer.start()
    try:
        yield held
    finally:
        held.release()


class FileLease:
    """A held ``flock``: it lasts as long as its open file, so it is never lost."""

    def held(self) -> bool:
        """Always true: the ``flock`` lasts until its file is closed."""
        return True


@contextmanager
def file_lease(path: Path, wait: float) -> Iterator[FileLease]:
    """Lock the file ``path``; on release the file is removed while still locked."""
    fd = open_locked(path, time.monotonic() + wait)
    try:
        yield FileLease()
    finally:
        try:
            path.unlink(missing_ok=True)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def open_locked(path: Path, deadline: float) -> int:
    """Open and lock ``path``. A holder removes the file on release, so a lock taken on a
    removed (or since replaced) file is dropped and the file opened again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            locked = flock_until(fd, deadline)
            if locked and same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if not locked:
            raise LockBusy(str(path))


def flock_until(fd: int, deadline: float) -> bool:
    """Try to lock ``fd`` until ``deadline`` (at least once); True when it is locked."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL)


def same_file(fd: int, path: Path) -> bool:
    """True when ``path`` still names the open file ``fd``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
