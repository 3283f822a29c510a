"""The journal's figures of ``python -m bench``: what recording costs a save, and how fast
the history and activity pages are over a big journal, each as a ratio taken in one run.

- save with the journal against the same save on a dashboard whose journal records
  nothing (``bench.nojournal``), both under gunicorn with the shipped config;
- the history page of a property with 1,000 entries against that property's own page;
- the activity page over 100,000 entries against a plain sheet page (100 properties);
- ``GET /api/v1/changes?limit=50`` over the same entries against that sheet page.

The journal is seeded straight into its database (as the sheets are into the emulator's):
the figures measure the pages, not the loader. SQLite always; PostgreSQL when asked for and
installed (``tests.support.postgres`` starts one). ``python -m bench.journal`` prints
these figures alone (by default the saves only, on both databases).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet
from sqlalchemy import insert

from app.cloudbees import PropertyPath
from app.journal import Actor, Change, Kind, Snapshot, Source, open_journal
from app.journal.journal import utc_now
from app.journal.rows import snapshot_columns
from app.journal.tables import EntryRow
from tests.support.postgres import PostgresServer, find_bindir
from tests.support.servers import (
    ROOT,
    DashboardProcess,
    EmulatorProcess,
    csrf_from,
    dashboard_env,
    free_port,
    login,
    wait_until,
)

PROJECT = "bench-journal"
HISTORY_ENTRIES = 1_000
SEED_BATCH = 5_000
USERS = ("alice", "bob", "carol", "dave", "erin")


class NoJournalProcess(DashboardProcess):
    """The dashboard under gunicorn (shipped config) whose journal records nothing: the
    "without the journal" side of the save figure (``bench.nojournal``)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_")}
        full.update({**env, "PROPDESK_BIND": f"127.0.0.1:{self.port}", "PYTHONUNBUFFERED": "1"})
        self.log = log_path.open("wb")
        conf = str(ROOT / "deploy" / "gunicorn.conf.py")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", conf, "bench.nojournal:create_app()"],
            cwd=ROOT,
            env=full,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_until(self._up, timeout=30, step=0.1):
            self.stop()
            raise RuntimeError(f"dashboard did not start: {log_path.read_text()[-2000:]}")

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"dashboard exited: {self.log_path.read_text()[-2000:]}")
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False


@dataclass(frozen=True)
class Side:
    """One dashboard and a logged-in browser on it (full pages; ``hx`` speaks htmx)."""

    dashboard: DashboardProcess
    browser: requests.Session
    token: str

    @classmethod
    def of(cls, dashboard: DashboardProcess) -> Side:
        browser = requests.Session()
        login(browser, dashboard.url)
        token = csrf_from(browser.get(dashboard.url + "/browse/", timeout=30).text)
        return cls(dashboard, browser, token)

    def get(self, path: str) -> requests.Response:
        return self.browser.get(self.dashboard.url + path, timeout=60)

    def hx(self, method: str, path: str, data: dict[str, str] | None = None) -> requests.Response:
        headers = {"HX-Request": "true", "X-CSRFToken": self.token}
        url = self.dashboard.url + path
        return self.browser.request(method, url, data=data, headers=headers, timeout=60)


def median_ms(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2] * 1000


def paired(
    a: Callable[[], float], b: Callable[[], float], repeat: int, warmup: int
) -> tuple[float, float]:
    """Medians (ms) of two timed actions run alternately (both see the same machine)."""
    for _ in range(warmup):
        a()
        b()
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(a())
        tb.append(b())
    return median_ms(ta), median_ms(tb)


def timed_get(side: Side, path: str) -> float:
    started = time.perf_counter()
    side.get(path).raise_for_status()
    return time.perf_counter() - started


def timed_save(side: Side, path: str, counter: Iterator[int]) -> float:
    """Open the editor (not timed), then time the save of a new value."""
    edit = side.hx("GET", f"/edit{path}?ctx=detail").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', edit))
    form["value"] = f"saved by the benchmark #{next(counter)}"
    started = time.perf_counter()
    side.hx("POST", f"/edit{path}", form).raise_for_status()
    return time.perf_counter() - started


def change_values(change: Change, at: datetime) -> dict[str, Any]:
    """The columns of one journal row for a bulk insert."""
    return {
        "at": at,
        "cd_user": change.actor.cd_user,
        "sso_user": change.actor.sso_user,
        "source": change.source.value,
        "action": change.action.value,
        "kind": change.kind.value,
        "path": str(change.path),
        "modify_time": at,
        "change_set": change.change_set,
        "outcome": change.outcome.value,
        **snapshot_columns("before", change.before),
        **snapshot_columns("after", change.after),
    }


def seeded_changes(paths: list[PropertyPath], count: int) -> Iterator[tuple[Change, datetime]]:
    """``count`` modifications spread over ``paths`` and over the last 30 days, oldest first,
    with three-line values (the history shows their diffs)."""
    start = utc_now() - timedelta(days=30)
    step = timedelta(days=30) / max(count, 1)
    for i in range(count):
        user = USERS[i % len(USERS)]
        before = Snapshot(f"version {i}\nunchanged line\nbuild {i}")
        after = Snapshot(f"version {i + 1}\nunchanged line\nbuild {i + 1}", f"edit {i}")
        source = Source.UI if i % 3 else Source.API
        change = Change(paths[i % len(paths)], Kind.PROPERTY, before, after, Actor(user), source)
        yield change, start + step * i


def seed(url: str, paths: list[PropertyPath], count: int) -> None:
    """Insert ``count`` entries into the journal at ``url`` (migrated already)."""
    journal = open_journal(url)
    batch: list[dict[str, Any]] = []
    try:
        for change, at in seeded_changes(paths, count):
            batch.append(change_values(change, at))
            if len(batch) == SEED_BATCH:
                with journal.database.writing() as session:
                    session.execute(insert(EntryRow), batch)
                batch = []
        if batch:
            with journal.database.writing() as session:
                session.execute(insert(EntryRow), batch)
    finally:
        journal.database.dispose()


def prepare_upstream(emulator: EmulatorProcess) -> None:
    """The project, the properties the figures save and read, and a 100-property sheet."""
    auth = ("admin", "changeme")
    api = emulator.api + "/properties"
    requests.post(emulator.api + "/projects", json={"projectName": PROJECT}, auth=auth, timeout=30)
    sheet = {"propertyName": "sheet", "projectName": PROJECT, "propertyType": "sheet"}
    requests.post(api, json=sheet, auth=auth, timeout=30).raise_for_status()
    for name in ("with", "without", "history"):
        emulator.put_value(f"/projects/{PROJECT}/{name}", "start")
    for i in range(100):
        emulator.put_value(f"/projects/{PROJECT}/sheet/key-{i:03d}", f"value {i}")


def database_url(backend: str, workdir: Path, servers: list[PostgresServer]) -> str | None:
    """An empty database of ``backend`` (``None``: PostgreSQL is not installed)."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'journal-sqlite' / 'propdesk.sqlite3'}"
    bindir = find_bindir()
    if bindir is None:
        return None
    servers.append(PostgresServer(bindir))
    return servers[-1].create_database()


def save_figure(
    backend: str, latency: int, with_j: Side, without: Side, repeat: int, warmup: int
) -> str:
    """A save (re-read, write; with the journal also its entry, checked against the
    re-read) on both dashboards, alternately."""
    counter = itertools.count()
    a, b = paired(
        partial(timed_save, with_j, f"/projects/{PROJECT}/with", counter),
        partial(timed_save, without, f"/projects/{PROJECT}/without", counter),
        repeat,
        warmup,
    )
    return (
        f"| journal: save with / without the journal, +{latency} ms upstream ({backend}) | "
        f"{a / b:.2f} | "
        f"with {a:.1f} ms / without {b:.1f} ms (medians of {repeat}); target <= 1.1 |"
    )


def api_key(side: Side) -> str:
    """A read-only key of admin's, made on the settings page as a browser does."""
    page = side.get("/settings/api-keys/").text
    form = {"csrf_token": csrf_from(page), "name": "bench", "scope": "read-only"}
    form.update({"prefixes": "", "days": "90", "token": "admin-access-token"})
    answer = side.browser.post(side.dashboard.url + "/settings/api-keys/", data=form, timeout=60)
    found = re.search(r'class="new-key"[^>]*value="([^"]+)"', answer.text)
    if found is None:
        raise RuntimeError(f"no API key made: {answer.status_code}")
    return found.group(1)


def timed_api(side: Side, key: str, path: str) -> float:
    started = time.perf_counter()
    answer = requests.get(side.dashboard.url + path, headers={"API-Key": key}, timeout=60)
    answer.raise_for_status()
    return time.perf_counter() - started


def changes_figure(backend: str, side: Side, total: int, repeat: int, warmup: int) -> str:
    """``GET /api/v1/changes?limit=50`` over the whole journal against the sheet page."""
    key = api_key(side)
    sheet = f"/browse/projects/{PROJECT}/sheet/"
    c, s = paired(
        partial(timed_api, side, key, "/api/v1/changes?limit=50"),
        partial(timed_get, side, sheet),
        repeat,
        warmup,
    )
    return (
        f"| journal: GET /api/v1/changes?limit=50 over {total:,} entries ({backend}) | "
        f"{c / s:.2f} | changes {c:.1f} ms / sheet page {s:.1f} ms |"
    )


def page_figures(
    backend: str, url: str, side: Side, repeat: int, warmup: int, entries: int
) -> list[str]:
    """History over 1,000 entries against the property page; activity over ``entries``
    (plus those 1,000) against a sheet page, unfiltered and filtered."""
    history = PropertyPath.project(PROJECT, "history")
    seed(url, [history], HISTORY_ENTRIES)
    seed(url, [PropertyPath.project(PROJECT, "many", f"p{i:04d}") for i in range(1000)], entries)
    total = entries + HISTORY_ENTRIES
    sheet = f"/browse/projects/{PROJECT}/sheet/"
    h, p = paired(
        partial(timed_get, side, f"/history{history}"),
        partial(timed_get, side, f"/browse{history}"),
        repeat,
        warmup,
    )
    a, s = paired(
        partial(timed_get, side, "/activity"), partial(timed_get, side, sheet), repeat, warmup
    )
    filtered = f"/activity?user=carol&prefix=/projects/{PROJECT}/many/p01&source=ui"
    f, s2 = paired(
        partial(timed_get, side, filtered), partial(timed_get, side, sheet), repeat, warmup
    )
    size = len(side.get(f"/history{history}").content)
    return [
        f"| journal: history page, {HISTORY_ENTRIES:,} entries ({backend}) | {h / p:.2f} | "
        f"history {h:.1f} ms / property page {p:.1f} ms; 50 entries with diffs, "
        f"{size:,} bytes |",
        f"| journal: activity page over {total:,} entries ({backend}) | {a / s:.2f} | "
        f"activity {a:.1f} ms / sheet page (100 properties) {s:.1f} ms; target <= 1.5 |",
        f"| journal: activity page, filtered by user, prefix and source ({backend}) | "
        f"{f / s2:.2f} | activity {f:.1f} ms / sheet page {s2:.1f} ms |",
        changes_figure(backend, side, total, repeat, warmup),
    ]


def dashboard(emulator: EmulatorProcess, workdir: Path, name: str, **env: str) -> Side:
    folder = workdir / f"journal-{name}"
    settings = dashboard_env(emulator.base_url, folder / "sessions", **env)
    return Side.of(DashboardProcess(settings, workdir / f"journal-{name}.log"))


def figures(
    emulator: EmulatorProcess,
    workdir: Path,
    *,
    backends: list[str],
    latencies: list[int],
    repeat: int,
    warmup: int,
    activity_entries: int | None,
) -> list[str]:
    """The journal's rows of the benchmark table, per backend (``activity_entries``
    ``None``: the save figures only)."""
    prepare_upstream(emulator)
    env = dashboard_env(emulator.base_url, workdir / "nojournal" / "sessions")
    without = Side.of(NoJournalProcess(env, workdir / "nojournal.log"))
    rows: list[str] = []
    servers: list[PostgresServer] = []
    try:
        for backend in backends:
            url = database_url(backend, workdir, servers)
            if url is None:
                rows.append(f"| journal figures ({backend}) | skipped | not installed |")
                continue
            data_key = Fernet.generate_key().decode()
            side = dashboard(
                emulator, workdir, backend, PROPDESK_DATABASE_URL=url, PROPDESK_DATA_KEYS=data_key
            )
            try:
                for latency in latencies:
                    emulator.set_latency(latency)
                    rows.append(save_figure(backend, latency, side, without, repeat, warmup))
                emulator.set_latency(0)
                if activity_entries is not None:
                    rows += page_figures(backend, url, side, repeat, warmup, activity_entries)
            finally:
                side.dashboard.stop()
    finally:
        without.dashboard.stop()
        for server in servers:
            server.remove()
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.journal``: the journal's figures alone (the emulator and the
    dashboards started here), for measuring a change to the journal without the rest."""
    parser = argparse.ArgumentParser(prog="python -m bench.journal", description=main.__doc__)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--latencies", default="0,20", help="added upstream latency, ms")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per figure")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--entries", type=int, default=0, help="entries the activity page lists (0: saves only)"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-bench-journal-"))
    emulator = EmulatorProcess(workdir / "emulator")
    try:
        rows = figures(
            emulator,
            workdir,
            backends=args.backends.split(","),
            latencies=[int(x) for x in args.latencies.split(",")],
            repeat=args.repeat,
            warmup=args.warmup,
            activity_entries=args.entries or None,
        )
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(["| figure | value | detail |", "| --- | --- | --- |", *rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
