"""Settings: required values, demo defaults, clear errors, and the README table."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from app.cloudbees import CloudBeesClient
from app.cloudbees.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_RETRIES,
    TransportSettings,
)
from app.config import (
    MIN_SECRET_KEY_LENGTH,
    SETTINGS,
    ConfigError,
    Settings,
    server_settings,
    settings_table,
)
from tests.support.settings import BASE, settings_with

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
        ({"PROPDESK_CD_URL": "https://cd.example.com/?x=1"}, "query or fragment"),
        ({"PROPDESK_SECRET_KEY": "x" * 31}, "PROPDESK_SECRET_KEY must be at least 32"),
        ({"PROPDESK_THREADS": "abc"}, "PROPDESK_THREADS must be a whole number"),
        ({"PROPDESK_THREADS": "0"}, "PROPDESK_THREADS must be at least 1"),
        ({"PROPDESK_RETRIES": "-1"}, "PROPDESK_RETRIES must be at least 0"),
        ({"PROPDESK_CONNECT_TIMEOUT": "-1"}, "PROPDESK_CONNECT_TIMEOUT must not be negative"),
        ({"PROPDESK_PAGE_SIZE": "0"}, "PROPDESK_PAGE_SIZE"),
        ({"PROPDESK_SESSION_BACKEND": "memcached"}, "PROPDESK_SESSION_BACKEND"),
        ({"PROPDESK_LOG_LEVEL": "loud"}, "PROPDESK_LOG_LEVEL must be DEBUG, INFO"),
        ({"PROPDESK_TRUSTED_PROXIES": "10.0.0.0/8, nope"}, "PROPDESK_TRUSTED_PROXIES"),
        ({"PROPDESK_REDIS_URL": "http://cache"}, "PROPDESK_REDIS_URL"),
    ],
)
def test_bad_values_get_a_clear_message(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings_with(**env)
    assert needle in str(err.value)


def test_every_settings_field_has_one_row() -> None:
    filled = [spec.field_name for spec in SETTINGS]
    assert sorted(filled) == sorted(f.name for f in fields(Settings))
    assert len({spec.name for spec in SETTINGS}) == len(SETTINGS)


def test_defaults_come_from_the_table_and_the_client() -> None:
    s = Settings.from_env(BASE)
    assert (s.connect_timeout, s.read_timeout) == (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
    assert s.retries == DEFAULT_RETRIES and s.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES
    assert (s.bind, s.threads, s.page_size, s.log_level) == ("127.0.0.1:8000", 8, 100, "INFO")
    assert s.cookie_secure and s.verify_tls and not s.demo and s.ca_bundle is None
    assert s.session_dir.name.startswith("propdesk-sessions-")
    assert TransportSettings("http://x").read_timeout == DEFAULT_READ_TIMEOUT
    login_defaults = CloudBeesClient.login.__kwdefaults__ or {}
    assert login_defaults["timeout"] == (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)


def test_values_are_parsed_to_their_types() -> None:
    s = settings_with(
        PROPDESK_THREADS="16",
        PROPDESK_READ_TIMEOUT="7.5",
        PROPDESK_SESSION_BACKEND="Redis",
        PROPDESK_LOG_LEVEL="debug",
        PROPDESK_TRUSTED_PROXIES="10.1.2.3/8, 127.0.0.1",
        PROPDESK_TRUSTED_HOSTS="a.example.com, ,b.example.com",
        PROPDESK_VERIFY_TLS="off",
    )
    assert (s.threads, s.read_timeout, s.session_backend, s.log_level) == (
        16,
        7.5,
        "redis",
        "DEBUG",
    )
    assert s.trusted_proxies == ("10.0.0.0/8", "127.0.0.1/32")
    assert s.trusted_hosts == ("a.example.com", "b.example.com")
    assert s.verify_tls is False


def test_a_blank_variable_means_the_default() -> None:
    s = settings_with(PROPDESK_COOKIE_SECURE="", PROPDESK_THREADS=" ")
    assert s.cookie_secure is True and s.threads == 8


def test_demo_defaults_give_way_to_explicit_values() -> None:
    demo = Settings.from_env({"PROPDESK_DEMO": "1"})
    assert demo.cookie_secure is False and demo.cd_url == "http://127.0.0.1:8900"
    s = settings_with(PROPDESK_DEMO="1", PROPDESK_COOKIE_SECURE="1")
    assert s.cookie_secure is True and s.cd_url == "https://cd.example.com"
    assert s.secret_key == "k" * 32


def test_secret_key_minimum_matches_the_help() -> None:
    help_text = next(spec.help for spec in SETTINGS if spec.name == "PROPDESK_SECRET_KEY")
    assert f"{MIN_SECRET_KEY_LENGTH}+ random characters" in help_text
    settings_with(PROPDESK_SECRET_KEY="k" * MIN_SECRET_KEY_LENGTH)


def test_server_settings_read_only_what_gunicorn_needs() -> None:
    s = server_settings({"PROPDESK_THREADS": "4", "PROPDESK_TYPO": "ignored here"})
    assert (s.bind, s.threads, s.workers, s.read_timeout) == (
        "127.0.0.1:8000",
        4,
        2,
        DEFAULT_READ_TIMEOUT,
    )
    with pytest.raises(ConfigError, match="PROPDESK_THREADS must be a whole number"):
        server_settings({"PROPDESK_THREADS": "abc"})
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY must be at least 1"):
        server_settings({"WEB_CONCURRENCY": "0"})


def test_settings_table_lists_every_setting() -> None:
    table = settings_table()
    assert all(f"| `{spec.name}` |" in table for spec in SETTINGS)
    assert "| `PROPDESK_READ_TIMEOUT` | 30 |" in table
    assert "| `PROPDESK_CONNECT_TIMEOUT` | 3.05 |" in table


def test_readme_table_matches_the_code() -> None:
    rows = re.findall(r"^\| `(PROPDESK_[A-Z_]+)` \| ([^|]*) \|", README.read_text(), re.M)
    documented = {name: default.strip().strip("`") for name, default in rows}
    declared = {s.name: (s.default if s.default is not None else "(required)") for s in SETTINGS}
    assert documented == declared
