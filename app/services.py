"""The typed services a request can reach, built once per app by ``create_app``.

Views and hooks ask ``settings()``, ``services()`` or ``cd()`` instead of reading string
keys of ``app.extensions`` or ``app.config``, in the spirit of flaskr's ``get_db()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app, g

from app.cloudbees import CloudBeesClient, Transport, TransportSettings
from app.config import Settings
from app.edit_lock import EditLocks
from app.journal import Journal, open_journal
from app.sessions.login import LoginState
from app.sessions.stores import Store, make_stores
from app.sessions.sweeper import FileStoreSweeper

KEY = "propdesk"


@dataclass(frozen=True)
class Services:
    """Everything long-lived that requests share: settings, the upstream transport, the
    session and activity stores, the login state, the edit locks, the file sweeper and the
    change journal (``app.journal``)."""

    settings: Settings
    transport: Transport
    store: Store
    activity: Store
    login_state: LoginState
    locks: EditLocks
    sweeper: FileStoreSweeper | None
    clock: Callable[[], float]
    journal: Journal


def build_services(settings: Settings, clock: Callable[[], float] = time.time) -> Services:
    """Open the stores and the transport that ``settings`` describe."""
    store, activity = make_stores(settings)
    if store.is_file:
        locks = EditLocks(folder=settings.session_dir / "locks")
        sweeper: FileStoreSweeper | None = FileStoreSweeper([store, activity], clock=clock)
    else:
        locks = EditLocks(redis_client=store.redis_client())
        sweeper = None
    transport = Transport(
        TransportSettings(
            server_url=settings.cd_url,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            retries=settings.retries,
            ca_bundle=settings.ca_bundle,
            verify_tls=settings.verify_tls,
            max_response_bytes=settings.max_response_bytes,
            deadline=settings.upstream_deadline,
        )
    )
    login_state = LoginState(activity, settings.idle_timeout, settings.session_lifetime, clock)
    journal = build_journal(settings, clock)
    return Services(
        settings, transport, store, activity, login_state, locks, sweeper, clock, journal
    )


def build_journal(settings: Settings, clock: Callable[[], float] = time.time) -> Journal:
    """The change journal over ``settings.database``, migrated now under the migration
    lock (a database that is down is migrated later; see ``app.journal.startup``)."""
    return open_journal(
        settings.database,
        keep_values=settings.journal_values,
        retention_days=settings.journal_days,
        pool_size=settings.threads,
        clock=lambda: datetime.fromtimestamp(clock(), UTC),
    )


def attach(app: Flask, services: Services) -> None:
    """Make ``services`` the ones ``services()`` answers inside ``app``."""
    app.extensions[KEY] = services


def services() -> Services:
    """The services of the current app."""
    found = current_app.extensions[KEY]
    assert isinstance(found, Services)
    return found


def settings() -> Settings:
    """The settings of the current app."""
    return services().settings


def use_client(client: CloudBeesClient) -> None:
    """Make ``client`` the CloudBees CD client of this request (set by the login gate)."""
    g.cd = client


def cd() -> CloudBeesClient:
    """The CloudBees CD client of this request, bound to the logged-in user's session."""
    client = g.get("cd")
    if not isinstance(client, CloudBeesClient):
        raise RuntimeError("cd() needs a logged-in request (the login gate sets it)")
    return client
