"""The store: one schema on SQLite (one user) or PostgreSQL (an ICB team), with bulk loading.

``open_store(url)`` is the single way in: it opens the engine, checks it, and brings the
schema up to date. Several processes may open one brand-new store at once (two first
imports): creating the schema is serialised by the store's write lock (see migrate.py).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from rehabdash.errors import StoreError
from rehabdash.store.engine import describe_url, open_engine
from rehabdash.store.migrate import upgrade

__all__ = ["StoreError", "describe_url", "open_store"]


def open_store(url: str) -> Engine:
    """Open (creating if needed) the store at ``url`` with its schema at the newest version."""
    engine = open_engine(url)
    upgrade(engine)
    return engine
