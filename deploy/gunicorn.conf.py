"""gunicorn settings for propdesk (used by ``propdesk serve`` and the container).

gunicorn loads this file with the project root on ``sys.path`` (``python -m gunicorn`` run
from the root, or ``PYTHONPATH`` in the container). Bind address, threads and the upstream
deadline are parsed by ``app.config`` (same defaults, parsers and messages as the app).
"""

import math
import os
import shutil
import sys
import tempfile
from typing import Any

from app.config import ConfigError, server_settings

try:
    _server = server_settings()
except ConfigError as err:
    # SystemExit, not a traceback: gunicorn prints tracebacks for errors in this file.
    sys.exit(f"propdesk: {err}")

bind = _server.bind
# Workers, threads and keep-alive, as measured (``python -m bench``, bench/PROFILE.md):
# - A page is CPU in Python (rendering its rows, the journal's look-up: some 8 ms of a
#   100-row page) around a wait for CloudBees CD. Python runs one thread per process at a
#   time, so the CPU part scales with processes: one worker per usable core
#   (``WEB_CONCURRENCY``, default ``app.config.usable_cores()``: CPU affinity, capped by a
#   container's CPU quota). Measured on 2 cores (100-row sheet fragment, wrk, 8 and 32
#   connections, medians of 3 interleaved runs): 2x8 (workers x threads) 98 and 103 pages/s,
#   3x4 69 and 116, 4x2 79 and 89, 1x8 79 and 87: more processes than cores only take turns.
# - Threads cover the waits: while one waits for CloudBees CD (often 20 ms and more) the
#   others render; 8 per worker (``PROPDESK_THREADS``) keep a core busy up to some 60 ms of
#   upstream latency. 2x4 served 79 and 93 pages/s; 2x16 95 and 145, more only under 32
#   connections, on a machine other jobs kept busy (load 10-15), where more threads also
#   win a larger share of the contended CPU; 8 is kept. Each thread keeps one upstream
#   connection (bench: upstream connections per 100 sheet pages). Measured again with the
#   cheaper rows (``python -m bench.sheet --sizes 100 --runs 2``, two interleaved rounds
#   at load 7-13): 100-row page at +0 ms 3.8/7.0 (2x8), 6.6/4.2 (2x4), 4.7/7.3 (2x16),
#   3.3/4.7 (3x8); at +20 ms 1.53/2.60, 1.45/1.80, 1.40/1.93, 1.77/1.99; wrk 105/76,
#   79/61, 163/92, 98/68 pages/s. Rounds differ more than settings (the machine was
#   shared); only 2x4 served fewer pages in both rounds, so threads stay 8, workers one
#   per core.
# - Keep-alive: a browser's htmx requests come in bursts. A new TCP connection cost under
#   0.1 ms here (/healthz 1.45-1.54 ms on a kept connection, 0.01-0.08 ms more on a new one),
#   so kept connections save little on loopback and more across a network or TLS; an idle
#   one costs a gthread worker only a slot in its poller, not a thread. 5 s covers a burst.
#   Without keep-alive (``--keep-alive 0``) the 100-row page was no faster: 4.7/3.7 at
#   +0 ms, 1.67/1.80 at +20 ms, 91/71 pages/s (same rounds as above).
worker_class = "gthread"  # the work is waiting on CloudBees CD: threads, not processes
workers = _server.workers
threads = _server.threads
# Above the upstream deadline (PROPDESK_UPSTREAM_DEADLINE, which bounds every upstream call,
# retry and wait of a request), so a slow upstream ends with our message, not a kill.
timeout = math.ceil(_server.upstream_deadline) + 30
graceful_timeout = 20
keepalive = 5
# Headers spelled with underscores (X_Auth_Request_User) are dropped: they could spoof the
# trusted identity header. This is gunicorn's default; it is stated here so it stays so.
header_map = "drop"
control_socket_disable = True  # no socket under $HOME (read-only root filesystems)
accesslog = "-"
errorlog = "-"
# JSON access log: path without query string, no cookies, no headers that carry tokens.
access_log_format = (
    '{"time":"%(t)s","remote":"%(h)s","method":"%(m)s","path":"%(U)s",'
    '"status":"%(s)s","bytes":"%(B)s","duration_us":"%(D)s","request_id":"%({x-request-id}o)s"}'
)
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"  # heartbeat files in memory; else the default temp dir

# prometheus_client multiprocess mode: every worker writes its metrics to this folder.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="propdesk-metrics-")


def on_starting(server: object) -> None:
    """Start every run with an empty metrics folder (no counts left from a previous run)."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server: object, worker: Any) -> None:
    """Drop a dead worker's live metrics (gauges) from the multiprocess folder."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_exit(server: object, worker: Any) -> None:
    """In the stopping worker: stop its background applies at their next operation and
    mark them interrupted (``app.changes.background``); a killed worker's runs read as
    interrupted once their heartbeat is stale."""
    from app.changes.background import interrupt_running

    interrupt_running()
