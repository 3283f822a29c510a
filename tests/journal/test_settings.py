"""The journal's settings, and the app that opens (and migrates) its journal at start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, Settings
from app.journal import migrate
from app.services import KEY, Services
from tests.support.settings import BASE, settings_with


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    s = Settings.from_env(BASE)
    assert s.data_dir == tmp_path / "propdesk"
    assert s.database == f"sqlite:///{tmp_path / 'propdesk' / 'propdesk.sqlite3'}"
    assert (s.replicas, s.journal_days, s.journal_values) == (1, 365, True)
    monkeypatch.delenv("XDG_DATA_HOME")
    assert Settings.from_env(BASE).data_dir == Path.home() / ".local" / "share" / "propdesk"


def test_values_and_postgresql_spellings() -> None:
    s = settings_with(
        PROPDESK_DATA_DIR="/var/lib/propdesk",
        PROPDESK_DATABASE_URL="postgres://propdesk:pw@db:5432/propdesk?sslmode=verify-full",
        PROPDESK_REPLICAS="2",
        PROPDESK_SESSION_BACKEND="redis",
        PROPDESK_JOURNAL_DAYS="0",
        PROPDESK_JOURNAL_VALUES="0",
    )
    assert s.database == "postgresql+psycopg://propdesk:pw@db:5432/propdesk?sslmode=verify-full"
    assert (s.replicas, s.journal_days, s.journal_values) == (2, 0, False)
    assert "pw" not in repr(s)


@pytest.mark.parametrize(
    "env,needle",
    [
        ({"PROPDESK_DATABASE_URL": "mysql://u:secretpw@db/x"}, "PROPDESK_DATABASE_URL must be"),
        ({"PROPDESK_DATABASE_URL": "sqlite://"}, "PROPDESK_DATABASE_URL must be"),
        ({"PROPDESK_DATABASE_URL": "sqlite:///:memory:"}, "PROPDESK_DATABASE_URL must be"),
        ({"PROPDESK_REPLICAS": "0"}, "PROPDESK_REPLICAS must be at least 1"),
        ({"PROPDESK_REPLICAS": "2"}, "SQLite, which replicas cannot share"),
        (
            {"PROPDESK_REPLICAS": "3", "PROPDESK_DATABASE_URL": "sqlite:////srv/p.sqlite3"},
            "PROPDESK_REPLICAS is 3",
        ),
        (
            {"PROPDESK_REPLICAS": "2", "PROPDESK_DATABASE_URL": "postgresql://db/propdesk"},
            "set PROPDESK_SESSION_BACKEND=redis",
        ),
        ({"PROPDESK_JOURNAL_DAYS": "-1"}, "PROPDESK_JOURNAL_DAYS"),
        ({"PROPDESK_JOURNAL_VALUES": "maybe"}, "PROPDESK_JOURNAL_VALUES"),
    ],
)
def test_refused(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings_with(**env)
    assert needle in str(err.value) and "secretpw" not in str(err.value)


def test_the_app_opens_and_migrates_its_journal_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = settings_with(PROPDESK_DATA_DIR=str(data))
    app = create_app(settings)
    services = app.extensions[KEY]
    assert isinstance(services, Services)
    state = services.journal.probe()
    assert state.ok and (state.backend, state.revision) == ("sqlite", migrate.head())
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = list(data.glob("propdesk.sqlite3*"))
    assert data / "propdesk.sqlite3" in files
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), files
    assert services.journal.keep_values and services.journal.retention_days == 365
    services.journal.database.dispose()


def test_the_app_starts_when_its_database_is_down(database_url: str) -> None:
    down = "postgresql+psycopg://nobody@127.0.0.1:9/propdesk?connect_timeout=2"
    app = create_app(settings_with(PROPDESK_DATABASE_URL=down))
    assert app.extensions[KEY].journal.probe().status == "unavailable"
    up = create_app(settings_with(PROPDESK_DATABASE_URL=database_url))
    assert up.extensions[KEY].journal.probe().ok
