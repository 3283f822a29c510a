"""The key store on propdesk's database (SQLite and a real PostgreSQL): only a hash is
stored, revoked and expired keys are never found, last use is written sparingly, and the
migration adds the table to a database at the journal's first revision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, select

from app.cloudbees import PropertyPath
from app.journal import Database, migrate
from app.keys.crypto import DataKeys, DataKeysMissing, UndecryptableSecret, parse_data_keys
from app.keys.minting import KEY_PREFIX, key_hash
from app.keys.models import KeyRequest, KeyRequestInvalid, parse_prefixes
from app.keys.store import KeyStore
from app.keys.tables import API_KEYS
from tests.support.postgres import PostgresServer, running_postgres

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'propdesk.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.create_database()
    db = Database(url)
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database: Database, clock: Clock) -> KeyStore:
    return KeyStore(database, clock)


def test_a_key_is_shown_once_and_only_its_hash_is_stored(
    store: KeyStore, database: Database
) -> None:
    minted = store.create("admin", KeyRequest("ci"), "encrypted-token")
    assert minted.text.startswith(KEY_PREFIX) and len(minted.text) == len(KEY_PREFIX) + 43
    with database.engine.connect() as conn:
        rows = [tuple(str(v) for v in row) for row in conn.execute(select(API_KEYS))]
    assert len(rows) == 1
    assert not any(minted.text in cell for cell in rows[0])
    assert key_hash(minted.text) in rows[0]
    found = store.find(minted.text)
    assert found is not None and found.owner == "admin" and found.name == "ci"
    assert (found.scope, found.prefixes) == ("read-only", ())
    assert found.expires - found.created == timedelta(days=90)


def test_unknown_revoked_and_expired_keys_are_not_found(store: KeyStore, clock: Clock) -> None:
    one = store.create("admin", KeyRequest("one", days=1), "t")
    two = store.create("admin", KeyRequest("two"), "t")
    assert store.find(one.text[:-1] + ("A" if one.text[-1] != "A" else "B")) is None
    assert store.find("not a key") is None
    assert not store.revoke(two.key.id, "viewer")  # another user's key: untouched
    assert store.find(two.text) is not None
    assert store.revoke(two.key.id, "admin")
    assert store.find(two.text) is None
    assert not store.revoke(two.key.id, "admin")  # already revoked
    clock.now += timedelta(days=1)
    assert store.find(one.text) is None
    assert [k.name for k in store.list_for("admin")] == ["one"]  # expired is still listed


def test_last_use_is_written_at_most_once_a_minute(store: KeyStore, clock: Clock) -> None:
    minted = store.create("admin", KeyRequest("ci"), "t")
    key = store.find(minted.text)
    assert key is not None and key.last_used is None
    store.touch(key)
    first = store.find(minted.text)
    assert first is not None and first.last_used == START
    clock.now += timedelta(seconds=30)
    store.touch(first)
    assert (store.find(minted.text) or first).last_used == START
    clock.now += timedelta(seconds=31)
    store.touch(first)
    assert (store.find(minted.text) or first).last_used == clock.now


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "tab\there"}, "name"),
        ({"name": "ok", "days": 0}, "days"),
        ({"name": "ok", "days": 366}, "days"),
    ],
)
def test_a_bad_request_names_its_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(KeyRequestInvalid) as caught:
        KeyRequest(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_prefixes_are_paths_one_per_line() -> None:
    assert parse_prefixes("/projects/Default/ci\n\n/server/x\n/projects/Default/ci\n") == (
        "/projects/Default/ci",
        "/server/x",
    )
    with pytest.raises(KeyRequestInvalid, match="Line 2"):
        parse_prefixes("/projects/Default\n/nowhere/x")


def test_prefixes_cover_whole_segments(store: KeyStore) -> None:
    wanted = KeyRequest("ci", prefixes=("/projects/A/ci",))
    key = store.create("admin", wanted, "t").key
    assert key.covers(PropertyPath.parse("/projects/A/ci"))
    assert key.covers(PropertyPath.parse("/projects/A/ci/deep/x"))
    assert not key.covers(PropertyPath.parse("/projects/A/cid"))
    assert not key.covers(PropertyPath.parse("/projects/A"))


def test_tokens_are_encrypted_with_the_first_data_key_and_opened_by_any() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = DataKeys((old,)).encrypt("admin-access-token")
    assert "admin-access-token" not in sealed
    rotated = DataKeys(parse_data_keys(f"{new}, {old}"))
    assert rotated.decrypt(sealed) == "admin-access-token"
    resealed = rotated.rotate(sealed)
    assert DataKeys((new,)).decrypt(resealed) == "admin-access-token"
    with pytest.raises(UndecryptableSecret):
        DataKeys((new,)).decrypt(sealed)
    with pytest.raises(DataKeysMissing):
        DataKeys(()).encrypt("x")
    with pytest.raises(ValueError, match="key 2 is not a Fernet key"):
        parse_data_keys(f"{old},nonsense")


def test_the_migration_adds_the_table_to_a_database_at_the_first_revision(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(db, "0001")
    assert "api_keys" not in inspect(db.engine).get_table_names()
    done = migrate.upgrade(db)
    assert (done.before, done.after) == ("0001", migrate.head())
    assert "api_keys" in inspect(db.engine).get_table_names()
    migrate.downgrade(db, "0001")
    assert "api_keys" not in inspect(db.engine).get_table_names()
    db.dispose()


def sealed_tokens(database: Database) -> list[str]:
    with database.single_read() as conn:
        stmt = select(API_KEYS.c.token_encrypted).order_by(API_KEYS.c.id)
        return [str(token) for token in conn.execute(stmt).scalars()]


def test_reseal_moves_every_token_to_the_first_data_key(store: KeyStore) -> None:
    """Rotation: put a new data key first, reseal, then the old key can be dropped."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    for n in range(3):
        store.create("admin", KeyRequest(f"k{n}"), DataKeys((old,)).encrypt(f"token-{n}"))
    assert store.reseal(DataKeys((new, old)).rotate) == 3
    only_new = DataKeys((new,))
    assert [only_new.decrypt(token) for token in sealed_tokens(store.database)] == [
        "token-0",
        "token-1",
        "token-2",
    ]


def test_reseal_changes_nothing_when_a_token_cannot_be_opened(store: KeyStore) -> None:
    old, new, lost = (Fernet.generate_key().decode() for _ in range(3))
    store.create("admin", KeyRequest("good"), DataKeys((old,)).encrypt("kept"))
    store.create("admin", KeyRequest("orphan"), DataKeys((lost,)).encrypt("gone"))
    before = sealed_tokens(store.database)
    with pytest.raises(UndecryptableSecret):
        store.reseal(DataKeys((new, old)).rotate)
    assert sealed_tokens(store.database) == before


def test_the_cli_reseals_with_the_configured_data_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    url = f"sqlite:///{tmp_path / 'propdesk.sqlite3'}"
    db = Database(url)
    migrate.upgrade(db)
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    KeyStore(db).create("admin", KeyRequest("pipeline"), DataKeys((old,)).encrypt("secret"))
    monkeypatch.setenv("PROPDESK_DATABASE_URL", url)
    monkeypatch.setenv("PROPDESK_DATA_KEYS", f"{new},{old}")
    assert main(["keys", "reseal"]) == 0
    assert "1 access token" in capsys.readouterr().out
    assert DataKeys((new,)).decrypt(sealed_tokens(db)[0]) == "secret"
    monkeypatch.setenv("PROPDESK_DATA_KEYS", new)
    KeyStore(db).create("admin", KeyRequest("lost"), DataKeys((old,)).encrypt("x"))
    assert main(["keys", "reseal"]) == 1
    assert "no data key" in capsys.readouterr().err
    db.dispose()
