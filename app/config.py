"""Typed settings read from ``PROPDESK_*`` environment variables, validated at start.

Every setting is declared once in ``SETTINGS``: its name, default, parser, the ``Settings``
field it fills and its meaning. That table drives ``Settings.from_env``,
``server_settings`` (what ``deploy/gunicorn.conf.py`` needs) and the README's settings table
(``python -m app.config``, checked by a test). The client's own defaults (timeouts, retries,
the response cap) come from ``app.cloudbees.transport``, so each number exists once. Outside
demo mode a missing required setting stops the app with a message that names it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from app.cloudbees.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE_MARGIN,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_RETRIES,
    derived_deadline,
)

T = TypeVar("T")

Parser = Callable[[str, str], T]
"""Turns one setting's text into its value: ``parse(name, text)``; raises ``ConfigError``
with a message that names the setting."""

MIN_SECRET_KEY_LENGTH = 32
"""Shortest ``PROPDESK_SECRET_KEY`` accepted (the demo generates 43 characters)."""

DEMO_CD_URL = "http://127.0.0.1:8900"
"""Where demo mode looks for CloudBees CD: the emulator that ``make run`` starts."""

BODY_MIN_RATE = 64 * 1024
"""Bytes a second a request body must keep up after ``PROPDESK_BODY_TIMEOUT``: each 64 KiB
read adds one second to the time its body may take (``app.time_limits``)."""


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


# --- parsers: each takes (setting name, text) and returns a typed value -------------------


def flag(name: str, raw: str) -> bool:
    """An on/off switch: 1/true/yes/on or 0/false/no/off."""
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 0 or 1, not {raw!r}")


def non_negative(name: str, raw: str) -> float:
    """A number of seconds (or similar), zero or more."""
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not value >= 0:  # also refuses nan
        raise ConfigError(f"{name} must not be negative, not {raw!r}")
    return value


def positive(name: str, raw: str) -> float:
    """A number of seconds above zero."""
    value = non_negative(name, raw)
    if value == 0:
        raise ConfigError(f"{name} must be more than 0, not {raw!r}")
    return value


def positive_or_derived(name: str, raw: str) -> float | None:
    """A number of seconds above zero; empty = ``None`` (``Settings.from_env`` then derives
    it from other settings)."""
    return positive(name, raw) if raw.strip() else None


def upstream_deadline(read_timeout: float, given: float | None) -> float:
    """``PROPDESK_UPSTREAM_DEADLINE`` as given, or when empty the read timeout plus the
    client's margin (``derived_deadline``)."""
    return derived_deadline(read_timeout) if given is None else given


def int_at_least(minimum: int) -> Parser[int]:
    """A parser for whole numbers of ``minimum`` or more (counts, sizes, threads)."""

    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, not {value}")
        return value

    return parse


def choice(*options: str) -> Parser[str]:
    """A parser for one of ``options`` (case-insensitive; returns the option as spelled)."""
    allowed = {option.lower(): option for option in options}
    spelled = f"{', '.join(options[:-1])} or {options[-1]}" if len(options) > 1 else options[0]

    def parse(name: str, raw: str) -> str:
        try:
            return allowed[raw.strip().lower()]
        except KeyError:
            raise ConfigError(f"{name} must be {spelled}, not {raw!r}") from None

    return parse


def http_url(name: str, raw: str) -> str:
    """An http or https URL with a host and no query or fragment (the CloudBees CD server);
    the trailing ``/`` is dropped."""
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, not {value!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not carry a query or fragment")
    return value.rstrip("/")


def http_url_or_empty(name: str, raw: str) -> str:
    """Empty (the feature is off), or an http(s) URL as ``http_url`` reads it."""
    return http_url(name, raw) if raw.strip() else ""


def redis_url(name: str, raw: str) -> str:
    """A ``redis://``, ``rediss://`` (TLS) or ``unix://`` (socket) URL."""
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ConfigError(f"{name} must be a redis://, rediss:// or unix:// URL, not {value!r}")
    return value


def secret(name: str, raw: str) -> str:
    """A key of at least ``MIN_SECRET_KEY_LENGTH`` characters, kept exactly as given."""
    if len(raw) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"{name} must be at least {MIN_SECRET_KEY_LENGTH} characters, not {len(raw)}"
        )
    return raw


def text(name: str, raw: str) -> str:
    """Free text, surrounding blanks dropped (may be empty)."""
    return raw.strip()


def names(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list of names, blanks dropped."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def networks(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDRs, normalised (``10.1.2.3/8`` -> ``10.0.0.0/8``)."""
    out = []
    for item in names(name, raw):
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not an address or CIDR") from None
    return tuple(out)


def data_folder(name: str, raw: str) -> Path:
    """A folder path; empty = the per-user data folder, ``$XDG_DATA_HOME/propdesk`` or
    ``~/.local/share/propdesk``."""
    path = raw.strip()
    if path:
        return Path(path)
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "propdesk"


def database_url(name: str, raw: str) -> str:
    """Empty, a ``sqlite:///<file>`` URL or a PostgreSQL URL (``postgres://`` and
    ``postgresql://`` become ``postgresql+psycopg://``, psycopg 3)."""
    value = raw.strip()
    if not value:
        return ""
    from app.journal.database import normalise_url  # the journal's own parser (SQLAlchemy)
    from app.journal.errors import JournalError

    try:
        return normalise_url(value).render_as_string(hide_password=False)
    except JournalError:
        raise ConfigError(
            f"{name} must be sqlite:///<file> or postgresql+psycopg://user:password@host/db, "
            f"not {value.split('@')[-1]!r}"
        ) from None


def data_keys(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated Fernet keys (``app.keys.crypto``): the first encrypts, all decrypt."""
    from app.keys.crypto import parse_data_keys

    try:
        return parse_data_keys(raw)
    except ValueError as err:
        raise ConfigError(f"{name}: {err}") from None


def rate_limit(name: str, raw: str) -> str:
    """A rate such as ``600 per minute`` or ``10/second`` (the ``limits`` notation)."""
    from limits import parse

    try:
        parse(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a rate such as '600 per minute', not {raw!r}") from None
    return raw.strip()


def sqlite_url(folder: Path) -> str:
    """The default database: SQLite ``propdesk.sqlite3`` in the data folder."""
    return f"sqlite:///{folder.absolute() / 'propdesk.sqlite3'}"


def journal_database(database_url: str, data_dir: Path) -> str:
    """The journal's database URL: ``PROPDESK_DATABASE_URL``, else SQLite in the data
    folder (for the app's settings and for ``propdesk db``)."""
    return database_url or sqlite_url(data_dir)


def existing_file(name: str, raw: str) -> Path | None:
    """The path of a file that exists; empty = none."""
    path = raw.strip()
    if not path:
        return None
    if not Path(path).is_file():
        raise ConfigError(f"{name} names no readable file: {path}")
    return Path(path)


def folder_or_none(name: str, raw: str) -> Path | None:
    """A folder path; empty = ``None`` (``Settings.from_env`` then picks the instance's
    own folder, ``instance_folder``)."""
    path = raw.strip()
    return Path(path) if path else None


def instance_id(cd_url: str, secret_key: str) -> str:
    """A short name for one propdesk instance: a hash of its CloudBees CD URL and of a hash
    of its secret key (replicas of one instance share it; other instances do not)."""
    key_hash = hashlib.sha256(secret_key.encode()).hexdigest()
    return hashlib.sha256(f"{cd_url}\0{key_hash}".encode()).hexdigest()[:16]


def instance_folder(cd_url: str, secret_key: str) -> Path:
    """The default session folder: ``<temp dir>/propdesk-sessions-<uid>-<instance id>``,
    so two instances on one host never share sessions by default."""
    name = f"propdesk-sessions-{os.getuid()}-{instance_id(cd_url, secret_key)}"
    return Path(tempfile.gettempdir()) / name


def shown(value: float) -> str:
    """A number as the table shows it: ``30.0`` as ``30``, ``3.05`` as ``3.05``."""
    return str(int(value)) if float(value).is_integer() else repr(value)


# --- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingSpec(Generic[T]):
    """One documented ``PROPDESK_*`` variable: its name, the ``Settings`` field it fills,
    its default text (``None`` = required), its parser and its meaning for the README."""

    name: str
    field_name: str
    default: str | None
    parse: Parser[T]
    help: str


SETTINGS: tuple[SettingSpec[Any], ...] = (
    SettingSpec(
        "PROPDESK_DEMO",
        "demo",
        "0",
        flag,
        "1 = demo mode: defaults for everything below, for `make run`",
    ),
    SettingSpec(
        "PROPDESK_CD_URL",
        "cd_url",
        None,
        http_url,
        "Base URL of the CloudBees CD server "
        "(`https://cd.example.com`); `/rest/v1.0` is appended. Required",
    ),
    SettingSpec(
        "PROPDESK_SECRET_KEY",
        "secret_key",
        None,
        secret,
        "Key that signs the session cookie and CSRF tokens "
        f"({MIN_SECRET_KEY_LENGTH}+ random characters). Required",
    ),
    SettingSpec(
        "PROPDESK_BIND",
        "bind",
        "127.0.0.1:8000",
        text,
        "Address gunicorn listens on (`propdesk serve`)",
    ),
    SettingSpec(
        "PROPDESK_THREADS",
        "threads",
        "8",
        int_at_least(1),
        "Threads per gunicorn worker (workers: `WEB_CONCURRENCY`, default one per usable core)",
    ),
    SettingSpec(
        "PROPDESK_CA_BUNDLE",
        "ca_bundle",
        "",
        existing_file,
        "PEM file of CAs to verify the CD server's TLS certificate; empty = the system store",
    ),
    SettingSpec(
        "PROPDESK_VERIFY_TLS",
        "verify_tls",
        "1",
        flag,
        "0 turns TLS verification off (logged as a warning at start); never in production",
    ),
    SettingSpec(
        "PROPDESK_BUILDBOT_URL",
        "buildbot_url",
        "",
        http_url_or_empty,
        "Base URL of a Buildbot master (`https://buildbot.example.com`); set = the Buildbot "
        "pages and their nav entry; empty = none",
    ),
    SettingSpec(
        "PROPDESK_BUILDBOT_CA_BUNDLE",
        "buildbot_ca_bundle",
        "",
        existing_file,
        "PEM file of CAs to verify the Buildbot master's TLS certificate; empty = "
        "`PROPDESK_CA_BUNDLE`",
    ),
    SettingSpec(
        "PROPDESK_CONNECT_TIMEOUT",
        "connect_timeout",
        shown(DEFAULT_CONNECT_TIMEOUT),
        non_negative,
        "Seconds to wait for a TCP connection to the CD server",
    ),
    SettingSpec(
        "PROPDESK_READ_TIMEOUT",
        "read_timeout",
        shown(DEFAULT_READ_TIMEOUT),
        non_negative,
        "Seconds to wait for the CD server's answer",
    ),
    SettingSpec(
        "PROPDESK_RETRIES",
        "retries",
        shown(DEFAULT_RETRIES),
        int_at_least(0),
        "Retries of idempotent calls (GET, DELETE) on "
        "connection errors and 502/503/504, with backoff",
    ),
    SettingSpec(
        "PROPDESK_UPSTREAM_DEADLINE",
        "upstream_deadline",
        "",
        positive_or_derived,
        "Seconds one dashboard request may spend on the CD server in all (every call, retry "
        "and `Retry-After` wait), and one Buildbot page on the Buildbot master; gunicorn's "
        "timeout is derived from it; empty = derived: "
        f"`PROPDESK_READ_TIMEOUT` + {shown(DEFAULT_DEADLINE_MARGIN)}",
    ),
    SettingSpec(
        "PROPDESK_BODY_TIMEOUT",
        "body_timeout",
        "10",
        positive,
        "Seconds a client may take to send a request body, plus 1 s per "
        f"{BODY_MIN_RATE // 1024} KiB of it; a slower body is cut off with 408",
    ),
    SettingSpec(
        "PROPDESK_SESSION_BACKEND",
        "session_backend",
        "filesystem",
        choice("filesystem", "redis"),
        "Where sessions live: `filesystem` (one replica) or `redis` (several replicas)",
    ),
    SettingSpec(
        "PROPDESK_SESSION_DIR",
        "session_dir",
        "",
        folder_or_none,
        "Private folder of the filesystem session store and the login-limit counts (mode "
        "0700, a local disk); empty = `<temp dir>/propdesk-sessions-<uid>-<instance>`, "
        "one per CD URL and secret key",
    ),
    SettingSpec(
        "PROPDESK_REDIS_URL",
        "redis_url",
        "redis://127.0.0.1:6379/0",
        redis_url,
        "Redis for sessions (with `PROPDESK_SESSION_BACKEND=redis`) and shared rate limits",
    ),
    SettingSpec(
        "PROPDESK_DATA_DIR",
        "data_dir",
        "",
        data_folder,
        "Folder of propdesk's own data, the SQLite journal (mode 0700); empty = "
        "`$XDG_DATA_HOME/propdesk` or `~/.local/share/propdesk`; the image: `/var/lib/propdesk`",
    ),
    SettingSpec(
        "PROPDESK_DATABASE_URL",
        "database_url",
        "",
        database_url,
        "Database of the change journal; empty = SQLite `propdesk.sqlite3` in the data folder; "
        "several replicas: `postgresql+psycopg://user:password@host/db` (keep it in a Secret)",
    ),
    SettingSpec(
        "PROPDESK_REPLICAS",
        "replicas",
        "1",
        int_at_least(1),
        "propdesk replicas sharing one database; above 1 needs PostgreSQL (SQLite is refused)",
    ),
    SettingSpec(
        "PROPDESK_JOURNAL_DAYS",
        "journal_days",
        "365",
        int_at_least(0),
        "Days the change journal keeps its entries (pruned daily); 0 = forever",
    ),
    SettingSpec(
        "PROPDESK_JOURNAL_VALUES",
        "journal_values",
        "1",
        flag,
        "1 = the journal keeps values (they may be secrets to someone); 0 = only a SHA-256 "
        "of each value (diffs then say changed without text)",
    ),
    SettingSpec(
        "PROPDESK_IDLE_TIMEOUT",
        "idle_timeout",
        "1800",
        non_negative,
        "Seconds without a request before a login ends",
    ),
    SettingSpec(
        "PROPDESK_SESSION_LIFETIME",
        "session_lifetime",
        "43200",
        non_negative,
        "Seconds after which a login ends, active or not",
    ),
    SettingSpec(
        "PROPDESK_COOKIE_SECURE",
        "cookie_secure",
        "1",
        flag,
        "1 = Secure cookie named `__Host-propdesk`; 0 = plain-http development "
        "(cookie `propdesk`; the demo sets 0)",
    ),
    SettingSpec(
        "PROPDESK_LOGIN_RATE_LIMIT",
        "login_rate_limit",
        "10 per minute",
        text,
        "Login attempts allowed per client address, per user name, per (user, address) and "
        "per device cookie, counted across workers (README, Sessions and logins)",
    ),
    SettingSpec(
        "PROPDESK_PROXY_COUNT",
        "proxy_count",
        "0",
        int_at_least(0),
        "Reverse proxies in front that set X-Forwarded-For/-Proto/-Host/-Port/-Prefix "
        "(werkzeug ProxyFix), believed only from `PROPDESK_TRUSTED_PROXIES` (then required); "
        "0 = none trusted",
    ),
    SettingSpec(
        "PROPDESK_TRUSTED_PROXIES",
        "trusted_proxies",
        "",
        networks,
        "Addresses or CIDRs (comma-separated) of the reverse proxies: only they are "
        "believed for X-Forwarded-* and the identity header",
    ),
    SettingSpec(
        "PROPDESK_TRUSTED_USER_HEADER",
        "trusted_user_header",
        "",
        text,
        "Header with the SSO user set by a trusted proxy (e.g. `X-Auth-Request-User`); empty = off",
    ),
    SettingSpec(
        "PROPDESK_TRUSTED_HOSTS",
        "trusted_hosts",
        "",
        names,
        "Host names (comma-separated) the app answers for; empty = any",
    ),
    SettingSpec(
        "PROPDESK_REPOSITORY_HOSTS",
        "repository_hosts",
        "",
        names,
        "Host names (comma-separated) of artifact repositories that may receive the user's "
        "CloudBees CD session for downloads, besides the CloudBees CD host; empty = only it",
    ),
    SettingSpec(
        "PROPDESK_METRICS_TOKEN",
        "metrics_token",
        "",
        text,
        "Bearer token that unlocks `/metrics`; empty = `/metrics` answers 404",
    ),
    SettingSpec(
        "PROPDESK_LOG_LEVEL",
        "log_level",
        "INFO",
        choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "Log level of the JSON logs on stdout",
    ),
    SettingSpec(
        "PROPDESK_PAGE_SIZE",
        "page_size",
        "100",
        int_at_least(1),
        "Rows per page of a property sheet",
    ),
    SettingSpec(
        "PROPDESK_MAX_UPLOAD_BYTES",
        "max_upload_bytes",
        "536870912",
        int_at_least(1),
        "Largest publish upload (all files together), in bytes; larger ones are refused "
        "before any upstream call",
    ),
    SettingSpec(
        "PROPDESK_MAX_UPLOAD_FILES",
        "max_upload_files",
        "100",
        int_at_least(1),
        "Most files one publish may carry; more are refused before any upstream call",
    ),
    SettingSpec(
        "PROPDESK_DATA_KEYS",
        "data_keys",
        "",
        data_keys,
        "Fernet keys (comma-separated) that encrypt the CloudBees CD access tokens of API keys; "
        "the first encrypts, all decrypt (rotate by putting a new one first); empty = no API "
        "keys can be made; the demo makes one under `.demo/`",
    ),
    SettingSpec(
        "PROPDESK_API_RATE_LIMIT",
        "api_rate_limit",
        "600 per minute",
        rate_limit,
        "Calls one API key may make (429 with `Retry-After` beyond), counted across workers",
    ),
    SettingSpec(
        "PROPDESK_MAX_RESPONSE_BYTES",
        "max_response_bytes",
        shown(DEFAULT_MAX_RESPONSE_BYTES),
        int_at_least(1),
        "Largest upstream answer read into memory, in bytes",
    ),
    SettingSpec(
        "PROPDESK_BACKGROUND_APPLY_OPERATIONS",
        "background_apply_operations",
        "300",
        int_at_least(0),
        "Applies (import, copy, move, edit as text) of more operations than this run in the "
        "background, with a progress page that can cancel them; smaller ones in the request",
    ),
)

SPECS: Mapping[str, SettingSpec[Any]] = {spec.name: spec for spec in SETTINGS}
"""``SETTINGS`` by variable name."""


# --- reading the environment -------------------------------------------------------------


def _given(env: Mapping[str, str], name: str) -> str | None:
    """The variable's text when it is set to something other than blanks; else ``None``
    (a blank variable means "the default")."""
    value = env.get(name)
    return value if value is not None and value.strip() else None


def _demo_defaults() -> dict[str, str]:
    """What demo mode fills in when the variable is not set: the local emulator, a fresh
    random key, and a cookie that works over plain http."""
    return {
        "PROPDESK_CD_URL": DEMO_CD_URL,
        "PROPDESK_SECRET_KEY": secrets.token_urlsafe(MIN_SECRET_KEY_LENGTH),
        "PROPDESK_COOKIE_SECURE": "0",
    }


def _texts(env: Mapping[str, str]) -> dict[str, str]:
    """The text of every setting: refuse unknown ``PROPDESK_*`` names, apply the table's
    defaults and, in demo mode, the demo's; refuse when a required one is still missing."""
    unknown = sorted(k for k in env if k.startswith("PROPDESK_") and k not in SPECS)
    if unknown:
        raise ConfigError(f"Unknown setting(s): {', '.join(unknown)} (see README, Settings)")
    texts = {spec.name: _given(env, spec.name) or spec.default for spec in SETTINGS}
    if flag("PROPDESK_DEMO", texts["PROPDESK_DEMO"] or "0"):
        for name, value in _demo_defaults().items():
            texts[name] = _given(env, name) or value
    missing = [name for name, value in texts.items() if value is None]
    if missing:
        raise ConfigError(
            f"Missing required setting(s): {', '.join(missing)}. Set them in the "
            "environment (see README, Settings), or set PROPDESK_DEMO=1 for the demo."
        )
    return {name: value for name, value in texts.items() if value is not None}


def read_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting, parsed on its own (its default when unset): for readers that need only
    a few, such as the gunicorn config."""
    env = os.environ if environ is None else environ
    spec = SPECS[name]
    value = _given(env, name) or spec.default
    if value is None:
        raise ConfigError(f"Missing required setting: {name} (see README, Settings)")
    return spec.parse(name, value)


@dataclass(frozen=True)
class Settings:
    """The dashboard's validated settings (one field per row of ``SETTINGS``)."""

    demo: bool
    cd_url: str
    secret_key: str = field(repr=False)
    bind: str
    threads: int
    ca_bundle: Path | None
    verify_tls: bool
    buildbot_url: str
    buildbot_ca_bundle: Path | None
    connect_timeout: float
    read_timeout: float
    retries: int
    upstream_deadline: float
    body_timeout: float
    max_response_bytes: int
    session_backend: str
    session_dir: Path
    redis_url: str
    data_dir: Path
    database_url: str = field(repr=False)
    replicas: int
    journal_days: int
    journal_values: bool
    idle_timeout: float
    session_lifetime: float
    cookie_secure: bool
    login_rate_limit: str
    page_size: int
    proxy_count: int
    trusted_proxies: tuple[str, ...]
    trusted_user_header: str
    trusted_hosts: tuple[str, ...]
    repository_hosts: tuple[str, ...]
    metrics_token: str = field(repr=False)
    log_level: str
    max_upload_bytes: int
    max_upload_files: int
    data_keys: tuple[str, ...] = field(repr=False)
    api_rate_limit: str
    background_apply_operations: int

    @property
    def api_base(self) -> str:
        """The REST root on the CD server: ``<PROPDESK_CD_URL>/rest/v1.0``."""
        return self.cd_url.rstrip("/") + "/rest/v1.0"

    @property
    def cd_host(self) -> str:
        """The CD server's host (and port), for messages such as "not reachable"."""
        return urlsplit(self.cd_url).netloc

    @property
    def database(self) -> str:
        """The journal's database URL: ``PROPDESK_DATABASE_URL``, else SQLite in the data
        folder."""
        return journal_database(self.database_url, self.data_dir)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check every ``PROPDESK_*`` variable; raise ``ConfigError`` on a problem."""
        texts = _texts(os.environ if environ is None else environ)
        values = {spec.field_name: spec.parse(spec.name, texts[spec.name]) for spec in SETTINGS}
        if values["session_dir"] is None:
            values["session_dir"] = instance_folder(values["cd_url"], values["secret_key"])
        values["upstream_deadline"] = upstream_deadline(
            values["read_timeout"], values["upstream_deadline"]
        )
        settings = cls(**values)
        _check_together(settings)
        return settings


def _check_together(settings: Settings) -> None:
    """Refuse settings that are valid alone but not together."""
    if settings.replicas > 1 and not settings.database.startswith("postgresql"):
        raise ConfigError(
            f"PROPDESK_REPLICAS is {settings.replicas} but the journal's database is SQLite, "
            "which replicas cannot share: set PROPDESK_DATABASE_URL=postgresql+psycopg://..."
        )
    if settings.replicas > 1 and settings.session_backend != "redis":
        raise ConfigError(
            f"PROPDESK_REPLICAS is {settings.replicas} but PROPDESK_SESSION_BACKEND is "
            f"{settings.session_backend}: replicas share logins, login limits and edit locks "
            "only through Redis; set PROPDESK_SESSION_BACKEND=redis"
        )
    if settings.proxy_count and not settings.trusted_proxies:
        raise ConfigError(
            f"PROPDESK_PROXY_COUNT is {settings.proxy_count} but PROPDESK_TRUSTED_PROXIES is "
            "empty: list the reverse proxies' addresses (forwarded headers are believed only "
            "from them), or set PROPDESK_PROXY_COUNT=0"
        )


@dataclass(frozen=True)
class ServerSettings:
    """What ``deploy/gunicorn.conf.py`` needs, parsed by the same table and messages."""

    bind: str
    threads: int
    workers: int
    read_timeout: float
    upstream_deadline: float


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity, capped by a cgroup v2 CPU quota
    (a container's limit) when there is one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores or 1, -(-int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores or 1)


def server_settings(environ: Mapping[str, str] | None = None) -> ServerSettings:
    """Parse only gunicorn's settings (the app checks the rest when it starts). ``workers``
    comes from ``WEB_CONCURRENCY`` (gunicorn's own variable; default ``usable_cores()``)."""
    env = os.environ if environ is None else environ
    read_timeout = read_setting("PROPDESK_READ_TIMEOUT", env)
    return ServerSettings(
        bind=read_setting("PROPDESK_BIND", env),
        threads=read_setting("PROPDESK_THREADS", env),
        workers=int_at_least(1)(
            "WEB_CONCURRENCY", _given(env, "WEB_CONCURRENCY") or str(usable_cores())
        ),
        read_timeout=read_timeout,
        upstream_deadline=upstream_deadline(
            read_timeout, read_setting("PROPDESK_UPSTREAM_DEADLINE", env)
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
