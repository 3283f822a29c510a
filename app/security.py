"""Response headers every answer carries (CSP and friends)."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
PUBLIC_PATHS = ("/healthz", "/readyz")


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        # Pages behind login must not come back from a cache (or the back button) later.
        response.headers["Cache-Control"] = "no-store"
    return response


def register_security(app: Flask) -> None:
    app.after_request(add_security_headers)
