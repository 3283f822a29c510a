"""Typed settings read from ``PROPDESK_*`` environment variables, validated at start.

Every setting is declared once in ``SETTINGS`` (name, default, meaning); the README's
settings table is checked against it by a test. Outside demo mode a missing required
setting stops the app with a message that names it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class SettingSpec:
    """One documented environment variable."""

    name: str
    default: str | None
    help: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "PROPDESK_DEMO", "0", "1 = demo mode: defaults for everything below, for `make run`"
    ),
    SettingSpec(
        "PROPDESK_CD_URL",
        None,
        "Base URL of the CloudBees CD server "
        "(`https://cd.example.com`); `/rest/v1.0` is appended. Required",
    ),
    SettingSpec(
        "PROPDESK_SECRET_KEY",
        None,
        "Key that signs the session cookie and CSRF tokens (32+ random characters). Required",
    ),
    SettingSpec(
        "PROPDESK_BIND", "127.0.0.1:8000", "Address gunicorn listens on (`propdesk serve`)"
    ),
    SettingSpec(
        "PROPDESK_THREADS",
        "8",
        "Threads per gunicorn worker (workers: `WEB_CONCURRENCY`, default 2)",
    ),
    SettingSpec(
        "PROPDESK_CA_BUNDLE",
        "",
        "PEM file of CAs to verify the CD server's TLS certificate; empty = the system store",
    ),
    SettingSpec(
        "PROPDESK_VERIFY_TLS",
        "1",
        "0 turns TLS verification off (logged as a warning at start); never in production",
    ),
    SettingSpec(
        "PROPDESK_CONNECT_TIMEOUT", "3.05", "Seconds to wait for a TCP connection to the CD server"
    ),
    SettingSpec("PROPDESK_READ_TIMEOUT", "30", "Seconds to wait for the CD server's answer"),
    SettingSpec(
        "PROPDESK_RETRIES",
        "2",
        "Retries of idempotent calls (GET, DELETE) on "
        "connection errors and 502/503/504, with backoff",
    ),
    SettingSpec(
        "PROPDESK_SESSION_BACKEND",
        "filesystem",
        "Where sessions live: `filesystem` (one replica) or `redis` (several replicas)",
    ),
    SettingSpec(
        "PROPDESK_SESSION_DIR",
        "",
        "Private folder of the filesystem session store (mode 0700); empty = "
        "`<temp dir>/propdesk-sessions-<uid>`",
    ),
    SettingSpec(
        "PROPDESK_REDIS_URL",
        "redis://127.0.0.1:6379/0",
        "Redis for sessions (with `PROPDESK_SESSION_BACKEND=redis`) and shared rate limits",
    ),
    SettingSpec("PROPDESK_IDLE_TIMEOUT", "1800", "Seconds without a request before a login ends"),
    SettingSpec(
        "PROPDESK_SESSION_LIFETIME", "43200", "Seconds after which a login ends, active or not"
    ),
    SettingSpec(
        "PROPDESK_COOKIE_SECURE",
        "1",
        "1 = Secure cookie named `__Host-propdesk`; 0 = plain-http development "
        "(cookie `propdesk`; the demo sets 0)",
    ),
    SettingSpec(
        "PROPDESK_LOGIN_RATE_LIMIT",
        "10 per minute",
        "Login attempts allowed per client address and, separately, per user name",
    ),
    SettingSpec(
        "PROPDESK_PROXY_COUNT",
        "0",
        "Reverse proxies in front that set X-Forwarded-For/-Proto/-Host/-Port/-Prefix "
        "(werkzeug ProxyFix); 0 = none trusted",
    ),
    SettingSpec(
        "PROPDESK_TRUSTED_PROXIES",
        "",
        "Addresses or CIDRs (comma-separated) whose identity header is believed",
    ),
    SettingSpec(
        "PROPDESK_TRUSTED_USER_HEADER",
        "",
        "Header with the SSO user set by a trusted proxy (e.g. `X-Auth-Request-User`); empty = off",
    ),
    SettingSpec(
        "PROPDESK_TRUSTED_HOSTS",
        "",
        "Host names (comma-separated) the app answers for; empty = any",
    ),
    SettingSpec(
        "PROPDESK_METRICS_TOKEN",
        "",
        "Bearer token that unlocks `/metrics`; empty = `/metrics` answers 404",
    ),
    SettingSpec("PROPDESK_LOG_LEVEL", "INFO", "Log level of the JSON logs on stdout"),
    SettingSpec("PROPDESK_PAGE_SIZE", "100", "Rows per page of a property sheet"),
    SettingSpec(
        "PROPDESK_MAX_UPLOAD_BYTES",
        "536870912",
        "Largest publish upload (all files together), in bytes; larger ones are refused "
        "before any upstream call",
    ),
    SettingSpec(
        "PROPDESK_MAX_RESPONSE_BYTES",
        "67108864",
        "Largest upstream answer read into memory, in bytes",
    ),
)


def _flag(name: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be 0 or 1, not {raw!r}")


def _number(name: str, raw: str, kind: type[int] | type[float]) -> float:
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _networks(raw: str) -> tuple[str, ...]:
    out = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"PROPDESK_TRUSTED_PROXIES: {item!r} is not an address or CIDR"
            ) from None
    return tuple(out)


def _level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("PROPDESK_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    return level


@dataclass(frozen=True)
class Settings:
    """The dashboard's validated settings."""

    demo: bool
    cd_url: str
    secret_key: str = field(repr=False)
    bind: str
    ca_bundle: Path | None
    verify_tls: bool
    connect_timeout: float
    read_timeout: float
    retries: int
    max_response_bytes: int
    session_backend: str
    session_dir: Path
    redis_url: str
    idle_timeout: float
    session_lifetime: float
    cookie_secure: bool
    login_rate_limit: str
    page_size: int
    proxy_count: int
    trusted_proxies: tuple[str, ...]
    trusted_user_header: str
    trusted_hosts: tuple[str, ...]
    metrics_token: str = field(repr=False)
    log_level: str
    max_upload_bytes: int

    @property
    def api_base(self) -> str:
        """The REST root on the CD server: ``<PROPDESK_CD_URL>/rest/v1.0``."""
        return self.cd_url.rstrip("/") + "/rest/v1.0"

    @property
    def cd_host(self) -> str:
        """The CD server's host (and port), for messages such as "not reachable"."""
        return urlsplit(self.cd_url).netloc

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check every ``PROPDESK_*`` variable; raise ``ConfigError`` on a problem."""
        env = os.environ if environ is None else environ
        unknown = sorted(
            k for k in env if k.startswith("PROPDESK_") and k not in {s.name for s in SETTINGS}
        )
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(unknown)} (see README, Settings)")
        raw = {s.name: env.get(s.name, s.default) for s in SETTINGS}
        demo = _flag("PROPDESK_DEMO", raw["PROPDESK_DEMO"] or "0")
        cd_url = (raw["PROPDESK_CD_URL"] or "").strip()
        secret_key = raw["PROPDESK_SECRET_KEY"] or ""
        if demo:
            cd_url = cd_url or "http://127.0.0.1:8900"
            secret_key = secret_key or secrets.token_urlsafe(32)
        missing = [
            n
            for n, v in (("PROPDESK_CD_URL", cd_url), ("PROPDESK_SECRET_KEY", secret_key))
            if not v
        ]
        if missing:
            raise ConfigError(
                f"Missing required setting(s): {', '.join(missing)}. Set them in the "
                "environment (see README, Settings), or set PROPDESK_DEMO=1 for the demo."
            )
        parts = urlsplit(cd_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"PROPDESK_CD_URL must be an http(s) URL, not {cd_url!r}")
        if parts.query or parts.fragment:
            raise ConfigError("PROPDESK_CD_URL must not carry a query or fragment")
        if len(secret_key) < 16 and not demo:
            raise ConfigError("PROPDESK_SECRET_KEY must be at least 16 characters")
        ca = (raw["PROPDESK_CA_BUNDLE"] or "").strip()
        if ca and not Path(ca).is_file():
            raise ConfigError(f"PROPDESK_CA_BUNDLE names no readable file: {ca}")
        backend = (raw["PROPDESK_SESSION_BACKEND"] or "filesystem").strip().lower()
        if backend not in ("filesystem", "redis"):
            raise ConfigError("PROPDESK_SESSION_BACKEND must be filesystem or redis")
        session_dir = (raw["PROPDESK_SESSION_DIR"] or "").strip()
        if not session_dir:
            session_dir = os.path.join(tempfile.gettempdir(), f"propdesk-sessions-{os.getuid()}")
        cookie_default = "0" if demo else "1"
        return cls(
            demo=demo,
            cd_url=cd_url.rstrip("/"),
            secret_key=secret_key,
            bind=raw["PROPDESK_BIND"] or "127.0.0.1:8000",
            ca_bundle=Path(ca) if ca else None,
            verify_tls=_flag("PROPDESK_VERIFY_TLS", raw["PROPDESK_VERIFY_TLS"] or "1"),
            connect_timeout=_number(
                "PROPDESK_CONNECT_TIMEOUT", raw["PROPDESK_CONNECT_TIMEOUT"] or "3.05", float
            ),
            read_timeout=_number(
                "PROPDESK_READ_TIMEOUT", raw["PROPDESK_READ_TIMEOUT"] or "30", float
            ),
            retries=int(_number("PROPDESK_RETRIES", raw["PROPDESK_RETRIES"] or "2", int)),
            session_backend=backend,
            session_dir=Path(session_dir),
            redis_url=raw["PROPDESK_REDIS_URL"] or "redis://127.0.0.1:6379/0",
            idle_timeout=_number(
                "PROPDESK_IDLE_TIMEOUT", raw["PROPDESK_IDLE_TIMEOUT"] or "1800", float
            ),
            session_lifetime=_number(
                "PROPDESK_SESSION_LIFETIME", raw["PROPDESK_SESSION_LIFETIME"] or "43200", float
            ),
            cookie_secure=_flag(
                "PROPDESK_COOKIE_SECURE", env.get("PROPDESK_COOKIE_SECURE", cookie_default)
            ),
            login_rate_limit=raw["PROPDESK_LOGIN_RATE_LIMIT"] or "10 per minute",
            page_size=max(
                1, int(_number("PROPDESK_PAGE_SIZE", raw["PROPDESK_PAGE_SIZE"] or "100", int))
            ),
            proxy_count=int(
                _number("PROPDESK_PROXY_COUNT", raw["PROPDESK_PROXY_COUNT"] or "0", int)
            ),
            trusted_proxies=_networks(raw["PROPDESK_TRUSTED_PROXIES"] or ""),
            trusted_user_header=(raw["PROPDESK_TRUSTED_USER_HEADER"] or "").strip(),
            trusted_hosts=tuple(
                h.strip() for h in (raw["PROPDESK_TRUSTED_HOSTS"] or "").split(",") if h.strip()
            ),
            metrics_token=(raw["PROPDESK_METRICS_TOKEN"] or "").strip(),
            log_level=_level(raw["PROPDESK_LOG_LEVEL"] or "INFO"),
            max_upload_bytes=int(
                _number(
                    "PROPDESK_MAX_UPLOAD_BYTES",
                    raw["PROPDESK_MAX_UPLOAD_BYTES"] or "536870912",
                    int,
                )
            ),
            max_response_bytes=int(
                _number(
                    "PROPDESK_MAX_RESPONSE_BYTES",
                    raw["PROPDESK_MAX_RESPONSE_BYTES"] or "67108864",
                    int,
                )
            ),
        )


def settings_table() -> str:
    """The README's settings table, generated from ``SETTINGS`` (``python -m app.config``)."""
    rows = ["| setting | default | meaning |", "| --- | --- | --- |"]
    for spec in SETTINGS:
        default = spec.default if spec.default is not None else "(required)"
        rows.append(f"| `{spec.name}` | {default} | {spec.help} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
