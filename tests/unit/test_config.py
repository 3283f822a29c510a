"""Settings: required values, demo defaults, clear errors, and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import SETTINGS, ConfigError, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_missing_required_settings_are_named() -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({})
    assert "PROPDESK_CD_URL" in str(err.value) and "PROPDESK_SECRET_KEY" in str(err.value)


def test_demo_mode_fills_in_defaults() -> None:
    s = Settings.from_env({"PROPDESK_DEMO": "1"})
    assert s.api_base == "http://127.0.0.1:8900/rest/v1.0"
    assert len(s.secret_key) >= 32


def test_api_base_appends_rest_path() -> None:
    s = Settings.from_env(
        {"PROPDESK_CD_URL": "https://cd.example.com/", "PROPDESK_SECRET_KEY": "x" * 32}
    )
    assert s.api_base == "https://cd.example.com/rest/v1.0"
    assert s.cd_host == "cd.example.com"


@pytest.mark.parametrize(
    "env,needle",
    [
        ({"PROPDESK_CD_URL": "ftp://x"}, "http(s) URL"),
        ({"PROPDESK_READ_TIMEOUT": "soon"}, "PROPDESK_READ_TIMEOUT"),
        ({"PROPDESK_VERIFY_TLS": "perhaps"}, "PROPDESK_VERIFY_TLS"),
        ({"PROPDESK_CA_BUNDLE": "/no/such/file.pem"}, "PROPDESK_CA_BUNDLE"),
        ({"PROPDESK_TYPO": "1"}, "PROPDESK_TYPO"),
    ],
)
def test_bad_values_get_a_clear_message(env: dict[str, str], needle: str) -> None:
    base = {"PROPDESK_CD_URL": "https://cd.example.com", "PROPDESK_SECRET_KEY": "x" * 32}
    with pytest.raises(ConfigError) as err:
        Settings.from_env({**base, **env})
    assert needle in str(err.value)


def test_readme_table_matches_the_code() -> None:
    rows = re.findall(r"^\| `(PROPDESK_[A-Z_]+)` \| ([^|]*) \|", README.read_text(), re.M)
    documented = {name: default.strip().strip("`") for name, default in rows}
    declared = {s.name: (s.default if s.default is not None else "(required)") for s in SETTINGS}
    assert documented == declared
