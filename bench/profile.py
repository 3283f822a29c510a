"""``python -m bench.profile``: where one page's time goes, under gunicorn as shipped.

Starts the emulator and the dashboard (one worker, so one process to watch), samples that
worker with py-spy (``pip install py-spy``; it reads the worker's stacks from outside, so
the dashboard runs unchanged) while a client asks for the 100-property sheet fragment
again and again, then sorts every sample into one part of the request: gunicorn, Flask,
the hooks, the session, the upstream call, JSON decoding, rendering, the journal, logging
and metrics (``bench/PROFILE.md`` holds a run and what it says).

py-spy counts CPU only (a thread waiting on a socket is idle and not sampled): the time
the page waits for the upstream is the wall-clock figure printed beside the table.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import requests

from bench.harness import BENCH_PROJECT, Stack, direct_sheet, sheet_page, start

IDLE_LOOP = "gunicorn: worker main loop (mostly waiting on its sockets)"
OTHER = "other (view code, models, paths)"
UNATTRIBUTED = "unattributed: idle pool threads, stacks py-spy tore"
# (marker in a frame, part): the deepest frame with a marker decides a sample's part.
PARTS: tuple[tuple[str, str], ...] = (
    ("ThreadWorker.", "gunicorn: reading and parsing requests, handing them to threads"),
    ("Flask.__call__", "Flask: contexts, routing, response"),
    ("Flask.preprocess_request", "before-request hooks"),
    ("Flask.process_response", "after-request hooks"),
    ("_check_request_limit", "limiter"),
    ("open_session", "session load and save"),
    ("save_session", "session load and save"),
    ("LoginState.", "login state (activity store)"),
    ("require_login", "login state (activity store)"),
    ("maybe_sweep", "before-request hooks"),
    ("app/metrics.py", "metrics"),
    ("prometheus_client", "metrics"),
    ("app/logs.py", "logging"),
    ("gunicorn/glogging.py", "gunicorn: access log"),
    ("Response.write", "gunicorn: writing the answer to the socket"),
    ("wait_for_and_dispatch_events", IDLE_LOOP),
    ("Worker.notify", IDLE_LOOP),
    ("Transport.call", "upstream call (client side)"),
    ("json/decoder.py", "JSON decoding"),
    ("msgspec", "JSON decoding"),
    ("render_template", "rendering (Jinja)"),
    ("app/web/journaling.py", "journal (recent changes of the rows)"),
)


def part_of(stack: str) -> str:
    """The part of the request one sampled stack belongs to (frames outermost first)."""
    found = ""
    for frame in stack.split(";"):
        for marker, part in PARTS:
            if marker in frame:
                found = part
    if not found:
        return UNATTRIBUTED
    return (
        OTHER
        if found == "Flask: contexts, routing, response" and "dispatch_request" in stack
        else found
    )


def tally(lines: Iterable[str]) -> Counter[str]:
    """Samples per part, from py-spy's ``raw`` output (``frame;frame;... count``)."""
    parts: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if count.isdigit():
            parts[part_of(stack)] += int(count)
    return parts


def median_ms(call: Callable[[], requests.Response], repeat: int) -> float:
    """Median wall-clock time of ``call`` in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call().raise_for_status()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def wall_clock(stack: Stack, size: int, repeat: int) -> str:
    """The page, ``/healthz`` and the upstream GET of the same sheet, medians in ms."""
    url, params = direct_sheet(stack, size)
    page = median_ms(lambda: stack.browser.get(sheet_page(stack, size), timeout=60), repeat)
    health = median_ms(lambda: stack.browser.get(stack.dashboard.url + "/healthz"), repeat)
    upstream = median_ms(lambda: stack.upstream.get(url, params=params, timeout=60), repeat)
    return (
        f"wall clock (medians of {repeat}): sheet fragment {page:.2f} ms, /healthz "
        f"{health:.2f} ms, upstream GET of the same sheet {upstream:.2f} ms"
    )


def py_spy() -> str | None:
    """The py-spy program: on the PATH, or beside this Python (a virtualenv's)."""
    beside = Path(sys.executable).with_name("py-spy")
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


def sample(stack: Stack, size: int, seconds: float, rate: int, out: Path) -> int:
    """Run py-spy on the one worker while the page is asked for; the number of pages."""
    spy_bin = py_spy() or "py-spy"
    workers = subprocess.run(
        ["pgrep", "-P", str(stack.dashboard.proc.pid)], capture_output=True, text=True
    ).stdout.split()
    cmd = [spy_bin, "record", "--pid", workers[0], "--rate", str(rate), "--format", "raw"]
    cmd += ["--nonblocking", "--duration", str(int(seconds)), "-o", str(out)]
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # py-spy attaches
    pages, stop = 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        stack.browser.get(sheet_page(stack, size), timeout=60).raise_for_status()
        pages += 1
    spy.wait()
    return pages


def table(parts: Counter[str], pages: int, rate: int) -> str:
    """Parts as a markdown table: share of the worker's CPU samples and ms per page."""
    total = sum(parts.values())
    rows = ["| part | share of samples | CPU ms per page |", "| --- | --- | --- |"]
    for part, count in parts.most_common():
        rows.append(f"| {part} | {100 * count / total:.1f} % | {count / rate * 1000 / pages:.2f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--size", type=int, default=100, help="properties in the sheet")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=1000, help="py-spy samples per second")
    parser.add_argument("--threads", default="8", help="PROPDESK_THREADS of the one worker")
    args = parser.parse_args(argv)
    if py_spy() is None:
        parser.exit(2, "python -m bench.profile needs py-spy: pip install py-spy\n")
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-profile-"))
    env = {"WEB_CONCURRENCY": "1", "PROPDESK_THREADS": args.threads}
    stack = start([args.size], workdir, **env)
    try:
        median_ms(lambda: stack.browser.get(sheet_page(stack, args.size)), 50)  # warm-up
        print(wall_clock(stack, args.size, 200))
        pages = sample(stack, args.size, args.seconds, args.rate, workdir / "profile.raw")
        with (workdir / "profile.raw").open() as raw:
            parts = tally(raw)
    finally:
        stack.dashboard.stop()
        stack.emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{pages} pages of /browse/projects/{BENCH_PROJECT}/s{args.size}/ (htmx) sampled")
    print(table(parts, pages, args.rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
