"""JSON logs on stdout, one object per line, with the request id, user and route.

Never logged: passwords, cookies, session ids (ours or the upstream's), query strings."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from app.config import Settings

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object; extra fields become keys."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            out["request_id"] = g.get("request_id")
            out["user"] = g.get("user")
            if g.get("sso_user"):
                out["sso_user"] = g.get("sso_user")
            out["route"] = request.url_rule.rule if request.url_rule else None
            out["method"] = request.method
        for key, value in vars(record).items():
            if key not in STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def register_logging(app: Flask, settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(settings.log_level)
    app.logger.propagate = True  # tests capture records through the root logger too

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if g.get("request_id"):
            response.headers["X-Request-ID"] = g.request_id
        return response


def change(app_logger: logging.Logger, event: str, **fields: Any) -> None:
    """Log a change made upstream (who, what, where): one line per change."""
    app_logger.info(event, extra={"event": event, **fields})
