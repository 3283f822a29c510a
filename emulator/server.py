"""Run the emulator on a real HTTP port (threaded werkzeug server, with keep-alive)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from emulator.seed import seed_demo
from emulator.settings import THREE_DAYS, EmulatorSettings
from emulator.wsgi import create_emulator


class KeepAliveHandler(WSGIRequestHandler):
    """Werkzeug's request handler, keeping the connection open after a request without a
    body, as a real CloudBees CD server does, so a client's connection reuse shows (the
    request log's ``peer``). Werkzeug closes every connection, since after each answer it
    drains the socket, which would swallow the next request; a request with a body still
    closes its connection that way."""

    # An answer is written in pieces (headers, body): without TCP_NODELAY a kept connection
    # would hold the last piece until the client's delayed ACK (some 40 ms).
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        if not self._bodyless():
            super().run_wsgi()
            return
        # Nothing to read, nothing to drain: the next request stays on the socket.
        socket_file, self.rfile = self.rfile, io.BytesIO()
        try:
            super().run_wsgi()
        finally:
            self.rfile = socket_file

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._bodyless():
            return  # http.server then reads the next request on this connection
        super().send_header(keyword, value)

    def _bodyless(self) -> bool:
        headers = self.headers
        return (
            headers.get("Content-Length", "0") == "0"
            and "Transfer-Encoding" not in headers
            and headers.get("Connection", "").lower() != "close"
        )


def serve(
    host: str,
    port: int,
    db: Path,
    *,
    seed: str | None = None,
    latency_ms: int = 0,
    controls: bool = False,
    session_lifetime: float | None = None,
    quiet: bool = True,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> None:
    """Serve the emulator until interrupted; prints one line with its address.

    ``session_lifetime`` of ``None`` keeps the default of a real server (three days).
    """
    db.parent.mkdir(parents=True, exist_ok=True)
    settings = EmulatorSettings(
        db_path=db,
        files_dir=db.parent / (db.stem + "-files"),
        latency_ms=latency_ms,
        session_lifetime=THREE_DAYS if session_lifetime is None else session_lifetime,
        controls=controls,
    )
    emulator = create_emulator(settings)
    if seed == "demo":
        seed_demo(emulator.store)
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ssl_context = (str(certfile), str(keyfile)) if certfile and keyfile else None
    server = make_server(
        host,
        port,
        emulator,
        threaded=True,
        request_handler=KeepAliveHandler,
        ssl_context=ssl_context,
    )
    server.daemon_threads = True  # type: ignore[attr-defined]
    scheme = "https" if ssl_context else "http"
    print(f"emulator listening on {scheme}://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
