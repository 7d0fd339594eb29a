"""Import batches: the audit trail of every file that reached the store.

A batch row is written in the same transaction as its data, so a batch marked
committed always has all its rows. Analysis reads only live (committed) batches;
a superseded batch stays for audit.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from rehabdash.store.schema import import_batch

__all__ = [
    "BatchInfo",
    "complete_batch",
    "list_batches",
    "live_batch_ids",
    "record_batch",
    "supersede_batch",
]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


@dataclass
class BatchInfo:
    kind: str
    source_name: str
    sha256: str
    size_bytes: int | None = None
    sheet: str | None = None
    mapping: dict[str, Any] | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    period: str | None = None
    provider_code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def record_batch(conn: Connection, info: BatchInfo, status: str = "committed") -> int:
    """Insert the batch row inside the caller's transaction; returns its id."""
    values = {
        "kind": info.kind,
        "source_name": info.source_name,
        "sha256": info.sha256,
        "size_bytes": info.size_bytes,
        "sheet": info.sheet,
        "mapping": info.mapping,
        "rows_read": info.rows_read,
        "rows_accepted": info.rows_accepted,
        "rows_rejected": info.rows_rejected,
        "period": info.period,
        "provider_code": info.provider_code,
        "details": info.details,
        "started_at": info.started_at,
        "finished_at": datetime.now(UTC),
        "user_name": _user(),
        "status": status,
    }
    result = conn.execute(insert(import_batch).values(**values).returning(import_batch.c.id))
    return int(result.scalar_one())


def complete_batch(conn: Connection, batch_id: int, info: BatchInfo) -> None:
    """Set what is known only once the rows are written (same transaction as they are)."""
    conn.execute(
        update(import_batch)
        .where(import_batch.c.id == batch_id)
        .values(
            rows_accepted=info.rows_accepted,
            rows_rejected=info.rows_rejected,
            period=info.period,
            provider_code=info.provider_code,
            details=info.details,
            finished_at=datetime.now(UTC),
        )
    )


def supersede_batch(conn: Connection, old_id: int, new_id: int) -> None:
    """Mark ``old_id`` superseded by ``new_id`` (same transaction as the new data)."""
    conn.execute(
        update(import_batch)
        .where(import_batch.c.id == old_id)
        .values(status="superseded", superseded_by=new_id)
    )


def live_batch_ids(conn: Connection, kind: str) -> list[int]:
    rows = conn.execute(
        select(import_batch.c.id).where(
            import_batch.c.kind == kind, import_batch.c.status == "committed"
        )
    )
    return [int(r[0]) for r in rows]


def list_batches(engine: Engine) -> pl.DataFrame:
    """Every batch, newest first, for `rehabdash batches` and the provenance sheet."""
    cols = [
        import_batch.c.id,
        import_batch.c.kind,
        import_batch.c.status,
        import_batch.c.source_name,
        import_batch.c.rows_read,
        import_batch.c.rows_accepted,
        import_batch.c.rows_rejected,
        import_batch.c.period,
        import_batch.c.provider_code,
        import_batch.c.finished_at,
        import_batch.c.user_name,
        import_batch.c.sha256,
    ]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(import_batch.c.id.desc())).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=[c.name for c in cols], orient="row")
