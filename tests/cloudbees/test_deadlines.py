"""One deadline bounds a chain of upstream calls: every attempt, retry and ``Retry-After``
wait in it (issue 14, D2 and D11), shown against the real emulator's fault and latency knobs.

Every time bound below is a configured value (read timeout, deadline, emulator latency) with
a margin, never a fixed number of seconds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from app.cloudbees import (
    CloudBeesClient,
    CloudBeesError,
    Transport,
    TransportSettings,
    UpstreamUnavailable,
)
from app.cloudbees.transport import DEFAULT_DEADLINE_MARGIN
from tests.support.servers import EmulatorProcess

T = TypeVar("T")


def settings(
    emu: EmulatorProcess,
    *,
    read_timeout: float = 5.0,
    retries: int = 2,
    deadline: float | None = None,
) -> TransportSettings:
    """Settings for the emulator: a short connect timeout (loopback) and a short backoff."""
    return TransportSettings(
        server_url=emu.base_url,
        connect_timeout=0.5,
        read_timeout=read_timeout,
        retries=retries,
        backoff_factor=0.01,
        deadline=deadline,
    )


def client(transport: Transport) -> CloudBeesClient:
    return CloudBeesClient.with_basic_auth(transport, "admin", "changeme")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    """The result of ``work`` and the seconds it took."""
    started = time.monotonic()
    result = work()
    return result, time.monotonic() - started


def failure(work: Callable[[], object]) -> tuple[CloudBeesError, float]:
    """The typed error ``work`` raises and the seconds it took to raise it."""
    started = time.monotonic()
    with pytest.raises(CloudBeesError) as err:
        work()
    return err.value, time.monotonic() - started


@pytest.fixture
def slow(fresh_emulator: EmulatorProcess) -> Iterator[Callable[[int], None]]:
    """Set the emulator's latency (ms); back to 0 at the end."""
    yield fresh_emulator.set_latency
    fresh_emulator.set_latency(0)


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(
    fresh_emulator: EmulatorProcess,
) -> None:
    emu = fresh_emulator
    cd = client(Transport(settings(emu, deadline=3.0)))
    emu.inject_faults(503, 1, retry_after="40")
    emu.reset_counts()
    err, elapsed = failure(lambda: cd.projects.get("Default"))
    assert err.status == 503
    assert emu.counts() == {"GET /projects/{projectName}": 1}  # no second attempt
    assert elapsed < 3.0  # within the deadline, not after the 40 s the server asked for


def test_retry_afters_cannot_add_up(fresh_emulator: EmulatorProcess) -> None:
    emu = fresh_emulator
    cd = client(Transport(settings(emu, retries=2, deadline=5.0)))
    emu.inject_faults(429, 2, retry_after="20")  # twice 20 s would be 40 s
    emu.reset_counts()
    err, elapsed = failure(lambda: cd.projects.get("Default"))
    assert err.status == 429
    assert emu.counts() == {"GET /projects/{projectName}": 1}
    assert elapsed < 5.0


def test_a_retry_after_within_the_deadline_is_obeyed(fresh_emulator: EmulatorProcess) -> None:
    emu = fresh_emulator
    cd = client(Transport(settings(emu, deadline=10.0)))
    emu.inject_faults(503, 1, retry_after="1")
    emu.reset_counts()
    project, elapsed = timed(lambda: cd.projects.get("Default"))
    assert project.name == "Default"
    assert emu.counts() == {"GET /projects/{projectName}": 2}
    assert 1.0 <= elapsed < 10.0


def test_the_timeout_message_counts_attempts_and_time(
    fresh_emulator: EmulatorProcess, slow: Callable[[int], None]
) -> None:
    """Read timeout 1 s, latency 1.5 s, two retries, the default deadline: three attempts,
    and the message says so instead of "within 1 s" alone."""
    transport = Transport(settings(fresh_emulator, read_timeout=1.0, retries=2))
    assert transport.settings.deadline_seconds == 1.0 + DEFAULT_DEADLINE_MARGIN
    slow(1500)
    err, elapsed = failure(lambda: client(transport).projects.all())
    assert isinstance(err, UpstreamUnavailable) and err.code == "Timeout"
    found = re.search(r"did not answer within 1 s \(3 attempts, (\d+\.\d) s\)", err.message)
    assert found, err.message
    assert 3 * 1.0 <= float(found.group(1)) <= elapsed + 0.1  # the time it really took
    assert elapsed < transport.settings.deadline_seconds


def test_retries_stop_when_another_attempt_would_pass_the_deadline(
    fresh_emulator: EmulatorProcess, slow: Callable[[int], None]
) -> None:
    """Five retries allowed, but after two 1 s attempts the 3 s deadline has no room for a
    whole attempt (0.5 s connect + 1 s read) more."""
    emu = fresh_emulator
    transport = Transport(settings(emu, read_timeout=1.0, retries=5, deadline=3.0))
    slow(1500)
    emu.reset_counts()
    err, elapsed = failure(lambda: client(transport).projects.all())
    assert isinstance(err, UpstreamUnavailable) and err.code == "Timeout"
    assert "did not answer within 1 s (2 attempts," in err.message
    assert "the 3 s deadline left no time for another attempt" in err.message
    assert emu.counts() == {"GET /projects": 2}
    assert elapsed < 3.0 + 1.5  # the deadline, with room for a busy machine


def test_one_deadline_bounds_a_chain_of_calls(
    fresh_emulator: EmulatorProcess, slow: Callable[[int], None]
) -> None:
    """Two calls of 2.5 s each under a 4 s deadline: the second gets what is left."""
    transport = Transport(settings(fresh_emulator, read_timeout=10.0, retries=0))
    cd = client(transport)
    slow(2500)
    started = time.monotonic()
    with transport.deadline(4.0):
        assert cd.projects.get("Default").name == "Default"
        with pytest.raises(UpstreamUnavailable) as err:
            cd.projects.get("Default")
    elapsed = time.monotonic() - started
    assert err.value.code == "Timeout"
    assert "did not answer before the 4 s deadline of this request" in err.value.message
    assert elapsed < 2 * 2.5  # before both answers could have come (1 s to spare)
    assert transport.active_deadline() is None  # the block's deadline ended with it


def test_no_call_is_made_once_the_deadline_has_passed(fresh_emulator: EmulatorProcess) -> None:
    emu = fresh_emulator
    transport = Transport(settings(emu))
    emu.reset_counts()
    with transport.deadline(0), pytest.raises(UpstreamUnavailable) as err:
        client(transport).projects.all()
    assert err.value.code == "Timeout" and "0 s deadline" in err.value.message
    assert emu.counts() == {}


def test_an_inner_deadline_never_outlasts_the_outer_one(emulator: EmulatorProcess) -> None:
    transport = Transport(settings(emulator))
    with transport.deadline(1.0) as outer:
        with transport.deadline(100.0) as inner:
            assert inner == outer == transport.active_deadline()
        with transport.deadline(0.5) as shorter:
            assert shorter.ends_at < outer.ends_at
        assert transport.active_deadline() == outer
    assert transport.active_deadline() is None
