"""Secrets at rest: ``PROPDESK_DATA_KEYS`` as a ``MultiFernet`` (the first key encrypts,
every key decrypts, so keys can be rotated: put the new one first, re-encrypt, drop the old).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DataKeysMissing(RuntimeError):
    """No ``PROPDESK_DATA_KEYS``: nothing can be encrypted (API keys cannot be made)."""


class UndecryptableSecret(RuntimeError):
    """A stored secret that no configured data key opens (a key was dropped too early)."""


def parse_data_keys(text: str) -> tuple[str, ...]:
    """The comma-separated Fernet keys of ``text``; raise ``ValueError`` naming a bad one
    by its position (never by its text)."""
    keys = tuple(item.strip() for item in text.split(",") if item.strip())
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(
                f"key {position} is not a Fernet key (32 bytes, URL-safe base64; make one "
                "with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from None
    return keys


def generate_data_key() -> str:
    """A new Fernet key as text (what the demo keeps under ``.demo/``)."""
    return Fernet.generate_key().decode()


class DataKeys:
    """Encrypt with the first key, decrypt with any (``cryptography``'s ``MultiFernet``)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys]) if keys else None

    @property
    def available(self) -> bool:
        return self._fernet is not None

    def encrypt(self, text: str) -> str:
        if self._fernet is None:
            raise DataKeysMissing("PROPDESK_DATA_KEYS is not set")
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        if self._fernet is None:
            raise DataKeysMissing("PROPDESK_DATA_KEYS is not set")
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise UndecryptableSecret("no data key in PROPDESK_DATA_KEYS opens it") from None

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted with the first key."""
        if self._fernet is None:
            raise DataKeysMissing("PROPDESK_DATA_KEYS is not set")
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise UndecryptableSecret("no data key in PROPDESK_DATA_KEYS opens it") from None
