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
