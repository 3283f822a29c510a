"""``python -m bench.rows``: the dashboard's own CPU per sheet page, in this process.

The ratios of ``python -m bench`` are wall-clock times of two servers on a machine other
jobs share, so a change of a tenth of a millisecond drowns in them. This measures CPU time
of the one thread that serves the page (``time.thread_time``: time the thread waits for
the emulator, or for a core another job holds, is not counted): the whole 100-row sheet
fragment, the part of it spent rendering templates (between Flask's
``before_render_template`` and ``template_rendered`` signals) and the journal's look-up of
the rows' recent changes (``journaling.recent``). The dashboard runs in this process
(Flask's test client), the emulator in its own, over real HTTP on loopback.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskClient

from app import create_app
from app.cloudbees import Property, PropertyPath
from app.config import Settings
from app.web import journaling
from bench.harness import BENCH_PROJECT, seed_sheets
from tests.support.servers import EmulatorProcess, csrf_from, dashboard_env

HTMX = {"HX-Request": "true"}


def cpu_ms(work: Callable[[], object], repeat: int) -> float:
    """Median thread CPU time of ``work`` in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.thread_time()
        work()
        times.append(time.thread_time() - started)
    return statistics.median(times) * 1000


@contextmanager
def rendering_clock(app: Flask) -> Iterator[list[float]]:
    """Thread CPU seconds spent rendering templates, one item per render, while open."""
    spent: list[float] = []
    started: list[float] = []

    def before(sender: Flask, **_: Any) -> None:
        started.append(time.thread_time())

    def after(sender: Flask, **_: Any) -> None:
        spent.append(time.thread_time() - started.pop())

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
    ):
        yield spent


def logged_in(app: Flask) -> FlaskClient:
    """A test client with admin's login."""
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "admin", "password": "changeme", "csrf_token": token})
    return client


def page_figures(app: Flask, client: FlaskClient, size: int, repeat: int) -> str:
    """One table row: CPU per page, rendering and the journal's look-up, for one sheet."""
    url = f"/browse/projects/{BENCH_PROJECT}/s{size}/"

    def page() -> None:
        answer = client.get(url, headers=HTMX)
        if answer.status_code != 200:
            raise RuntimeError(f"{url}: {answer.status_code}")

    for _ in range(5):
        page()  # warm-up: templates compiled, connections open
    whole = cpu_ms(page, repeat)
    with rendering_clock(app) as spent:
        cpu_ms(page, repeat)
    render = statistics.median(spent) * 1000
    sheet = PropertyPath.project(BENCH_PROJECT, f"s{size}")
    rows = [Property(id=n, name=f"key-{n:05d}", value="v") for n in range(100)]  # as seeded
    with app.test_request_context(url, headers=HTMX):
        journal = cpu_ms(lambda: journaling.recent(sheet, rows), repeat)
    return (
        f"| {size:,} properties | {whole:.2f} | {render:.2f} | {render * 10:.1f} | "
        f"{journal:.2f} | {whole - render - journal:.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rows", description=__doc__)
    parser.add_argument("--sizes", default="100,10000", help="sheet sizes (properties)")
    parser.add_argument("--repeat", type=int, default=200, help="pages per figure")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-bench-rows-"))
    emulator = EmulatorProcess(workdir / "emulator")
    try:
        seed_sheets(emulator, sizes)
        env = dashboard_env(emulator.base_url, workdir / "sessions", PROPDESK_PAGE_SIZE="100")
        app = create_app(Settings.from_env(env))
        client = logged_in(app)
        print(
            "| sheet (100 rows a page) | CPU ms per page | rendering ms | us per row "
            "| journal look-up ms | the rest ms |\n| --- | --- | --- | --- | --- | --- |"
        )
        for size in sizes:
            print(page_figures(app, client, size, args.repeat))
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nThread CPU time, medians of {args.repeat} pages (`python -m bench.rows`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
