"""The collector's pause while a tree is built: shared by threads, always resumed, and
never turning on a collector that was off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from app.changes.gc_pause import Pause


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_last_thread_to_leave_resumes_the_collector(collector_on: None) -> None:
    pause = Pause()
    inside, release = threading.Event(), threading.Event()

    def build() -> None:
        with pause.held():
            inside.set()
            release.wait(10)

    other = threading.Thread(target=build)
    other.start()
    assert inside.wait(10)
    with pause.held():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still building
    release.set()
    other.join(10)
    assert gc.isenabled()


def test_an_error_while_building_resumes_the_collector(collector_on: None) -> None:
    pause = Pause()
    with pytest.raises(ValueError), pause.held():
        raise ValueError("bad file")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on: None) -> None:
    gc.disable()
    with Pause().held():
        pass
    assert not gc.isenabled()
    gc.enable()
