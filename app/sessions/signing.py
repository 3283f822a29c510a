"""Session ids that carry their own signature, and the CSRF token of a session not stored.

A session id is ``<random>.<HMAC of it under PROPDESK_SECRET_KEY>``: an id that another
instance made (another key), or that a client made up, is refused before any store lookup,
so two instances sharing a session folder or a Redis never accept each other's cookies.
This replaces Flask-Session's deprecated ``use_signer``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from itsdangerous import Signer

SALT = "propdesk.session-id"
CSRF_PURPOSE = b"propdesk.csrf-token\x00"
MAX_LENGTH = 256  # a cookie longer than this is not one of ours


@dataclass(frozen=True)
class SessionIds:
    """Makes and checks signed session ids with one secret key."""

    secret_key: str = field(repr=False)

    def _signer(self) -> Signer:
        return Signer(
            self.secret_key, salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256
        )

    def new(self, nbytes: int = 32) -> str:
        """A fresh id: ``nbytes`` random bytes (URL-safe text) and their signature."""
        return self._signer().sign(secrets.token_urlsafe(nbytes)).decode("ascii")

    def valid(self, sid: str | None) -> bool:
        """Whether ``sid`` was made by ``new`` with this key."""
        if not sid or len(sid) > MAX_LENGTH or not sid.isascii():
            return False
        return self._signer().validate(sid)

    def csrf_token(self, sid: str) -> str:
        """The raw CSRF token of a session that is not stored (yet): derived from its id,
        so a login page needs no stored session to check the form it sends back."""
        mac = hmac.new(self.secret_key.encode(), CSRF_PURPOSE + sid.encode(), hashlib.sha256)
        return mac.hexdigest()
