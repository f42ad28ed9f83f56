"""Python's full garbage collections, kept out of a long read so they cannot freeze the window.

A full collection walks every object the process keeps (after a 40 MB log, some 250,000
sessions, stamps and lists) while holding the interpreter: about 0.2 s on a slow machine, a
few times per read, and the GUI thread waits through each (``bench/log_reader_gui.py``).
``bulk_read`` turns automatic collection off for the read, and the window collects only the
young generations as the read goes (``collect_young``, a few milliseconds, on the GUI thread,
so any Qt object in the garbage is destroyed on the thread that owns it), so cyclic garbage
still goes. When the read ends, what it kept is moved out of the collector's sight
(``gc.freeze``): those sessions live as long as the window shows them and reference counting
frees them when it lets them go, so no later full collection walks them either (one would take
0.3 s just as the last rows appear). Python has no incremental collector to ask for instead
(3.13's was withdrawn).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_reads = 0  # reads under way
_was_enabled = True  # automatic collection before the first of them began


@contextmanager
def bulk_read() -> Iterator[None]:
    """Automatic collection off while any bulk read runs; as it was before once none does."""
    global _reads, _was_enabled
    with _lock:
        if _reads == 0:
            _was_enabled = gc.isenabled()
        _reads += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _reads -= 1
            if _reads == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()


def collect_young() -> None:
    """Collect the two young generations: what a read makes and drops goes on being freed."""
    gc.collect(1)
