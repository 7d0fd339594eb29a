"""What a breakdown's sections share is made once, though they run side by side: the
second thread to ask waits for the first one's result rather than making its own."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from rehabdash.plan.scope import made_once


def test_threads_that_ask_at_once_get_the_one_made() -> None:
    cache: dict[object, object] = {}
    calls: list[int] = []
    started = threading.Barrier(4)

    def make() -> list[int]:
        calls.append(1)
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return [len(calls)]

    def ask() -> object:
        started.wait()
        return made_once(cache, ("cells", "religion"), make)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: ask(), range(4)))
    assert len(calls) == 1
    assert all(r is results[0] for r in results)  # the very same object
    assert made_once(cache, ("cells", "religion"), make) is results[0]
    assert len(calls) == 1


def test_other_keys_are_made_side_by_side() -> None:
    cache: dict[object, object] = {}
    both = threading.Barrier(2, timeout=5)

    def make(name: str) -> str:
        both.wait()  # deadlocks (BrokenBarrierError) if one key's making held up another's
        return name

    with ThreadPoolExecutor(max_workers=2) as pool:
        found = list(pool.map(lambda k: made_once(cache, k, lambda: make(k)), ["a", "b"]))
    assert found == ["a", "b"]


def test_a_failed_making_is_tried_again() -> None:
    cache: dict[object, object] = {}

    def broken() -> object:
        raise ValueError("no population")

    with pytest.raises(ValueError, match="no population"):
        made_once(cache, "k", broken)
    assert "k" not in cache
    assert made_once(cache, "k", lambda: 3) == 3
