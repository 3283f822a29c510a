"""``python -m bench``: what propdesk costs on top of CloudBees CD, measured in one run.

Starts the emulator and the dashboard under gunicorn with the shipped config on loopback,
then prints a markdown table of ratios and counts (medians after a warm-up). The machine
is shared and noisy: every figure compares two things measured in the same run.
"""

from __future__ import annotations

import argparse
import sys

from bench.harness import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", default="100,2000,10000", help="sheet sizes (properties) to measure"
    )
    parser.add_argument("--latencies", default="0,20", help="added upstream latency, ms")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per figure")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each ratio (the table shows their spread)"
    )
    parser.add_argument(
        "--journal-backends",
        default="sqlite",
        help="journal databases to measure: sqlite, postgresql (started when installed)",
    )
    parser.add_argument(
        "--journal-entries", type=int, default=100_000, help="entries the activity page lists"
    )
    parser.add_argument(
        "--search-properties", type=int, default=100_000, help="properties the search covers"
    )
    args = parser.parse_args(argv)
    print(
        run(
            sizes=[int(s) for s in args.sizes.split(",")],
            latencies=[int(x) for x in args.latencies.split(",")],
            repeat=args.repeat,
            warmup=args.warmup,
            load_seconds=args.load_seconds,
            connections=args.connections,
            runs=args.runs,
            journal_backends=tuple(args.journal_backends.split(",")),
            journal_entries=args.journal_entries,
            search_properties=args.search_properties,
            command="python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
