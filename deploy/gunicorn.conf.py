"""gunicorn settings for propdesk (used by ``propdesk serve`` and the container)."""

import os
import shutil
import tempfile

bind = os.environ.get("PROPDESK_BIND", "127.0.0.1:8000")
worker_class = "gthread"  # the work is waiting on CloudBees CD: threads, not processes
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("PROPDESK_THREADS", "8"))
# Above the upstream read timeout, so a slow upstream call ends with our message, not a kill.
timeout = int(float(os.environ.get("PROPDESK_READ_TIMEOUT", "30"))) + 30
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


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
