"""While the log reader reads, Python's full collections are off (they froze the window for
0.2-0.3 s each); young garbage is still collected, and what the read kept is frozen after."""

from __future__ import annotations

import gc
import threading

import pytest

from wizard.ui.bulk_gc import bulk_read, collect_young


@pytest.fixture(autouse=True)
def _collector_on_and_unfrozen():
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_automatic_collection_is_off_during_a_read_and_back_after():
    with bulk_read():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_reads_keep_it_off_until_the_last_ends():
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with bulk_read():
            started.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with bulk_read():
        thread.start()
        assert started.wait(10)
    assert not gc.isenabled()  # the other read is still under way
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with bulk_read():
        pass
    assert not gc.isenabled()


def test_young_cycles_are_still_freed_during_a_read():
    import weakref

    with bulk_read():
        ref = weakref.ref(Cycle())
        assert ref() is not None  # a cycle: reference counting alone cannot free it
        collect_young()
        assert ref() is None


def test_what_the_read_kept_is_out_of_the_collectors_sight_after():
    before = gc.get_freeze_count()
    kept = [Cycle() for _ in range(1000)]
    with bulk_read():
        pass
    assert gc.get_freeze_count() >= before + len(kept)
