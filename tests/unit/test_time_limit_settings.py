"""The settings that bound waiting: ``PROPDESK_UPSTREAM_DEADLINE`` (derived from the read
timeout when empty) with gunicorn's timeout above it, and ``PROPDESK_BODY_TIMEOUT``."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from app.cloudbees.transport import DEFAULT_DEADLINE_MARGIN, DEFAULT_READ_TIMEOUT
from app.config import SPECS, ConfigError, Settings, server_settings
from app.services import build_services
from tests.support.settings import BASE

ROOT = Path(__file__).resolve().parents[2]


def test_the_deadline_is_derived_from_the_read_timeout_unless_given() -> None:
    assert SPECS["PROPDESK_UPSTREAM_DEADLINE"].default == ""  # the README says "derived"
    assert "derived" in SPECS["PROPDESK_UPSTREAM_DEADLINE"].help
    default = Settings.from_env(BASE)
    assert default.upstream_deadline == DEFAULT_READ_TIMEOUT + DEFAULT_DEADLINE_MARGIN
    short = Settings.from_env({**BASE, "PROPDESK_READ_TIMEOUT": "7"})
    assert short.upstream_deadline == 7 + DEFAULT_DEADLINE_MARGIN
    given = Settings.from_env({**BASE, "PROPDESK_UPSTREAM_DEADLINE": "12.5"})
    assert given.upstream_deadline == 12.5


@pytest.mark.parametrize("name", ["PROPDESK_UPSTREAM_DEADLINE", "PROPDESK_BODY_TIMEOUT"])
@pytest.mark.parametrize("raw", ["0", "-1", "soon", "nan"])
def test_bad_time_limits_are_refused_by_name(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({**BASE, name: raw})


def test_the_transport_gets_the_deadline(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {**BASE, "PROPDESK_UPSTREAM_DEADLINE": "9", "PROPDESK_SESSION_DIR": str(tmp_path)}
    )
    assert build_services(settings).transport.settings.deadline_seconds == 9


def test_the_body_timeout_has_a_default_and_takes_a_value() -> None:
    assert Settings.from_env(BASE).body_timeout == float(
        SPECS["PROPDESK_BODY_TIMEOUT"].default or ""
    )
    assert Settings.from_env({**BASE, "PROPDESK_BODY_TIMEOUT": "2.5"}).body_timeout == 2.5


@pytest.mark.parametrize(
    "env",
    [{}, {"PROPDESK_READ_TIMEOUT": "90"}, {"PROPDESK_UPSTREAM_DEADLINE": "100"}],
)
def test_gunicorn_timeout_stays_above_the_deadline(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in SPECS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # no folder of its own
    deadline = server_settings().upstream_deadline
    assert deadline == Settings.from_env({**BASE, **env}).upstream_deadline
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert config["timeout"] > deadline
