"""The key-value stores behind sessions: a cachelib file store or Redis, behind one adapter.

cachelib has no public API for what propdesk needs besides get/set/delete (count the
entries, drop expired files, reach the Redis client for locks); ``Store`` is the one place
that touches its private parts, so a cachelib upgrade breaks here and nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import redis
from cachelib import FileSystemCache, RedisCache

from app.config import Settings

STORE_ERRORS: tuple[type[BaseException], ...] = (OSError, redis.exceptions.RedisError)
Cache = FileSystemCache | RedisCache


@dataclass(frozen=True)
class Store:
    """One cachelib cache (``cache``), with the operations propdesk needs on it."""

    cache: Cache
    key_prefix: str = ""

    @property
    def is_file(self) -> bool:
        return isinstance(self.cache, FileSystemCache)

    def get(self, key: str) -> Any:
        return self.cache.get(key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return bool(self.cache.set(key, value, timeout=timeout))

    def delete(self, key: str) -> bool:
        return bool(self.cache.delete(key))

    def ping(self) -> None:
        """Raise one of ``STORE_ERRORS`` unless the store answers (a Redis PING; the file
        store's folder exists). Writes nothing."""
        if isinstance(self.cache, FileSystemCache):
            if not os.path.isdir(self.cache._path):
                raise FileNotFoundError(self.cache._path)
            return
        self.redis_client().ping()

    def count(self) -> int:
        """How many entries the store holds (expired files count until the next sweep;
        the subfolders beside them, such as the login-limit counts, do not)."""
        if isinstance(self.cache, FileSystemCache):
            return sum(1 for path in self.cache._list_dir() if os.path.isfile(path))
        return sum(1 for _ in self.redis_client().scan_iter(self.key_prefix + "*", count=500))

    def remove_expired(self, now: float) -> None:
        """Delete files expired at ``now`` (a file store with ``threshold=0`` never prunes
        itself; Redis expires keys on its own)."""
        if isinstance(self.cache, FileSystemCache):
            self.cache._remove_expired(now)

    def redis_client(self) -> redis.Redis:
        """The Redis connection of a Redis store (shared with the edit locks)."""
        if not isinstance(self.cache, RedisCache):
            raise TypeError("not a Redis store")
        client: redis.Redis = self.cache._write_client
        return client


def private_folder(path: os.PathLike[str] | str) -> None:
    """Create a folder readable by this user only (the file store pickles sessions)."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def make_stores(settings: Settings) -> tuple[Store, Store]:
    """The store that holds sessions, and the one that holds login activity (kept apart
    so activity can be counted and never mixes with session data)."""
    timeout = int(settings.session_lifetime)
    if settings.session_backend == "redis":
        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2
        )
        return (
            Store(RedisCache(host=client, key_prefix="propdesk:", default_timeout=timeout)),
            Store(
                RedisCache(host=client, key_prefix="propdesk:activity:", default_timeout=timeout),
                key_prefix="propdesk:activity:",
            ),
        )
    folders = (settings.session_dir, settings.session_dir / "activity")
    for folder in folders:
        private_folder(folder)
    sessions, activity = (
        Store(FileSystemCache(str(f), threshold=0, mode=0o600, default_timeout=timeout))
        for f in folders
    )
    return sessions, activity
