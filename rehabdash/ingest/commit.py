"""Commit a prepared import to the store: one transaction, audited, never counted twice.

DESIGN 3 and 12: the batch row, its data rows, its row issues and the superseding
of any batch it replaces are written in one transaction, so an import commits
whole or leaves the store as it was (a killed process included). A file already
imported (same SHA-256, live batch) is refused; rows repeating a live batch's
referrals are refused as ``already_imported`` unless the caller names that batch
in ``replace``. A failed or cancelled import leaves a "rolled back" batch row,
written in its own short transaction after the rollback, with no data rows.
Clear identifiers (``PreparedImport.rejected_source``) are never written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from rehabdash.errors import StoreError
from rehabdash.ingest.errors import ImportCancelled
from rehabdash.ingest.overlaps import KINDS, Overlap, overlap_in, store_table
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.ingest.store_rows import (
    batch_details,
    check_period,
    default_period,
    providers_of,
    store_frame,
)
from rehabdash.ingest.validate import FAILURE_SCHEMA, count_rules
from rehabdash.store.batches import BatchInfo, record_batch, supersede_batch
from rehabdash.store.bulk import Cancelled, bulk_insert
from rehabdash.store.schema import import_batch, row_issue

__all__ = [
    "DuplicateFileError",
    "ImportResult",
    "StrictModeError",
    "duplicate_of",
    "import_prepared",
    "record_rollback",
]

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
_PG_IMPORT_LOCK = 0x5245484142  # "REHAB": one import commits at a time per database


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    kind: str  # "activity" | "population" | "imd" | "need"
    source_name: str
    rows_read: int
    rows_accepted: int  # rows written to the store
    rows_rejected: int  # incl. rows rejected as already imported
    rule_counts: pl.DataFrame  # rule, severity, count (incl. "already_imported")
    superseded: tuple[int, ...]
    notes: tuple[str, ...]


class DuplicateFileError(StoreError):
    """The same file (SHA-256) is already held in a live batch; nothing was written."""

    def __init__(self, message: str, batch_id: int) -> None:
        super().__init__(message)
        self.batch_id = batch_id


class StrictModeError(StoreError):
    """Strict mode and some rows were rejected: nothing was imported."""


class _Steps:
    def __init__(self, progress: Progress | None, cancel: Callable[[], bool] | None) -> None:
        self.progress, self.cancel = progress, cancel

    def __call__(self, fraction: float, message: str) -> None:
        if self.cancel is not None and self.cancel():
            raise ImportCancelled(f"cancelled while {message.lower()}")
        if self.progress is not None:
            self.progress(fraction, message)

    def scaled(self, low: float, high: float) -> Progress:
        def report(fraction: float, message: str) -> None:
            if self.progress is not None:
                self.progress(low + (high - low) * fraction, message)

        return report


def _lock(conn: Connection) -> None:
    """Serialise imports: the duplicate and overlap checks then see every commit."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_IMPORT_LOCK})
    else:  # SQLite: take the write lock now rather than at the first insert
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def duplicate_of(conn: Connection, sha256: str, source_name: str) -> DuplicateFileError | None:
    """The error to raise if a live batch already holds the file with this SHA-256."""
    row = conn.execute(
        select(import_batch.c.id, import_batch.c.source_name, import_batch.c.finished_at)
        .where(import_batch.c.sha256 == sha256, import_batch.c.status == "committed")
        .order_by(import_batch.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    when = f" on {row.finished_at:%d/%m/%Y at %H:%M}" if row.finished_at else ""
    return DuplicateFileError(
        f"{source_name}: this file was already imported as batch {row.id} "
        f"({row.source_name}{when}); nothing was imported",
        int(row.id),
    )


def _check_replace(conn: Connection, kind: str, replace: Sequence[int]) -> None:
    wanted = sorted({int(b) for b in replace})
    if not wanted:
        return
    rows = conn.execute(
        select(import_batch.c.id, import_batch.c.kind, import_batch.c.status).where(
            import_batch.c.id.in_(wanted)
        )
    ).all()
    found = {int(r.id): r for r in rows}
    for bid in wanted:
        row = found.get(bid)
        if row is None:
            raise StoreError(f"cannot replace batch {bid}: there is no such batch")
        if row.status != "committed":
            raise StoreError(f"cannot replace batch {bid}: it is {row.status}, not live")
        if row.kind not in KINDS[kind].batch_kinds:
            raise StoreError(f"cannot replace batch {bid}: it holds {row.kind}, not {kind}")


def _info(
    prepared: PreparedImport, provider_code: str | None, period: str | None, started: datetime
) -> BatchInfo:
    providers = providers_of(prepared)
    provider = provider_code.strip().upper() if provider_code else None
    if provider is None and providers:
        joined = ",".join(providers)
        provider = joined if len(joined) <= 16 else None
    mapping = json.loads(prepared.mapping.to_json()) if prepared.mapping is not None else None
    return BatchInfo(
        kind=prepared.kind,
        source_name=prepared.source_name,
        sha256=prepared.file_sha256,
        sheet=prepared.sheet,
        mapping=mapping,
        rows_read=prepared.rows_read,
        period=period or default_period(prepared),
        provider_code=provider,
        details=batch_details(prepared),
        started_at=started,
    )


def _rule_counts(prepared: PreparedImport, overlap: Overlap) -> pl.DataFrame:
    if overlap.failures.height == 0:
        return prepared.rule_counts
    return count_rules(pl.concat([prepared.failures, overlap.failures]))


def _write(
    conn: Connection,
    prepared: PreparedImport,
    info: BatchInfo,
    replace: Sequence[int],
    strict: bool,
    steps: _Steps,
) -> ImportResult:
    duplicate = duplicate_of(conn, prepared.file_sha256, prepared.source_name)
    if duplicate is not None:
        raise duplicate
    _check_replace(conn, prepared.kind, replace)
    steps(0.05, "Checking for rows already imported")
    overlap = overlap_in(conn, prepared, exclude=replace)
    rows = store_frame(prepared)
    if overlap.positions.len():
        repeated = pl.DataFrame({"__position": overlap.positions})
        rows = (
            rows.with_row_index("__position")
            .join(repeated, on="__position", how="anti", maintain_order="left")
            .drop("__position")
        )
    rejected = prepared.rows_rejected + overlap.positions.len()
    counts = _rule_counts(prepared, overlap)
    info.rows_rejected = rejected  # the audit row says so, even if this import fails
    if strict and rejected:
        raise StrictModeError(
            f"{prepared.source_name}: strict mode: {rejected:,} of {prepared.rows_read:,} "
            f"rows were rejected ({_top_rules(counts)}), so nothing was imported"
        )
    if rows.height == 0:
        raise StoreError(
            f"{prepared.source_name}: nothing to import: all {prepared.rows_read:,} rows "
            f"were rejected ({_top_rules(counts)})"
        )
    info.rows_accepted = rows.height
    batch_id = record_batch(conn, info)
    for old in sorted({int(b) for b in replace}):
        supersede_batch(conn, old, batch_id)
    steps(0.1, f"Writing {rows.height:,} rows")
    bulk_insert(
        conn,
        store_table(prepared.kind),
        rows.with_columns(pl.lit(batch_id, pl.Int32).alias("batch_id")),
        progress=steps.scaled(0.1, 0.9),
        cancel=steps.cancel,
    )
    issues = pl.concat([prepared.failures, overlap.failures]).select(FAILURE_SCHEMA.keys())
    steps(0.9, f"Writing {issues.height:,} row issues")
    if issues.height:
        bulk_insert(
            conn,
            row_issue,
            issues.rename({"column": "column_name"}).with_columns(
                pl.lit(batch_id, pl.Int32).alias("batch_id")
            ),
            cancel=steps.cancel,
        )
    steps(0.98, "Committing")
    notes = [*prepared.notes]
    notes += [f"superseded batch {b}" for b in sorted({int(b) for b in replace})]
    if overlap.by_batch:
        held = ", ".join(f"batch {b} ({n:,} rows)" for b, n in overlap.by_batch.items())
        notes.append(f"rows already imported, not counted twice: {held}")
    return ImportResult(
        batch_id=batch_id,
        kind=prepared.kind,
        source_name=prepared.source_name,
        rows_read=prepared.rows_read,
        rows_accepted=rows.height,
        rows_rejected=rejected,
        rule_counts=counts,
        superseded=tuple(sorted({int(b) for b in replace})),
        notes=tuple(notes),
    )


def _top_rules(counts: pl.DataFrame, n: int = 3) -> str:
    top = counts.filter(pl.col("severity") == "rejected").head(n)
    return ", ".join(f"{rule} {count:,}" for rule, _sev, count in top.iter_rows()) or "no rule"


def record_rollback(engine: Engine, info: BatchInfo, reason: str) -> None:
    """The audit row of a failed import, in its own short transaction after the rollback."""
    info.rows_accepted = 0
    info.details = {**info.details, "error": reason[:2000]}
    try:
        with engine.begin() as conn:
            record_batch(conn, info, status="rolled back")
    except DBAPIError:  # the store itself is failing; the import's own error matters more
        log.exception("could not record the rolled-back batch for %s", info.source_name)


def import_prepared(
    engine: Engine,
    prepared: PreparedImport,
    *,
    provider_code: str | None = None,
    period: str | None = None,
    strict: bool = False,
    replace: Sequence[int] = (),
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ImportResult:
    """Commit ``prepared`` as one batch (see the module docstring).

    Raises DuplicateFileError (store unchanged), StrictModeError, StoreError (nothing
    to import, a batch that cannot be replaced, the database failing) or
    ImportCancelled; each of the last three leaves only a "rolled back" batch row.
    """
    store_table(prepared.kind)
    period = check_period(period)
    steps = _Steps(progress, cancel)
    info = _info(prepared, provider_code, period, datetime.now(UTC))
    try:
        steps(0.0, "Starting the import")
        with engine.connect() as conn, conn.begin():
            _lock(conn)
            result = _write(conn, prepared, info, replace, strict, steps)
        steps.scaled(0.0, 1.0)(1.0, f"Imported {result.rows_accepted:,} rows")
        return result
    except DuplicateFileError:
        raise
    except (ImportCancelled, Cancelled) as exc:
        record_rollback(engine, info, f"cancelled: {exc}")
        raise ImportCancelled(
            f"{prepared.source_name}: import cancelled; nothing was imported"
        ) from None
    except StoreError as exc:
        record_rollback(engine, info, str(exc))
        raise
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        record_rollback(engine, info, reason)
        raise StoreError(
            f"{prepared.source_name}: the store refused the import ({reason}); nothing was imported"
        ) from exc
    except BaseException as exc:
        record_rollback(engine, info, f"{type(exc).__name__}: {exc}")
        raise
