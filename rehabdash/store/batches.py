"""Import batches: the audit trail of every file that reached the store.

A batch row is written in the same transaction as its data, so a batch marked
committed always has all its rows. Analysis reads only live (committed) batches;
a superseded or withdrawn batch stays for audit (rehabdash.store.withdrawal).
"""

from __future__ import annotations

import getpass
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Select, insert, select, update
from sqlalchemy.engine import Connection, Engine

from rehabdash.store.schema import LIVE, WITHDRAWN, import_batch

__all__ = [
    "BatchInfo",
    "BatchRecord",
    "batch_records",
    "complete_batch",
    "list_batches",
    "live_batch_ids",
    "live_batches",
    "record_batch",
    "status_words",
    "supersede_batch",
    "withdrawals",
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


def record_batch(conn: Connection, info: BatchInfo, status: str = LIVE) -> int:
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


def live_batches(*kinds: str, exclude: Collection[int] = ()) -> Select[tuple[int]]:
    """The ids of live batches (of ``kinds``, all kinds when none, less ``exclude``):
    the one query every count, lookup and duplicate check filters by."""
    query = select(import_batch.c.id).where(import_batch.c.status == LIVE)
    if kinds:
        query = query.where(import_batch.c.kind.in_(kinds))
    if exclude:
        query = query.where(import_batch.c.id.not_in(list(exclude)))
    return query


def live_batch_ids(conn: Connection, kind: str) -> list[int]:
    return [int(row.id) for row in conn.execute(live_batches(kind))]


def withdrawals(details: Any) -> list[dict[str, Any]]:
    """The withdrawals recorded in a batch's ``details`` (oldest first; the last is the
    current one while the batch is withdrawn). Each has withdrawn_at (ISO, UTC),
    withdrawn_by and reason, and once reinstated reinstated_at and reinstated_by."""
    found = details.get("withdrawals") if isinstance(details, dict) else None
    return [w for w in found if isinstance(w, dict)] if isinstance(found, list) else []


def _day(stamp: Any) -> str:
    """An ISO time stamp (UTC) as the local day, dd/mm/yyyy."""
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return "?"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"{when.astimezone():%d/%m/%Y}"


def status_words(status: str, superseded_by: int | None = None, details: Any = None) -> str:
    """A batch's status in words, for the import history: "withdrawn 01/12/2026 by ann:
    duplicate of batch 3", "superseded by batch 9", "committed (reinstated …)"."""
    past = withdrawals(details)
    last = past[-1] if past else None
    if status == WITHDRAWN and last is not None:
        return (
            f"withdrawn {_day(last.get('withdrawn_at'))} by {last.get('withdrawn_by') or '?'}: "
            f"{last.get('reason') or 'no reason recorded'}"
        )
    if status == "superseded" and superseded_by is not None:
        return f"superseded by batch {superseded_by}"
    if status == LIVE and last is not None and last.get("reinstated_at"):
        return (
            f"{LIVE} (reinstated {_day(last['reinstated_at'])} by "
            f"{last.get('reinstated_by') or '?'})"
        )
    return status


def list_batches(engine: Engine) -> pl.DataFrame:
    """Every batch, newest first, for `rehabdash batches` and the import history;
    ``status_text`` is the status in words (:func:`status_words`)."""
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
    extra = [import_batch.c.superseded_by, import_batch.c.details]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols, *extra).order_by(import_batch.c.id.desc())).all()
    frame = pl.DataFrame(
        [tuple(r)[: len(cols)] for r in rows], schema=[c.name for c in cols], orient="row"
    )
    words = [status_words(r.status, r.superseded_by, r.details) for r in rows]
    return frame.with_columns(pl.Series("status_text", words, dtype=pl.String))


@dataclass(frozen=True)
class BatchRecord:
    """One batch as a report's provenance names it (no user names: the file leaves the ICB)."""

    id: int
    kind: str
    source_name: str
    sha256: str
    size_bytes: int | None
    sheet: str | None
    mapping: str  # "name v2"; "mapped at import, not saved"; "" when no mapping was used
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    period: str | None
    status: str
    finished_at: datetime | None


def batch_records(engine: Engine, ids: Collection[int]) -> list[BatchRecord]:
    """The batches ``ids``, oldest first, for a workbook's cover and provenance sheet."""
    c = import_batch.c
    query = (
        select(
            c.id,
            c.kind,
            c.source_name,
            c.sha256,
            c.size_bytes,
            c.sheet,
            c.mapping,
            c.rows_read,
            c.rows_accepted,
            c.rows_rejected,
            c.period,
            c.status,
            c.superseded_by,
            c.details,
            c.finished_at,
        )
        .where(c.id.in_(list(ids)))
        .order_by(c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        mapping = r.mapping if isinstance(r.mapping, dict) else {}
        name = mapping.get("name")
        out.append(
            BatchRecord(
                r.id,
                r.kind,
                r.source_name,
                r.sha256,
                r.size_bytes,
                r.sheet,
                f"{name} v{mapping.get('version', 1)}"
                if name
                else ("mapped at import, not saved" if mapping else ""),
                r.rows_read or 0,
                r.rows_accepted or 0,
                r.rows_rejected or 0,
                r.period,
                status_words(r.status, r.superseded_by, r.details),
                r.finished_at,
            )
        )
    return out
