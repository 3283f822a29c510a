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

from bench import journal
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


def _seed_sheets(emu: EmulatorProcess, sizes: list[int]) -> None:
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


def start(sizes: list[int], workdir: Path) -> Stack:
    emu = EmulatorProcess(workdir / "emulator")
    _seed_sheets(emu, sizes)
    dash = DashboardProcess(
        dashboard_env(emu.base_url, workdir / "sessions", PROPDESK_PAGE_SIZE="100"),
        workdir / "gunicorn.log",
    )
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
    return Stack(emu, dash, browser, upstream, sid)


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
) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-bench-"))
    stack = start(sizes, workdir)
    rows: list[str] = []
    try:
        for latency in latencies:
            stack.emulator.set_latency(latency)
            for size in sizes:
                url, params = direct_sheet(stack, size)
                page = sheet_page(stack, size)
                dash_t, up_t = paired_medians(
                    partial(stack.browser.get, page, timeout=60),
                    partial(stack.upstream.get, url, params=params, timeout=60),
                    repeat,
                    warmup,
                )
                html_bytes = len(stack.browser.get(page, timeout=60).content)
                rows.append(
                    f"| overhead ratio, {size:,} properties, +{latency} ms upstream | "
                    f"{dash_t / up_t:.2f} | dashboard {dash_t * 1000:.1f} ms / upstream "
                    f"{up_t * 1000:.1f} ms (medians of {repeat}) |"
                )
                if latency == latencies[0]:
                    rows.append(
                        f"| HTML bytes per sheet page, {size:,} properties | "
                        f"{html_bytes:,} | one page of 100 rows |"
                    )
        stack.emulator.set_latency(0)
        for view, calls in upstream_calls(stack, min(sizes)).items():
            rows.append(f"| upstream calls per {view} | {calls} | counted at the emulator |")
        d_rps, e_rps, tool = throughput(stack, min(sizes), load_seconds, connections)
        rows.append(
            f"| throughput ratio (100-property sheet) | {d_rps / e_rps:.2f} | dashboard "
            f"{d_rps:.0f} req/s / emulator {e_rps:.0f} req/s, {tool}, "
            f"{connections} connections, {load_seconds:g} s each |"
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
