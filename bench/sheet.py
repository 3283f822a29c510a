"""``python -m bench.sheet``: the sheet page's figures of ``python -m bench`` alone.

The fixed-cost ratio, the overhead ratios of the sheet page against the direct upstream
GET (per size and added latency) and the throughput ratio, from one stack, in a few
minutes instead of the whole bench's half hour: for trying one change (a query, the row
template, gunicorn's threads or keep-alive) against another. ``--env`` sets the
dashboard's environment, e.g. ``--env PROPDESK_THREADS=4`` or
``--env "GUNICORN_CMD_ARGS=--keep-alive 2"`` (gunicorn reads it after its config file).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.harness import fixed_cost, overhead, spread, start, throughput


def environment(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a mapping (a clear error for anything else)."""
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--env wants KEY=VALUE, not {pair!r}")
        env[key] = value
    return env


def figures(args: argparse.Namespace) -> list[str]:
    """The table's rows, measured on one stack started with ``args.env``."""
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-bench-sheet-"))
    stack = start(args.sizes, workdir, **environment(args.env))
    rows: list[str] = []
    try:
        for latency in args.latencies:
            stack.emulator.set_latency(latency)
            if latency == 0:
                rows.append(fixed_cost(stack, args.repeat, args.warmup, args.runs))
            for size in args.sizes:
                rows.append(
                    f"| overhead ratio, {size:,} properties, +{latency} ms upstream | "
                    + overhead(stack, size, args.repeat, args.warmup, args.runs)
                )
        stack.emulator.set_latency(0)
        size = min(args.sizes)
        loads = [
            throughput(stack, size, args.load_seconds, args.connections) for _ in range(args.runs)
        ]
        ratio, ranged = spread([d / e for d, e, _ in loads])
        rows.append(
            f"| throughput ratio ({size:,}-property sheet) | {ratio:.2f} | dashboard "
            f"{statistics.median(d for d, _, _ in loads):.0f} req/s / emulator "
            f"{statistics.median(e for _, e, _ in loads):.0f} req/s, {loads[0][2]}, "
            f"{args.connections} connections; {ranged} |"
        )
    finally:
        stack.dashboard.stop()
        stack.emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sheet", description=__doc__)
    parser.add_argument("--sizes", default="100,10000", help="sheet sizes (properties)")
    parser.add_argument("--latencies", default="0,20", help="added upstream latency, ms")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per figure")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3, help="runs of each ratio")
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the dashboard")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.latencies = [int(x) for x in args.latencies.split(",")]
    rows = figures(args)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print("| figure | value | detail |\n| --- | --- | --- |")
    print("\n".join(rows))
    print(f"\nEnvironment: {' '.join(args.env) or 'as shipped'}; load average after: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
