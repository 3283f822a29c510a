"""Migrations: an empty database is upgraded, the schema equals the models, base and back,
the CLI, a schema from a newer release is refused, and processes that upgrade at once
never race (PostgreSQL advisory lock, SQLite file lock)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app.journal import Database, SchemaTooNew, migrate, open_journal
from app.journal.tables import Base
from tests.journal.support import statements
from tests.support.servers import wait_until

ROOT = Path(__file__).resolve().parents[2]
INDEXES = {
    "ix_journal_entries_path_at",
    "ix_journal_entries_at",
    "ix_journal_entries_cd_user_at",
    "ix_journal_entries_sso_user_at",
    "ix_journal_entries_change_set",
}


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


def test_an_empty_database_is_upgraded_to_head(database: Database) -> None:
    assert migrate.current(database) is None
    done = migrate.upgrade(database)
    assert (done.before, done.after, done.changed) == (None, migrate.head(), True)
    assert migrate.current(database) == migrate.head() == "0003"
    found = inspect(database.engine)
    assert {"journal_entries", "journal_state"} <= set(found.get_table_names())
    assert {ix["name"] for ix in found.get_indexes("journal_entries")} >= INDEXES
    with statements(database.engine) as sent:
        again = migrate.upgrade(database)
    assert not again.changed and not any("CREATE" in sql.upper() for sql, _ in sent)


def test_the_migrated_schema_equals_the_models(database: Database) -> None:
    migrate.upgrade(database)
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_down_to_base_and_up_again(database: Database) -> None:
    migrate.upgrade(database)
    assert migrate.downgrade(database, "base").after is None
    assert not {"journal_entries", "journal_state"} & set(
        inspect(database.engine).get_table_names()
    )
    assert migrate.upgrade(database).before is None
    assert migrate.current(database) == migrate.head()


def test_a_schema_from_a_newer_release_is_refused(database: Database, database_url: str) -> None:
    migrate.upgrade(database)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaTooNew, match="9999"):
        migrate.upgrade(database)
    with pytest.raises(SchemaTooNew):
        open_journal(database_url)


def cli_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_")}
    return {**env, "PROPDESK_DATABASE_URL": url}


def propdesk(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "app.cli", *args]
    return subprocess.run(cmd, env=cli_env(url), cwd=ROOT, capture_output=True, text=True)


def test_cli_db_current_and_upgrade(database_url: str) -> None:
    before = propdesk(database_url, "db", "current")
    assert before.returncode == 0 and "revision none (empty)" in before.stdout
    up = propdesk(database_url, "db", "upgrade")
    assert up.returncode == 0 and "empty -> 0003" in up.stdout
    after = propdesk(database_url, "db", "current")
    assert after.returncode == 0 and "revision 0003 (head)" in after.stdout


def worker(url: str, go: Path | None = None) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "tests.journal.upgrade_worker"] + ([str(go)] if go else [])
    return subprocess.Popen(
        cmd, env=cli_env(url), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_processes_upgrading_at_once_do_not_race(database_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [worker(database_url, go) for _ in range(6)]
    go.touch()
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 6, outputs
    migrated = [out for out in outputs if "empty -> 0003" in out]
    assert len(migrated) == 1, outputs  # the others waited and found it done
    assert all(re.search(r"(empty|0003) -> 0003", out) for out in outputs)
    database = Database(database_url)
    assert migrate.current(database) == migrate.head()
    database.dispose()


def blocked_on_lock(database: Database, pid: int) -> Callable[[], bool]:
    """Whether process ``pid`` waits for the migration lock."""
    if database.sqlite_file is not None:
        return lambda: any(
            "->" in line and f" {pid} " in line
            for line in Path("/proc/locks").read_text().splitlines()
        )

    def waiting() -> bool:
        with database.engine.connect() as conn:
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            return bool(conn.execute(text(query)).scalar())

    return waiting


@contextmanager
def holding_lock(database: Database) -> Iterator[None]:
    database.prepare()
    with database.engine.connect() as conn, migrate.migration_lock(database, conn):
        yield


def test_an_upgrade_waits_for_the_lock(database: Database, database_url: str) -> None:
    with holding_lock(database):
        proc = worker(database_url)
        waiting = blocked_on_lock(database, proc.pid)
        assert wait_until(waiting, timeout=30), "the upgrade never waited for the lock"
        assert proc.poll() is None and migrate.current(database) is None
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0 and "empty -> 0003" in out, out


def test_the_head_known_without_alembic_is_alembics_head() -> None:
    """``migrate.HEAD`` lets a worker skip loading Alembic at start; a new revision must
    move it too (this fails until it does)."""
    assert migrate.alembic_head() == migrate.HEAD


def test_a_start_at_head_does_not_load_alembic(tmp_path: Path) -> None:
    """A start over a migrated database reads the revision with plain SQL: Alembic stays
    out of the process (about 12 MB per worker). The first start migrates (and loads it)."""
    url = f"sqlite:///{tmp_path}/j.sqlite3"
    code = (
        "import sys\n"
        "from app.journal import Database, migrate\n"
        f"done = migrate.upgrade(Database({url!r}))\n"
        "print(done.changed, 'alembic' in sys.modules)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [run.stdout.split() for run in runs] == [["True", "True"], ["False", "False"]]
