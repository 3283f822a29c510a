"""The benchmark itself: servers, measurements and the markdown table."""

from __future__ import annotations

import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import requests

from app.config import server_settings
from bench import changes, journal, search, tree
from tests.support.servers import DashboardProcess, EmulatorProcess, csrf_from, dashboard_env, login

BENCH_PROJECT = "bench"


@dataclass
class Stack:
    """The emulator, the dashboard under gunicorn, a logged-in browser and a client that
    calls the emulator directly with the upstream session id ``upstream_session``."""

    emulator: EmulatorProcess
    dashboard: DashboardProcess
    browser: requests.Session
    upstream: requests.Session
    upstream_session: str
    threads: int = 8  # PROPDESK_THREADS of the dashboard's workers


def seed_sheets(emu: EmulatorProcess, sizes: list[int]) -> None:
    """Sheets of the sizes asked, written straight into the emulator's SQLite file (10,000
    HTTP creates would measure the loader, not the dashboard)."""
    requests.post(
        emu.api + "/projects",
        json={"projectName": BENCH_PROJECT},
        auth=("admin", "changeme"),
        timeout=30,
    )
    for size in sizes:
        r = requests.post(
            emu.api + "/properties",
            json={
                "propertyName": f"s{size}",
                "projectName": BENCH_PROJECT,
                "propertyType": "sheet",
            },
            auth=("admin", "changeme"),
            timeout=30,
        )
        sheet_id = int(r.json()["property"]["propertySheetId"])
        stamp = "2026-01-01T00:00:00.000Z"
        with sqlite3.connect(emu.db) as db:
            db.executemany(
                "INSERT INTO properties(sheet_id, name, value, description, owner, create_time,"
                " modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        sheet_id,
                        f"key-{i:05d}",
                        f"value {i} " + "x" * 40,
                        f"generated #{i}",
                        "admin",
                        stamp,
                        stamp,
                        "jenkins",
                    )
                    for i in range(size)
                ],
            )


def start(sizes: list[int], workdir: Path, **env: str) -> Stack:
    """The emulator with sheets of ``sizes`` and the dashboard (settings ``env`` on top of
    the bench's), logged in on both sides."""
    emu = EmulatorProcess(workdir / "emulator")
    seed_sheets(emu, sizes)
    dash_env = dashboard_env(emu.base_url, workdir / "sessions", PROPDESK_PAGE_SIZE="100", **env)
    dash = DashboardProcess(dash_env, workdir / "gunicorn.log")
    threads = server_settings({**os.environ, **dash_env}).threads
    browser = requests.Session()
    login(browser, dash.url)
    token = csrf_from(browser.get(dash.url + "/browse/", timeout=30).text)
    browser.headers.update({"HX-Request": "true", "X-CSRFToken": token})
    upstream = requests.Session()
    sid = str(
        requests.post(
            emu.api + "/sessions", json={"userName": "admin", "password": "changeme"}, timeout=30
        ).json()["sessionId"]
    )
    upstream.headers.update({"sessionId": sid, "Accept": "application/json"})
    upstream.cookies.clear()
    return Stack(emu, dash, browser, upstream, sid, threads)


def timed(call: Callable[[], requests.Response]) -> float:
    started = time.perf_counter()
    r = call()
    elapsed = time.perf_counter() - started
    r.raise_for_status()
    return elapsed


def paired_medians(
    a: Callable[[], requests.Response], b: Callable[[], requests.Response], repeat: int, warmup: int
) -> tuple[float, float]:
    """Medians of a and b, run alternately so both see the same machine."""
    for _ in range(warmup):
        timed(a)
        timed(b)
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(timed(a))
        tb.append(timed(b))
    return statistics.median(ta), statistics.median(tb)


def spread(values: list[float]) -> tuple[float, str]:
    """The median of a figure's runs, and the runs' range as text (``runs: 1.21-1.34``)."""
    if len(values) == 1:
        return values[0], "one run"
    return statistics.median(values), f"{len(values)} runs: {min(values):.2f}-{max(values):.2f}"


def overhead(stack: Stack, size: int, repeat: int, warmup: int, runs: int) -> str:
    """The sheet page against the direct upstream GET of the same sheet, ``runs`` times."""
    url, params = direct_sheet(stack, size)
    page = sheet_page(stack, size)
    pairs = [
        paired_medians(
            partial(stack.browser.get, page, timeout=60),
            partial(stack.upstream.get, url, params=params, timeout=60),
            repeat,
            warmup,
        )
        for _ in range(runs)
    ]
    ratio, ranged = spread([d / u for d, u in pairs])
    dash_t = statistics.median(d for d, _ in pairs)
    up_t = statistics.median(u for _, u in pairs)
    return (
        f"{ratio:.2f} | dashboard {dash_t * 1000:.1f} ms / upstream {up_t * 1000:.1f} ms "
        f"(medians of {repeat}; {ranged}) |"
    )


def fixed_cost(stack: Stack, repeat: int, warmup: int, runs: int) -> str:
    """``/healthz`` (no session, no upstream call) against the emulator's cheapest GET (a
    control answer: no session, no database): what any request costs, gunicorn to Flask
    and back, against the same for the emulator's werkzeug server."""
    cheapest = stack.emulator.base_url + "/_emulator/latency"
    pairs = [
        paired_medians(
            partial(stack.browser.get, stack.dashboard.url + "/healthz", timeout=60),
            partial(stack.upstream.get, cheapest, timeout=60),
            repeat,
            warmup,
        )
        for _ in range(runs)
    ]
    ratio, ranged = spread([d / u for d, u in pairs])
    dash_t = statistics.median(d for d, _ in pairs)
    up_t = statistics.median(u for _, u in pairs)
    return (
        f"| fixed-cost ratio, /healthz / the emulator's cheapest GET | {ratio:.2f} | "
        f"{dash_t * 1000:.2f} ms / {up_t * 1000:.2f} ms (medians of {repeat}; {ranged}) |"
    )


def connections_per_views(stack: Stack, size: int, views: int = 100, clients: int = 4) -> str:
    """TCP connections the dashboard used to the upstream for ``views`` sheet pages asked by
    ``clients`` browsers at once: distinct client ports in the emulator's request log."""
    stack.emulator.reset_counts()
    page = sheet_page(stack, size)
    cookies = stack.browser.cookies
    headers = dict(stack.browser.headers)

    def browse(n: int) -> None:
        with requests.Session() as s:
            s.headers.update(headers)
            s.cookies.update(cookies)
            for _ in range(n):
                s.get(page, timeout=60).raise_for_status()

    threads = [threading.Thread(target=browse, args=(views // clients,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen = stack.emulator.requests_seen()
    peers = {r["peer"] for r in seen}
    workers, threads_each = len(worker_rss(stack.dashboard.proc.pid)), stack.threads
    return (
        f"| upstream connections per {views} sheet pages | {len(peers)} | {len(seen)} calls "
        f"from {clients} browsers at once, counted at the emulator (distinct client ports); "
        f"{workers} workers x {threads_each} threads |"
    )


def sheet_page(stack: Stack, size: int) -> str:
    return f"{stack.dashboard.url}/browse/projects/{BENCH_PROJECT}/s{size}/"


def direct_sheet(stack: Stack, size: int) -> tuple[str, dict[str, str]]:
    return (
        stack.emulator.api + "/properties",
        {"path": f"/projects/{BENCH_PROJECT}/s{size}", "expand": "0"},
    )


def upstream_calls(stack: Stack, size: int) -> dict[str, int]:
    """Upstream calls per page view, counted at the emulator."""
    emu, b, url = stack.emulator, stack.browser, stack.dashboard.url
    out = {}
    views: dict[str, Callable[[], Any]] = {
        "projects page": lambda: b.get(url + "/browse/", timeout=30),
        "sheet page": lambda: b.get(sheet_page(stack, size), timeout=30),
        "property page": lambda: b.get(
            url + f"/browse/projects/{BENCH_PROJECT}/s{size}/key-00001",
            headers={"HX-Request": ""},
            timeout=30,
        ),
    }
    for name, view in views.items():
        emu.reset_counts()
        view().raise_for_status()
        out[name] = sum(emu.counts().values())
    edit = b.get(url + f"/edit/projects/{BENCH_PROJECT}/s{size}/key-00002?ctx=row", timeout=30).text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', edit))
    fields["value"] = "edited by the benchmark"
    emu.reset_counts()
    b.post(
        url + f"/edit/projects/{BENCH_PROJECT}/s{size}/key-00002", data=fields, timeout=30
    ).raise_for_status()
    out["edit save"] = sum(emu.counts().values())
    return out


def _wrk(url: str, seconds: float, connections: int, headers: dict[str, str]) -> float:
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{int(seconds)}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error answers")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise RuntimeError(f"wrk printed no Requests/sec: {out[-2000:]}")
    return float(rate.group(1))


def _python_load(
    url: str,
    seconds: float,
    connections: int,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
) -> float:
    """A bounded Python load loop: ``connections`` threads for ``seconds``."""
    stop = time.monotonic() + seconds
    counts = [0] * connections
    failures: list[str] = []

    def worker(i: int) -> None:
        s = requests.Session()
        s.headers.update(headers)
        while time.monotonic() < stop:
            r = s.get(url, params=params, timeout=60)
            if r.status_code != 200:
                failures.append(str(r.status_code))
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"load saw {len(failures)} error answers")
    return sum(counts) / seconds


def throughput(
    stack: Stack, size: int, seconds: float, connections: int
) -> tuple[float, float, str]:
    """Requests/s through the dashboard and straight to the emulator, same sheet and load."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in stack.browser.cookies)
    dash_headers = {"HX-Request": "true", "Cookie": cookie}
    url, params = direct_sheet(stack, size)
    up_headers = {"sessionId": stack.upstream_session}
    if shutil.which("wrk"):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        d = _wrk(sheet_page(stack, size), seconds, connections, dash_headers)
        e = _wrk(f"{url}?{query}", seconds, connections, up_headers)
        return d, e, "wrk"
    d = _python_load(sheet_page(stack, size), seconds, connections, dash_headers)
    e = _python_load(url, seconds, connections, up_headers, params)
    return d, e, "python load loop"


def worker_rss(master_pid: int) -> list[float]:
    """RSS (MB) of every gunicorn worker (children of the master)."""
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if rss:
                out.append(int(rss.group(1)) / 1024)
    return sorted(out)


def versions() -> str:
    names = ("flask", "gunicorn", "requests", "jinja2")
    return f"Python {platform.python_version()}, " + ", ".join(
        f"{name} {version(name)}" for name in names
    )


def run(
    *,
    sizes: list[int],
    latencies: list[int],
    repeat: int,
    warmup: int,
    load_seconds: float,
    connections: int,
    command: str,
    journal_backends: tuple[str, ...] = ("sqlite",),
    journal_entries: int = 100_000,
    search_properties: int = 100_000,
    runs: int = 3,
) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-bench-"))
    stack = start(sizes, workdir)
    rows: list[str] = []
    try:
        for latency in latencies:
            stack.emulator.set_latency(latency)
            if latency == 0:
                rows.append(fixed_cost(stack, repeat, warmup, runs))
            for size in sizes:
                html_bytes = len(stack.browser.get(sheet_page(stack, size), timeout=60).content)
                rows.append(
                    f"| overhead ratio, {size:,} properties, +{latency} ms upstream | "
                    + overhead(stack, size, repeat, warmup, runs)
                )
                if latency == latencies[0]:
                    rows.append(
                        f"| HTML bytes per sheet page, {size:,} properties | "
                        f"{html_bytes:,} | one page of 100 rows |"
                    )
        stack.emulator.set_latency(0)
        for view, calls in upstream_calls(stack, min(sizes)).items():
            rows.append(f"| upstream calls per {view} | {calls} | counted at the emulator |")
        rows.append(connections_per_views(stack, min(sizes)))
        loads = [throughput(stack, min(sizes), load_seconds, connections) for _ in range(runs)]
        ratio, ranged = spread([d / e for d, e, _ in loads])
        d_rps = statistics.median(d for d, _, _ in loads)
        e_rps = statistics.median(e for _, e, _ in loads)
        rows.append(
            f"| throughput ratio ({min(sizes):,}-property sheet) | {ratio:.2f} | dashboard "
            f"{d_rps:.0f} req/s / emulator {e_rps:.0f} req/s, {loads[0][2]}, "
            f"{connections} connections, {load_seconds:g} s each; {ranged} |"
        )
        rows += journal.figures(
            stack.emulator,
            workdir,
            backends=list(journal_backends),
            latencies=latencies,
            repeat=repeat,
            warmup=warmup,
            activity_entries=journal_entries,
        )
        sides = search.SearchSides(
            stack.emulator, stack.browser, stack.dashboard.url, stack.upstream
        )
        rows += search.figures(sides, search_properties, repeat, warmup)
        rows += tree.figures(sides, 1000, repeat, warmup)
        rows += changes.figures(
            stack.emulator,
            workdir,
            repeat=repeat,
            warmup=warmup,
            sizes=changes.Sizes.up_to(max(sizes)),
            runs=runs,
        )
        rss = worker_rss(stack.dashboard.proc.pid)
        rows.append(
            f"| RSS per gunicorn worker after the run | "
            f"{', '.join(f'{r:.0f} MB' for r in rss)} | {len(rss)} workers |"
        )
    finally:
        stack.dashboard.stop()
        stack.emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    header = ["| figure | value | detail |", "| --- | --- | --- |"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform(terse=True)}"
    return "\n".join(
        [
            *header,
            *rows,
            "",
            f"Command: `{command.strip()}`",
            f"Versions: {versions()}",
            f"Machine: {machine}",
        ]
    )
