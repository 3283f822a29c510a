"""Prometheus metrics: requests by route template, upstream calls by operation, sessions.

Under gunicorn (several worker processes) prometheus_client's multiprocess mode is used
when ``PROMETHEUS_MULTIPROC_DIR`` is set (``deploy/gunicorn.conf.py`` sets it up).
``/metrics`` answers only with ``Authorization: Bearer <PROPDESK_METRICS_TOKEN>``."""

from __future__ import annotations

import hmac
import os
import time

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from app.config import Settings
from app.services import services
from app.sessions.stores import STORE_ERRORS

REQUESTS = Counter("propdesk_requests_total", "Dashboard requests", ["route", "method", "status"])
REQUEST_SECONDS = Histogram("propdesk_request_seconds", "Dashboard request time", ["route"])
UPSTREAM_SECONDS = Histogram("propdesk_upstream_seconds", "CloudBees CD call time", ["operation"])
UPSTREAM_ERRORS = Counter(
    "propdesk_upstream_errors_total", "CloudBees CD call failures", ["operation", "kind"]
)
SESSIONS = Gauge("propdesk_active_sessions", "Logins with recent activity", multiprocess_mode="max")
JOURNAL_FAILURES = Counter(
    "propdesk_journal_failures_total",
    "Journal calls that failed (database down); operation=record: a change made upstream "
    "but not recorded in the history",
    ["operation"],
)


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Request methods counted by name; any other is counted as ``other`` (labels stay bounded
whatever clients send)."""


def status_label(status: int) -> str:
    """An HTTP status as a label: itself when it is a real status code, else ``other``."""
    return str(status) if 100 <= status <= 599 else "other"


def observe_upstream(operation: str, seconds: float, error: str | None) -> None:
    """Called by the transport after every upstream call."""
    UPSTREAM_SECONDS.labels(operation).observe(seconds)
    if error:
        UPSTREAM_ERRORS.labels(operation, error).inc()


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def register_metrics(app: Flask, settings: Settings) -> None:
    from app.cloudbees import transport

    if observe_upstream not in transport.OBSERVERS:  # once per process, however many apps
        transport.OBSERVERS.append(observe_upstream)

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        if route != "/metrics":
            method = request.method if request.method in METHODS else "other"
            REQUESTS.labels(route, method, status_label(response.status_code)).inc()
            if "started" in g:
                REQUEST_SECONDS.labels(route).observe(time.perf_counter() - g.started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        token = settings.metrics_token
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(offered.encode(), token.encode()):
            abort(404)
        try:
            SESSIONS.set(services().activity.count())
        except STORE_ERRORS:
            SESSIONS.set(-1)
        return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)
