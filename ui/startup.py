"""What the window does before it can show data: open the store, build the demo on first run.

Runs on the task runner's lane, never on the GUI thread. This module (and with it polars
and SQLAlchemy) is imported there too, after the window is up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from rehabdash import snapshot
from rehabdash.demo import build_demo, is_demo_store, store_has_activity
from rehabdash.queries.overview import Overview, overview
from rehabdash.store import open_store

__all__ = ["DEMO_ROWS", "Opened", "open_and_summarise"]

DEMO_ROWS = 200_000


@dataclass(frozen=True)
class Opened:
    """An open store: its engine, its overview (None: no activity yet), whether it is
    the demo's (synthetic data)."""

    engine: Engine
    overview: Overview | None
    demo: bool


def open_and_summarise(
    url: str,
    build_demo_if_empty: bool,
    progress: Callable[[float, str], None],
    cancelled: Callable[[], bool],
) -> Opened:
    """Open the store at ``url`` (``build_demo_if_empty``: the demo's own store, built on
    first use) and compute its overview."""
    progress(0.0, "Opening the store…")
    engine = open_store(url)
    if build_demo_if_empty and not store_has_activity(engine):
        progress(0.02, "Building the demo store: a synthetic West Yorkshire ICB…")
        build_demo(engine, rows=DEMO_ROWS, progress=progress, cancel=cancelled)
    progress(0.95, "Computing the overview…")
    taken_at = snapshot.fingerprint(url)
    result = overview(engine)
    if result is not None:
        snapshot.save(url, "overview", result.to_json(), taken_at)
    return Opened(engine, result, is_demo_store(engine))
