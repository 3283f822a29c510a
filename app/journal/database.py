"""propdesk's database: one SQLAlchemy engine per process and a session per unit of work.

``Database(url)`` builds the engine (nothing connects until the first unit of work).
``reading()`` and ``writing()`` are the units of work: a ``Session`` in one short
transaction, committed on success; ``single_read()`` and ``write_connection()`` are plain
connections for a save's journal work (building ORM statements there cost more than the
database did): one read statement without a transaction around it, and one transaction.
Every database failure leaves them as one ``JournalUnavailable``.
SQLite runs in WAL mode with a busy timeout, and the writing ones start with ``BEGIN
IMMEDIATE`` there, so a read-then-write never fails on a lock that a wait would have given;
PostgreSQL gets a pool sized to the gunicorn threads and a connect timeout
(``postgresql://`` is read as ``postgresql+psycopg://``, psycopg 3).

Dead connections: a ping on every checkout was a round trip on every unit of work (a save
made four). The pool pings only a connection that idled longer than ``PING_IDLE`` seconds,
recycles connections after ``RECYCLE`` seconds, and ``autocommit(work)`` runs its work once
more on a fresh connection when the first turned out dead (a server restart since its last
use): the cases a ping per checkout caught, at a round trip per restart instead of per use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from app.journal.errors import JournalError, JournalUnavailable

BUSY_TIMEOUT = 15.0
"""Seconds a SQLite connection waits for another writer before giving up."""

CONNECT_TIMEOUT = 5
"""Seconds to wait for a PostgreSQL connection (unless the URL sets ``connect_timeout``)."""

PING_IDLE = 2.0
"""Seconds a pooled PostgreSQL connection may idle before its next checkout pings it."""

RECYCLE = 1800
"""Seconds after which the pool replaces a PostgreSQL connection (idle proxies and
firewalls drop connections silently)."""

BACKENDS = ("sqlite", "postgresql")
T = TypeVar("T")


def normalise_url(text: str) -> URL:
    """Parse a database URL; ``postgres://`` and ``postgresql://`` mean psycopg 3. Raise
    ``JournalError`` for anything but SQLite and PostgreSQL."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise JournalError(
            "not a database URL (sqlite:///... or postgresql+psycopg://...)"
        ) from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in BACKENDS:
        raise JournalError(
            f"unsupported database {url.get_backend_name()!r}: use SQLite or PostgreSQL"
        )
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise JournalError("a SQLite journal needs a file (sqlite:////path/propdesk.sqlite3)")
    return url


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn every database failure raised inside into ``JournalUnavailable``."""
    try:
        yield
    except (DBAPIError, PoolTimeout) as err:
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()
        raise JournalUnavailable(
            f"the database failed: {reason[0] if reason else type(err).__name__}"
        ) from err
    except OSError as err:
        raise JournalUnavailable(f"the database failed: {err}") from err


def _sqlite_hooks(engine: Engine) -> None:
    """WAL, a busy timeout, and transactions that propdesk begins itself (pysqlite's own
    handling neither wraps DDL nor offers ``BEGIN IMMEDIATE``)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode:  # "": autocommit, each statement on its own (pysqlite's commit: a no-op)
            connection.exec_driver_sql(f"BEGIN {mode}")


def _engine(url: URL, pool_size: int) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})
        _sqlite_hooks(engine)
        return engine
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT}
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        pool_recycle=RECYCLE,
        pool_use_lifo=True,  # the busiest connections stay warm; spare ones idle (and ping)
        connect_args=connect_args,
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout only when it idled longer than ``PING_IDLE``
    (a dead one is replaced by the pool, as ``pool_pre_ping`` does on every checkout)."""

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= PING_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as err:  # the pool reconnects on DisconnectionError
            raise DisconnectionError(f"pooled connection dead after idling: {err}") from err


class Database:
    """The engine of one database and the units of work over it (one per process)."""

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self.url = normalise_url(url)
        self.engine = _engine(self.url, pool_size)
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write = sessionmaker(self._writer, expire_on_commit=False, autoflush=False)
        alone = (
            {"sqlite_begin": ""} if self.backend == "sqlite" else {"isolation_level": "AUTOCOMMIT"}
        )
        self._single = self.engine.execution_options(**alone)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite file, or ``None`` on PostgreSQL."""
        return Path(self.url.database or "") if self.backend == "sqlite" else None

    def describe(self) -> str:
        """The URL for logs and messages, password hidden."""
        return self.url.render_as_string(hide_password=True)

    def prepare(self) -> None:
        """Create the SQLite file and its folder, private (0600 and 0700: the journal may
        hold secrets; SQLite gives its -wal and -shm files the file's mode)."""
        if self.sqlite_file is not None:
            with translate_errors():
                self.sqlite_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.close(os.open(self.sqlite_file, os.O_RDWR | os.O_CREAT, 0o600))

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that reads (and may write; on SQLite a deferred transaction)."""
        with translate_errors(), self._read.begin() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A unit of work that writes: committed on success, rolled back on error."""
        with translate_errors(), self._write.begin() as session:
            yield session

    @contextmanager
    def single_read(self) -> Iterator[Connection]:
        """A plain connection for one read statement, in autocommit (a statement is
        atomic on its own): no BEGIN and COMMIT, which on PostgreSQL are round trips."""
        with translate_errors(), self._single.connect() as connection:
            yield connection

    def autocommit(
        self, work: Callable[[Connection], T], again: Callable[[], T] | None = None
    ) -> T:
        """Run ``work`` on a plain connection in autocommit (each statement commits on its
        own: no BEGIN and COMMIT round trips). When the connection turned out dead (the
        server restarted since the pool last used it), ``again`` runs instead, or by
        default ``work`` once more on a fresh connection; a second failure raises."""
        with translate_errors():
            try:
                with self._single.connect() as connection:
                    return work(connection)
            except DBAPIError as err:
                if not err.connection_invalidated:
                    raise
            if again is not None:
                return again()
            with self._single.connect() as connection:
                return work(connection)

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """``writing()`` as a plain connection in one transaction (Core statements):
        committed on success, rolled back on error."""
        with translate_errors(), self._writer.begin() as connection:
            yield connection

    @contextmanager
    def connect(self, **options: Any) -> Iterator[Connection]:
        """A plain connection (migrations, the probe), errors translated."""
        with translate_errors(), self.engine.connect() as connection:
            yield connection.execution_options(**options) if options else connection

    def dispose(self) -> None:
        """Close the pool's connections (at exit, or in a forked child)."""
        self.engine.dispose()
