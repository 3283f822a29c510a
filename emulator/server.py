"""Run the emulator on a real HTTP port (threaded werkzeug server)."""

from __future__ import annotations

import logging
from pathlib import Path

from werkzeug.serving import make_server

from emulator.seed import seed_demo
from emulator.settings import THREE_DAYS, EmulatorSettings
from emulator.wsgi import create_emulator


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
    server = make_server(host, port, emulator, threaded=True, ssl_context=ssl_context)
    server.daemon_threads = True  # type: ignore[attr-defined]
    scheme = "https" if ssl_context else "http"
    print(f"emulator listening on {scheme}://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
