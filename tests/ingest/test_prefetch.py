"""prefetched: order kept, errors raised where they happened, no thread left behind."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import pytest

from rehabdash.ingest.prefetch import prefetched, short_gil_turns


def test_items_come_in_order_and_are_computed_ahead() -> None:
    made: list[int] = []

    def items() -> Iterator[int]:
        for i in range(5):
            made.append(i)
            yield i

    got = []
    for item in prefetched(items()):
        time.sleep(0.02)  # the worker has time to make the next one
        got.append(item)
        assert len(made) >= min(item + 2, 5)
    assert got == [0, 1, 2, 3, 4]


def test_an_error_in_the_worker_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("part 3 is broken")

    got: list[int] = []
    with pytest.raises(ValueError, match="part 3 is broken"):
        got.extend(prefetched(items()))  # extend keeps what came before the error
    assert got == [1, 2]


def test_stopping_early_stops_the_worker() -> None:
    threads = threading.active_count()
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    stream = prefetched(items())
    assert next(stream) == 0
    stream.close()  # e.g. the store failed while writing part 0
    assert closed.wait(2)
    assert threading.active_count() == threads


def test_short_gil_turns_is_restored() -> None:
    before = sys.getswitchinterval()
    with short_gil_turns(0.0001):
        assert sys.getswitchinterval() == pytest.approx(0.0001)
    assert sys.getswitchinterval() == before
