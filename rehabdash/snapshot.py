"""Start-up snapshots: the last overview computed for a store, shown at once if still true.

Importing polars and SQLAlchemy costs more than opening the whole window, so the window
first paints the overview saved after the last full computation, but only when the
store's *fingerprint* still matches: a hash of every import batch (id and status) and
the schema revision, read with the bare driver (sqlite3 or psycopg). All data reaches
the store through batches, so an unchanged fingerprint means unchanged figures. The full
computation then runs in the background and replaces the snapshot.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from rehabdash.paths import data_dir

__all__ = ["fingerprint", "load", "save"]

log = logging.getLogger(__name__)
_QUERY = (
    "SELECT 'b', id, status FROM import_batch UNION ALL "
    "SELECT 'v', 0, version_num FROM alembic_version ORDER BY 1, 2"
)


def _digest(rows: list[tuple[Any, ...]]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _sqlite_rows(path: str) -> list[tuple[Any, ...]] | None:
    if not Path(path).is_file():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.05)
    try:
        return conn.execute(_QUERY).fetchall()
    finally:
        conn.close()


def _postgres_rows(url: str) -> list[tuple[Any, ...]]:
    import psycopg

    conninfo = "postgresql://" + url.split("://", 1)[1]
    with psycopg.connect(conninfo, connect_timeout=3) as conn:
        return [tuple(r) for r in conn.execute(_QUERY).fetchall()]


def fingerprint(url: str) -> str | None:
    """The store's batch fingerprint, or None if it cannot be read (no store yet, say)."""
    try:
        if url.startswith(("sqlite:///", "sqlite+pysqlite:///")):
            rows = _sqlite_rows(url.split(":///", 1)[1])
        elif url.startswith(("postgresql://", "postgresql+psycopg://")):
            rows = _postgres_rows(url)
        else:
            return None
    except Exception:  # any failure just means "no snapshot"; the full load reports it
        log.debug("no fingerprint for the store", exc_info=True)
        return None
    return _digest(rows) if rows else None


def _file(url: str) -> Path:
    return data_dir() / "snapshots" / f"{hashlib.sha256(url.encode()).hexdigest()[:24]}.json"


def load(url: str, kind: str) -> dict[str, Any] | None:
    """The saved payload of ``kind`` for ``url`` if the store is unchanged since, else None."""
    path = _file(url)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = fingerprint(url)
    if current is None or saved.get("fingerprint") != current or kind not in saved:
        return None
    payload: dict[str, Any] = saved[kind]
    return payload


def save(url: str, kind: str, payload: dict[str, Any], taken_at: str | None) -> None:
    """Save ``payload`` computed when the store's fingerprint was ``taken_at``.

    Skipped if the store changed meanwhile (the fingerprint moved), so a snapshot never
    outlives the data it describes.
    """
    if taken_at is None or fingerprint(url) != taken_at:
        return
    path = _file(url)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"fingerprint": taken_at, kind: payload}, default=str), encoding="utf-8"
        )
        tmp.replace(path)
    except OSError:
        log.warning("could not save the start-up snapshot", exc_info=True)
