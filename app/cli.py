"""The ``propdesk`` command: ``serve`` (gunicorn), ``demo`` (emulator + dashboard), ``emulator``,
``db upgrade`` / ``db current`` (the journal's database)."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.buildbot.local_master import LocalMaster
    from app.journal import Database

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
DEMO_USER = ("admin", "changeme")


def _wait_for_port(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"propdesk: a demo process exited early (code {proc.returncode})")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"propdesk: nothing answered on {host}:{port} after {timeout:.0f}s")


def cmd_emulator(args: argparse.Namespace) -> int:
    # The emulator is a sibling package of ``app`` that the production image leaves out.
    try:
        from emulator.server import serve
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] != "emulator":
            raise
        print(
            "propdesk: the emulator is not installed here (the production image leaves it "
            "out); run it from a source checkout with `pip install -e .`",
            file=sys.stderr,
        )
        return 2
    serve(
        args.host,
        args.port,
        Path(args.db),
        seed=args.seed,
        latency_ms=args.latency_ms,
        controls=args.controls,
        session_lifetime=args.session_lifetime,
        quiet=not args.verbose,
        certfile=Path(args.certfile) if args.certfile else None,
        keyfile=Path(args.keyfile) if args.keyfile else None,
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.config import ConfigError, Settings

    if os.environ.get("PROPDESK_DEMO") == "1" and not os.environ.get("PROPDESK_SECRET_KEY"):
        # One key for every gunicorn worker, or CSRF tokens fail across workers.
        os.environ["PROPDESK_SECRET_KEY"] = secrets.token_urlsafe(32)
    try:
        Settings.from_env()
    except ConfigError as err:
        print(f"propdesk: {err}", file=sys.stderr)
        return 2
    argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "app:create_app()"]
    os.execv(sys.executable, argv)  # gunicorn replaces this process (PID stays the same)


def _journal_database() -> Database:
    """The journal's database as its settings name it (``PROPDESK_DATABASE_URL``, else a
    file under ``PROPDESK_DATA_DIR``); ``ConfigError`` or ``JournalError`` when it cannot be
    opened. The commands that work on it read only these settings."""
    from app.config import journal_database, read_setting
    from app.journal import Database

    url = journal_database(read_setting("PROPDESK_DATABASE_URL"), read_setting("PROPDESK_DATA_DIR"))
    return Database(url)


def cmd_db(args: argparse.Namespace) -> int:
    """``db upgrade``: migrate the journal's database (under the migration lock);
    ``db current``: print its revision. Reads only the database settings."""
    from app.config import ConfigError
    from app.journal import JournalError, migrate

    try:
        database = _journal_database()
    except (ConfigError, JournalError) as err:
        print(f"propdesk: {err}", file=sys.stderr)
        return 2
    try:
        if args.action == "upgrade":
            done = migrate.upgrade(database)
            print(f"{database.describe()}: {done.before or 'empty'} -> {done.after}")
        revision = migrate.current(database)
    except JournalError as err:
        print(f"propdesk: {database.describe()}: {err}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    head = migrate.head()
    state = "head" if revision == head else f"behind {head}: run `propdesk db upgrade`"
    print(f"{database.describe()}: revision {revision or 'none (empty)'} ({state})")
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def emulator_command(
    port: int, db: Path, *extra: str, seed: str | None = "demo", controls: bool = True
) -> list[str]:
    """The command line of ``propdesk emulator`` on loopback (the demo and the tests start
    it this way); ``extra`` arguments go at the end."""
    cmd = [sys.executable, "-m", "app.cli", "emulator", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--db", str(db)]
    if seed:
        cmd += ["--seed", seed]
    if controls:
        cmd.append("--controls")
    return [*cmd, *extra]


def _new_data_key() -> str:
    from app.keys.crypto import generate_data_key

    return generate_data_key()


def kept_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret in ``path`` (mode 0600), made by ``make`` and written there the first
    time: the demo keeps its secret key and data key, so a restart keeps logins and API
    keys."""
    if path.is_file():
        kept = path.read_text().strip()
        if kept:
            return kept
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


def _demo_buildbot(args: argparse.Namespace, data: Path, env: dict[str, str]) -> LocalMaster | None:
    """With ``--buildbot``: a real Buildbot master beside the emulator (its own cached
    virtualenv, created when missing), and the dashboard pointed at it."""
    if not args.buildbot:
        return None
    from app.buildbot.local_master import demo_master

    master = demo_master(data / "buildbot-master", args.buildbot_port)
    env["PROPDESK_BUILDBOT_URL"] = master.url
    print(f"  Buildbot master: {master.url}/ (builders hello and world)", flush=True)
    return master


def cmd_keys(args: argparse.Namespace) -> int:
    """``keys reseal``: re-encrypt every API key's stored access token with the first of
    ``PROPDESK_DATA_KEYS`` (rotation: put a new key first, reseal, then drop the old one).
    Nothing is written when a token cannot be opened."""
    from app.config import ConfigError, read_setting
    from app.journal import JournalError
    from app.keys.crypto import DataKeys, DataKeysMissing, UndecryptableSecret
    from app.keys.store import KeyStore

    try:
        data_keys = DataKeys(read_setting("PROPDESK_DATA_KEYS"))
        database = _journal_database()
    except (ConfigError, JournalError) as err:
        print(f"propdesk: {err}", file=sys.stderr)
        return 2
    try:
        count = KeyStore(database).reseal(data_keys.rotate)
    except (JournalError, DataKeysMissing, UndecryptableSecret) as err:
        print(f"propdesk: {database.describe()}: nothing re-encrypted: {err}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"{database.describe()}: {count} access token(s) re-encrypted with the first data key")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # stop both children on TERM too
    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    emulator = subprocess.Popen(emulator_command(args.emulator_port, data / "emulator.sqlite3"))
    env = dict(os.environ)
    env.update(
        {
            "PROPDESK_DEMO": "1",
            "PROPDESK_CD_URL": f"http://127.0.0.1:{args.emulator_port}",
            "PROPDESK_SECRET_KEY": env.get("PROPDESK_SECRET_KEY")
            or kept_secret(data / "secret_key", lambda: secrets.token_urlsafe(32)),
            "PROPDESK_DATA_KEYS": env.get("PROPDESK_DATA_KEYS")
            or kept_secret(data / "data_keys", _new_data_key),
            "PROPDESK_BIND": f"127.0.0.1:{args.port}",
            "PROPDESK_DATA_DIR": env.get("PROPDESK_DATA_DIR") or str(data),
        }
    )
    dashboard: subprocess.Popen[bytes] | None = None
    master: LocalMaster | None = None
    try:
        master = _demo_buildbot(args, data, env)
        _wait_for_port("127.0.0.1", args.emulator_port, emulator, 30)
        dashboard = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=env)
        _wait_for_port("127.0.0.1", args.port, dashboard, 60)
        user, password = DEMO_USER
        print(
            f"\npropdesk demo is running: http://127.0.0.1:{args.port}/\n"
            f"  log in as {user} / {password} (read-only: viewer / viewer)\n"
            f"  emulated CloudBees CD: http://127.0.0.1:{args.emulator_port}/rest/v1.0/\n"
            "  Ctrl+C stops both.\n",
            flush=True,
        )
        while emulator.poll() is None and dashboard.poll() is None:
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if master is not None:
            master.stop()
        for proc in (dashboard, emulator):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (dashboard, emulator):
            if proc is not None:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="propdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    emu = sub.add_parser("emulator", help="run the embedded CloudBees CD emulator")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=8900, help="0 picks a free port")
    emu.add_argument("--db", required=True, help="SQLite file (created when missing)")
    emu.add_argument("--seed", choices=["demo"], default=None)
    emu.add_argument("--latency-ms", type=int, default=0, help="delay added to every call")
    emu.add_argument(
        "--session-lifetime",
        type=float,
        default=None,
        help="idle seconds before an upstream session expires (default: three days)",
    )
    emu.add_argument(
        "--controls", action="store_true", help="enable the test controls under /_emulator/"
    )
    emu.add_argument("--verbose", action="store_true", help="log every request")
    emu.add_argument("--certfile", help="serve HTTPS with this PEM certificate chain")
    emu.add_argument("--keyfile", help="the private key of --certfile")
    emu.set_defaults(func=cmd_emulator)

    serve = sub.add_parser("serve", help="run the dashboard under gunicorn")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="run the emulator with demo data and the dashboard")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--emulator-port", type=int, default=8900)
    demo.add_argument("--data-dir", default=".demo")
    demo.add_argument(
        "--buildbot", action="store_true", help="also run a real Buildbot master and its pages"
    )
    demo.add_argument("--buildbot-port", type=int, default=8010)
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="the journal's database: upgrade (migrate) or current")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(func=cmd_db)

    keys = sub.add_parser("keys", help="API keys: reseal (re-encrypt tokens after rotation)")
    keys.add_argument("action", choices=["reseal"])
    keys.set_defaults(func=cmd_keys)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
