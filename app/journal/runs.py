"""Background applies in propdesk's database (``apply_runs``): start one, beat its heart
with its progress, ask it to stop, end it with its report, and read it back from any
worker or replica.

Every method is one short unit of work on the journal's ``Database`` (same engine, same
error translation: a database that fails raises ``JournalUnavailable``). The runner beats
every half second or so (``beat``: one UPDATE that also answers whether a cancel was
asked), never once per operation. A run whose heartbeat is older than ``STALE`` lost its
worker (killed, or its machine gone): ``RunRecord.effective_state`` reads it as
``interrupted`` without anybody having to write that.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, insert, select, update

from app.journal.database import Database
from app.journal.run_tables import APPLY_RUNS
from app.journal.values import Actor, sha256_text

STALE = timedelta(seconds=30)
"""A running run whose heartbeat is older than this lost its worker: it reads as
interrupted."""

COUNTED = ("applied", "already", "conflicts", "failed")
"""The progress counters of a run, one per result status."""


class RunState(StrEnum):
    """Where a background apply stands."""

    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    """A fresh run id: 32 random URL-safe characters, not to be guessed."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class RunAbout:
    """What a run is about, stored when it starts and shown on its page: its owner, root,
    the page's wording and its size (operations)."""

    actor: Actor
    root: str
    source: str
    heading: str
    back_url: str
    back_label: str
    total: int


@dataclass(frozen=True)
class NewRun(RunAbout):
    """What a run starts with: what it is about, its worker, change set and the CloudBees
    CD session it writes with (stored as a SHA-256 only)."""

    worker: str
    change_set: str
    session_id: str


@dataclass(frozen=True, kw_only=True)
class RunRecord(RunAbout):
    """One run as stored; ``counts`` has one entry per name of ``COUNTED``; ``report`` is
    the JSON the runner left when it ended (``None`` while running or when interrupted)."""

    id: str
    counts: Mapping[str, int]
    state: RunState
    worker: str
    heartbeat: datetime
    cancel_requested: bool
    change_set: str
    started: datetime
    finished: datetime | None
    report: str | None

    @property
    def done(self) -> int:
        """How many operations have a result so far."""
        return sum(self.counts.values())

    def effective_state(self, now: datetime) -> RunState:
        """The stored state, except that a running run whose heartbeat is older than
        ``STALE`` is ``interrupted`` (its worker stopped without saying so)."""
        if self.state is RunState.RUNNING and now - self.heartbeat > STALE:
            return RunState.INTERRUPTED
        return self.state

    def owned_by(self, actor: Actor) -> bool:
        """True when ``actor`` (CloudBees CD user and SSO user) started this run."""
        return (self.actor.cd_user, self.actor.sso_user) == (actor.cd_user, actor.sso_user)


def _record(row: Any) -> RunRecord:
    return RunRecord(
        id=row.id,
        actor=Actor(row.cd_user, row.sso_user),
        root=row.root,
        source=row.source,
        heading=row.heading,
        back_url=row.back_url,
        back_label=row.back_label,
        total=row.total,
        counts={name: int(getattr(row, name)) for name in COUNTED},
        state=RunState(row.state),
        worker=row.worker,
        heartbeat=row.heartbeat,
        cancel_requested=bool(row.cancel_requested),
        change_set=row.change_set,
        started=row.started,
        finished=row.finished,
        report=row.report,
    )


RUNNING = APPLY_RUNS.c.state == RunState.RUNNING.value


class RunStore:
    """The ``apply_runs`` table of one database."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = _now) -> None:
        self.database = database
        self.clock = clock

    def start(self, new: NewRun) -> str:
        """Store a new running run; its id."""
        run_id, now = new_run_id(), self.clock()
        values: dict[str, object] = {
            "id": run_id,
            "cd_user": new.actor.cd_user,
            "sso_user": new.actor.sso_user,
            "root": new.root,
            "source": new.source,
            "heading": new.heading,
            "back_url": new.back_url,
            "back_label": new.back_label,
            "total": new.total,
            **dict.fromkeys(COUNTED, 0),
            "state": RunState.RUNNING.value,
            "worker": new.worker,
            "heartbeat": now,
            "cancel_requested": False,
            "change_set": new.change_set,
            "session_sha256": sha256_text(new.session_id),
            "end_session": False,
            "started": now,
        }
        with self.database.write_connection() as conn:
            conn.execute(insert(APPLY_RUNS), values)
        return run_id

    def get(self, run_id: str) -> RunRecord | None:
        """The run ``run_id``, or ``None``."""
        stmt = select(APPLY_RUNS).where(APPLY_RUNS.c.id == run_id)
        with self.database.single_read() as conn:
            row = conn.execute(stmt).first()
        return _record(row) if row is not None else None

    def beat(self, run_id: str, counts: Mapping[str, int]) -> bool:
        """Store the run's progress and heartbeat (one statement); True when its owner
        asked to cancel it."""
        stmt = (
            update(APPLY_RUNS)
            .where(APPLY_RUNS.c.id == run_id)
            .values(heartbeat=self.clock(), **{name: counts.get(name, 0) for name in COUNTED})
            .returning(APPLY_RUNS.c.cancel_requested)
        )
        with self.database.write_connection() as conn:
            found = conn.execute(stmt).scalar()
        return bool(found)

    def cancel(self, run_id: str) -> bool:
        """Ask the running run ``run_id`` to stop between operations; False when it is not
        running any more."""
        stmt = update(APPLY_RUNS).where(APPLY_RUNS.c.id == run_id, RUNNING)
        with self.database.write_connection() as conn:
            return bool(conn.execute(stmt.values(cancel_requested=True)).rowcount)

    def end(
        self, run_id: str, state: RunState, counts: Mapping[str, int], report: str | None
    ) -> bool:
        """End the run with ``state``, its final counts and its report (JSON); True when a
        logout of its owner waited for it (``defer_logout``)."""
        now = self.clock()
        stmt = (
            update(APPLY_RUNS)
            .where(APPLY_RUNS.c.id == run_id)
            .values(
                state=state.value,
                heartbeat=now,
                finished=now,
                report=report,
                **{name: counts.get(name, 0) for name in COUNTED},
            )
            .returning(APPLY_RUNS.c.end_session)
        )
        with self.database.write_connection() as conn:
            return bool(conn.execute(stmt).scalar())

    def interrupt(self, run_ids: list[str]) -> int:
        """Mark the runs ``run_ids`` that are still running ``interrupted`` (their worker
        is stopping); how many were."""
        if not run_ids:
            return 0
        now = self.clock()
        stmt = update(APPLY_RUNS).where(APPLY_RUNS.c.id.in_(run_ids), RUNNING)
        with self.database.write_connection() as conn:
            done = conn.execute(
                stmt.values(state=RunState.INTERRUPTED.value, heartbeat=now, finished=now)
            )
            return int(done.rowcount or 0)

    def _live_with(self, session_id: str) -> Any:
        """Running runs with a fresh heartbeat that write with ``session_id``."""
        return and_(
            APPLY_RUNS.c.session_sha256 == sha256_text(session_id),
            RUNNING,
            APPLY_RUNS.c.heartbeat >= self.clock() - STALE,
        )

    def defer_logout(self, session_id: str) -> bool:
        """A logout (or an expired login) would end the CloudBees CD session
        ``session_id``: when a live run still writes with it, note that the run ends the
        session when it ends, and answer True (the caller then leaves it alone)."""
        stmt = update(APPLY_RUNS).where(self._live_with(session_id)).values(end_session=True)
        with self.database.write_connection() as conn:
            return bool(conn.execute(stmt).rowcount)

    def still_used(self, session_id: str) -> bool:
        """True while another live run writes with ``session_id``."""
        stmt = select(APPLY_RUNS.c.id).where(self._live_with(session_id)).limit(1)
        with self.database.single_read() as conn:
            return conn.execute(stmt).first() is not None
