"""gunicorn settings for propdesk (used by ``propdesk serve`` and the container)."""

import os

bind = os.environ.get("PROPDESK_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("PROPDESK_THREADS", "8"))
# Above the upstream read timeout, so a slow upstream call ends with our message, not a kill.
timeout = int(float(os.environ.get("PROPDESK_READ_TIMEOUT", "30"))) + 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
# JSON access log: path without query string, no cookies, no headers that carry tokens.
access_log_format = (
    '{"time":"%(t)s","remote":"%(h)s","method":"%(m)s","path":"%(U)s",'
    '"status":"%(s)s","bytes":"%(B)s","duration_us":"%(D)s"}'
)
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
