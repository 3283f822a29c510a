"""New API keys and their hashes: ``propdesk_`` plus 32 random bytes (URL-safe base64)."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "propdesk_"
"""How every key starts, so a leaked one is recognisable (secret scanners, logs)."""

KEY_BYTES = 32
"""Random bytes in a key."""

MAX_KEY_LENGTH = 200
"""Longer text is never a key (refused before hashing)."""


def new_key() -> str:
    """A fresh key: the prefix and 32 random bytes."""
    return KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    """The stored form of a key: its hex SHA-256 (a key has 256 random bits, so a fast
    hash is enough; nothing can be guessed from it)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_key(text: str) -> bool:
    """Whether ``text`` could be a key at all (cheap check before the database)."""
    return text.startswith(KEY_PREFIX) and len(text) <= MAX_KEY_LENGTH
