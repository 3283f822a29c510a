"""``python -m bench.soak``: sustained load on the full stack (not run in CI).

60 s with 64 connections against a sheet page through the dashboard (gunicorn as shipped,
the emulator behind it): errors, p50/p99 latency and worker RSS growth."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import sheet_page, start, worker_rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("the soak needs wrk (apt install wrk)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-soak-"))
    stack = start([100], workdir)
    try:
        url = sheet_page(stack, 100)
        cookie = "; ".join(f"{c.name}={c.value}" for c in stack.browser.cookies)
        headers = ["-H", "HX-Request: true", "-H", f"Cookie: {cookie}"]
        subprocess.run(
            ["wrk", "-t2", "-c8", "-d5s", *headers, url], check=True, capture_output=True
        )  # warm-up
        before = worker_rss(stack.dashboard.proc.pid)
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "--timeout",
                "30s",
                *headers,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        after = worker_rss(stack.dashboard.proc.pid)
    finally:
        stack.dashboard.stop()
        stack.emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    requests_done = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    growth = [(a - b) / b * 100 for a, b in zip(after, before, strict=False) if b]
    print("| figure | value |\n| --- | --- |")
    print(
        f"| requests in {args.seconds} s, {args.connections} connections | "
        f"{requests_done.group(1) if requests_done else '?'} "
        f"({rps.group(1) if rps else '?'} req/s) |"
    )
    print(f"| error answers | {non_2xx.group(1) if non_2xx else 0} |")
    print(f"| socket errors | {socket_errors.group(1) if socket_errors else 'none'} |")
    print(
        f"| latency p50 / p99 | {p50.group(1) if p50 else '?'} / {p99.group(1) if p99 else '?'} |"
    )
    pairs = ", ".join(f"{b:.0f} -> {a:.0f} MB" for b, a in zip(before, after, strict=False))
    print(f"| worker RSS before -> after | {pairs} |")
    print(f"| worker RSS growth | {', '.join(f'{g:+.1f} %' for g in growth)} |")
    return 0 if not non_2xx and not socket_errors else 1


if __name__ == "__main__":
    sys.exit(main())
