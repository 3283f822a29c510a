"""Demo data for the emulator (``--seed demo``): realistic projects, sheets and artifacts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from emulator.store import BulkValue, Store

BULK_SIZE = 2000
ENVIRONMENTS = {
    "dev": {"replicas": "1", "host": "dev.internal.example.com", "port": "8080"},
    "staging": {"replicas": "2", "host": "staging.internal.example.com", "port": "8443"},
    "prod": {"replicas": "6", "host": "prod.internal.example.com", "port": "443"},
}


def _sheet(
    store: Store, c: sqlite3.Connection, parent: int, name: str, user: str, description: str = ""
) -> int:
    row = store.insert_property(
        c, parent, name, user, value=None, sheet=True, description=description
    )
    return int(row["child_sheet_id"])


def _value(
    store: Store,
    c: sqlite3.Connection,
    parent: int,
    name: str,
    value: str,
    user: str = "admin",
    **flags: object,
) -> None:
    store.insert_property(c, parent, name, user, value=value, **flags)  # type: ignore[arg-type]


def _service(store: Store, c: sqlite3.Connection, name: str, description: str) -> None:
    project = store.create_project(c, name, description, "admin")
    root = int(project["sheet_id"])
    _value(
        store,
        c,
        root,
        "owner.team",
        "release-engineering",
        description="Team that owns the service",
    )
    deploy = _sheet(store, c, root, "deploy", "admin", "Deployment settings per environment")
    for env, settings in ENVIRONMENTS.items():
        env_sheet = _sheet(store, c, deploy, env, "admin", f"{env} environment")
        for key, value in settings.items():
            _value(store, c, env_sheet, key, value, user="jenkins")
        _value(
            store,
            c,
            env_sheet,
            "url",
            f"https://$[/projects/{name}/deploy/{env}/host]:$[port]/{name}",
            description="Resolved by the server from host and port",
        )
        database = _sheet(store, c, env_sheet, "database", "admin")
        _value(
            store,
            c,
            database,
            "jdbcUrl",
            f"jdbc:postgresql://db-{env}.internal.example.com:5432/{name.replace('-', '_')}",
        )
        _value(store, c, database, "poolSize", "10" if env == "prod" else "4")
    ci = _sheet(store, c, root, "ci", "admin", "Build settings")
    _value(store, c, ci, "version", "1.10.0")
    _value(store, c, ci, "buildNumber", "412", counter=True)
    _value(
        store,
        c,
        ci,
        "releaseNotes",
        "Release notes\n\n  * faster checkout\n  * fixed rounding\n\tindented with a tab\n",
        description="Multi-line, whitespace kept",
    )


def _bulk(store: Store, c: sqlite3.Connection, sheet_id: int) -> None:
    """``BULK_SIZE`` generated properties, one in ten multi-line, a month of history."""
    start = datetime.now(UTC) - timedelta(days=30)
    values = []
    for i in range(BULK_SIZE):
        stamp = (start + timedelta(minutes=7 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        value = f"value {i}" if i % 10 else f"line one of {i}\nline two of {i}"
        modifier = "jenkins" if i % 3 else "admin"
        values.append(BulkValue(f"key-{i:04d}", value, f"generated #{i}", "admin", stamp, modifier))
    store.insert_values(c, sheet_id, values)


def _artifacts(store: Store, c: sqlite3.Connection) -> None:
    store.create_repository(
        c,
        "releases",
        "Release builds",
        "https://repo.internal.example.com/releases",
        "admin",
        "2026-01-01T00:00:00.000Z",
    )
    checkout = store.create_artifact(
        c, "com.example", "checkout-service", "Checkout service builds", "admin"
    )
    for version in ("1.0.0", "1.2.0", "1.9.2", "1.10.0", "2.0.0-rc1-17"):
        store.create_artifact_version(
            c, checkout, version, "default", f"Build {version}", [], "available", "jenkins"
        )
    payments_artifact = store.create_artifact(c, "com.example", "payments-api", "", "admin")
    store.create_artifact_version(
        c, payments_artifact, "0.9", "releases", "First beta", [], "available", "jenkins"
    )
    store.create_artifact_version(
        c,
        payments_artifact,
        "1.0.0",
        "releases",
        "First release",
        ["com.example:checkout-service:1.10.0"],
        "available",
        "jenkins",
    )


def seed_demo(store: Store) -> bool:
    """Load the demo data unless it is already there; returns whether it loaded."""
    with store.write() as c:
        if store.has_project(c, "checkout-service"):
            return False
        default_root = int(store.project(c, "Default")["sheet_id"])
        _value(store, c, default_root, "PythonProperty", "PythonRestApi")
        _service(store, c, "checkout-service", "Checkout web service")
        _service(store, c, "payments-api", "Payments API")
        payments = int(store.project(c, "payments-api")["sheet_id"])
        prod = store.walk(c, payments, ["deploy", "prod"], "/projects/payments-api/deploy/prod")
        assert prod is not None
        _value(
            store,
            c,
            int(prod["child_sheet_id"]),
            "brokenRef",
            "endpoint=$[/projects/payments-api/deploy/prod/doesNotExist]",
            description="A deliberately broken reference",
        )
        _value(
            store,
            c,
            payments,
            "notes.html",
            "<b>Careful</b>: <script>alert('x')</script> stays text",
        )

        platform = store.create_project(c, "platform-config", "Shared platform settings", "admin")
        bulk = _sheet(
            store,
            c,
            int(platform["sheet_id"]),
            "bulk",
            "admin",
            f"{BULK_SIZE} generated properties",
        )
        _bulk(store, c, bulk)

        store.create_project(
            c, "EC-Kubernetes-1.2.3", "Kubernetes plugin", "admin", plugin_key="EC-Kubernetes"
        )

        server = store.server_sheet(c)
        settings = _sheet(store, c, server, "settings", "admin", "Server settings")
        _value(store, c, settings, "ipAddress", "cd.internal.example.com")
        _value(store, c, settings, "stepPrefix", "$[/server/settings/ipAddress]-step")
        _value(store, c, server, "motd", "Welcome to CloudBees CD\n  (emulated by propdesk)\n")
        _artifacts(store, c)
    return True
