"""API keys in propdesk's database: make, list, revoke, find by key text, mark as used,
re-encrypt the stored access tokens after a data key rotation.

Every method is one short unit of work on the journal's ``Database`` (same engine, same
error translation: a database that fails raises ``JournalUnavailable``). ``find`` reads the
row on every call, so a revocation on one replica holds on every other at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update

from app.journal.database import Database
from app.keys.minting import key_hash, looks_like_key, new_key
from app.keys.models import ApiKey, KeyRequest, MintedKey, expiry
from app.keys.tables import API_KEYS

TOUCH_EVERY = timedelta(minutes=1)
"""``last_used`` is written at most this often per key (a write per call is waste)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        owner=row.owner,
        read_write=bool(row.read_write),
        prefixes=tuple(p for p in row.prefixes.split("\n") if p),
        created=row.created,
        expires=row.expires,
        last_used=row.last_used,
        revoked=row.revoked,
        token_encrypted=row.token_encrypted,
    )


class KeyStore:
    """The ``api_keys`` table of one database."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = _now) -> None:
        self.database = database
        self.clock = clock

    def create(self, owner: str, wanted: KeyRequest, token_encrypted: str) -> MintedKey:
        """Store a new key for ``owner``; its text is in the answer and nowhere else."""
        text, now = new_key(), self.clock()
        expires = expiry(now, wanted.days)
        values: dict[str, object] = {
            "key_sha256": key_hash(text),
            "name": wanted.name,
            "owner": owner,
            "read_write": wanted.read_write,
            "prefixes": "\n".join(wanted.prefixes),
            "token_encrypted": token_encrypted,
            "created": now,
            "expires": expires,
        }
        with self.database.write_connection() as conn:
            new_id = conn.execute(insert(API_KEYS).returning(API_KEYS.c.id), values).scalar_one()
        key = ApiKey(new_id, wanted.name, owner, wanted.read_write, wanted.prefixes, now, expires)
        return MintedKey(text, key)

    def list_for(self, owner: str) -> tuple[ApiKey, ...]:
        """``owner``'s keys that are not revoked, newest first (expired ones included)."""
        stmt = (
            select(API_KEYS)
            .where(API_KEYS.c.owner == owner, API_KEYS.c.revoked.is_(None))
            .order_by(API_KEYS.c.id.desc())
        )
        with self.database.single_read() as conn:
            return tuple(_key(row) for row in conn.execute(stmt))

    def revoke(self, key_id: int, owner: str) -> bool:
        """Revoke one of ``owner``'s keys; False when there is no such live key."""
        stmt = (
            update(API_KEYS)
            .where(
                API_KEYS.c.id == key_id,
                API_KEYS.c.owner == owner,
                API_KEYS.c.revoked.is_(None),
            )
            .values(revoked=self.clock())
        )
        with self.database.write_connection() as conn:
            return bool(conn.execute(stmt).rowcount)

    def find(self, text: str) -> ApiKey | None:
        """The live key whose text is ``text`` (not revoked, not expired), else ``None``."""
        if not looks_like_key(text):
            return None
        stmt = select(API_KEYS).where(API_KEYS.c.key_sha256 == key_hash(text))
        with self.database.single_read() as conn:
            row = conn.execute(stmt).first()
        key = _key(row) if row is not None else None
        return key if key is not None and key.usable(self.clock()) else None

    def touch(self, key: ApiKey) -> None:
        """Mark ``key`` as used now (at most once per ``TOUCH_EVERY``)."""
        now = self.clock()
        if key.last_used is not None and now - key.last_used < TOUCH_EVERY:
            return
        stmt = (
            update(API_KEYS)
            .where(
                API_KEYS.c.id == key.id,
                or_(API_KEYS.c.last_used.is_(None), API_KEYS.c.last_used < now - TOUCH_EVERY),
            )
            .values(last_used=now)
        )
        with self.database.write_connection() as conn:
            conn.execute(stmt)

    def reseal(self, rotate: Callable[[str], str]) -> int:
        """Re-encrypt every stored access token with ``rotate`` (``DataKeys.rotate``: the
        first data key), in one transaction: a token no data key opens raises before
        anything is written. Returns how many tokens were re-encrypted."""
        with self.database.write_connection() as conn:
            rows = list(conn.execute(select(API_KEYS.c.id, API_KEYS.c.token_encrypted)))
            resealed = [(row.id, rotate(row.token_encrypted)) for row in rows]
            for key_id, token in resealed:
                stmt = update(API_KEYS).where(API_KEYS.c.id == key_id)
                conn.execute(stmt.values(token_encrypted=token))
        return len(resealed)
