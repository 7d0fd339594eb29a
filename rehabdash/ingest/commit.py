"""Commit a prepared import to the store: one transaction, audited, never counted twice.

DESIGN 3 and 12: the batch row, its data rows, its row issues and the superseding
of any batch it replaces are written in one transaction, so an import commits
whole or leaves the store as it was (a killed process included). A file already
imported (same SHA-256, live batch) is refused; rows repeating a live batch's
referrals are refused as ``already_imported`` unless the caller names that batch
in ``replace``. A failed or cancelled import leaves a "rolled back" batch row,
written in its own short transaction after the rollback, with no data rows.
Clear identifiers (``PreparedImport.rejected_source``) are never written.

A file comes prepared whole (the wizard shows its report first) or as an opened
:class:`ActivitySource`, prepared part by part in a worker thread while the store
writes the part before: the batch row goes in first and is completed at the end.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from rehabdash.errors import StoreError
from rehabdash.ingest.activity_schema import EVENT_DATE_RULES
from rehabdash.ingest.errors import ImportCancelled
from rehabdash.ingest.overlaps import (
    HeldKeys,
    file_keys,
    overlap_in,
    revised_rows,
    store_table,
)
from rehabdash.ingest.pipeline import ActivitySource
from rehabdash.ingest.prefetch import prefetched, short_gil_turns
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.ingest.refusals import (
    DuplicateFileError,
    ReplacementLossError,
    check_replace,
    duplicate_of,
    loss_message,
    replacement_loss,
)
from rehabdash.ingest.replaced import with_replaced
from rehabdash.ingest.scrub import scrub, scrub_driver_message, unexpected_reason
from rehabdash.ingest.store_rows import batch_details, check_period, check_provider, distinct_values
from rehabdash.ingest.tally import ImportTally, accepted_rows
from rehabdash.ingest.validate import FAILURE_SCHEMA, count_rules, stored_failures
from rehabdash.store.batches import BatchInfo, complete_batch, record_batch, supersede_batch
from rehabdash.store.bulk import Cancelled, bulk_insert, driver_errors
from rehabdash.store.schema import row_issue

__all__ = [
    "DuplicateFileError",
    "ImportResult",
    "ReplacementLossError",
    "StrictModeError",
    "duplicate_of",
    "import_prepared",
    "record_rollback",
]

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
#: Called with each prepared part and the rows of it a live batch already holds
#: (failure rows), e.g. to collect the rows to fix.
Collect = Callable[[PreparedImport, pl.DataFrame], None]
Source = PreparedImport | ActivitySource
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
    #: Replaced batch -> its rows this file did not bring (taken out of live data).
    left_out: dict[int, int] = field(default_factory=dict)


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


def _info(
    source: Source, provider_code: str | None, period: str | None, started: datetime
) -> BatchInfo:
    """The batch row as known before the rows are written (completed by _finish)."""
    mapping = json.loads(source.mapping.to_json()) if source.mapping is not None else None
    return BatchInfo(
        kind=source.kind,
        source_name=source.source_name,
        sha256=source.file_sha256,
        sheet=source.sheet,
        mapping=mapping,
        rows_read=source.rows_read,
        period=period,
        provider_code=provider_code.strip().upper() if provider_code else None,
        started_at=started,
    )


def _write(
    conn: Connection,
    source: Source,
    parts: Iterable[PreparedImport],
    info: BatchInfo,
    options: _Options,
    steps: _Steps,
) -> ImportResult:
    area_types = (
        distinct_values(source.rows, "area_type")
        if source.kind == "areas" and isinstance(source, PreparedImport)
        else None
    )
    duplicate = duplicate_of(
        conn, source.file_sha256, source.source_name, options.replace, area_types
    )
    if duplicate is not None:
        raise duplicate
    check_replace(conn, source.kind, options.replace)
    batch_id = record_batch(conn, info)  # counts and period completed by _finish
    replaced = sorted({int(b) for b in options.replace})
    for old in replaced:
        supersede_batch(conn, old, batch_id)
    held = HeldKeys(source.kind, exclude=replaced)
    brought: list[pl.DataFrame] = []  # keys the file brings, to see what a replace drops
    tally = ImportTally()
    table = store_table(source.kind)
    total = max(source.rows_read, 1)
    for part in parts:
        done = tally.accepted + tally.rejected
        steps(0.05 + 0.85 * done / total, f"Checking rows {done + 1:,}-{done + part.rows_read:,}")
        revised = revised_rows(conn, part, replaced)
        if revised is not None:
            raise revised
        overlap = overlap_in(conn, part, held=held)
        if source.kind == "activity" and not replaced:
            overlap = with_replaced(conn, part, overlap)
        rows = accepted_rows(part, overlap)
        tally.add(part, overlap, rows.height)
        if replaced:
            brought.append(file_keys(part))
        info.rows_rejected = tally.rejected  # the audit row says so, even if this import fails
        if options.collect is not None:
            options.collect(part, overlap.failures)
        if options.strict and tally.rejected:
            continue  # nothing will be written; go on counting for the message
        low, high = 0.05 + 0.85 * done / total, 0.05 + 0.85 * (done + part.rows_read) / total
        steps(low, f"Writing rows {done + 1:,}-{done + part.rows_read:,}")
        bulk_insert(
            conn,
            table,
            rows.with_columns(pl.lit(batch_id, pl.Int32).alias("batch_id")),
            progress=steps.scaled(low, high),
            cancel=steps.cancel,
        )
    counts = count_rules(tally.all_failures())
    if options.strict and tally.rejected:
        raise StrictModeError(
            f"{source.source_name}: strict mode: {tally.rejected:,} of {source.rows_read:,} "
            f"rows were rejected ({_top_rules(counts)}), so nothing was imported"
        )
    if tally.accepted == 0:
        raise StoreError(
            f"{source.source_name}: nothing to import: all {source.rows_read:,} rows "
            f"were rejected ({_top_rules(counts)})"
        )
    left_out = _check_loss(conn, source, replaced, brought, options.allow_loss)
    issues = stored_failures(tally.all_failures().select(FAILURE_SCHEMA.keys()), EVENT_DATE_RULES)
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
    _finish(conn, batch_id, info, source, tally, options.period)
    steps(0.98, "Committing")
    notes = _notes(source, tally)
    notes += [f"superseded batch {b}" for b in replaced]
    notes += [
        f"batch {b}: {n:,} row(s) not in this file are no longer counted"
        for b, n in left_out.items()
        if n
    ]
    if tally.by_batch:
        held_text = ", ".join(f"batch {b} ({n:,} rows)" for b, n in sorted(tally.by_batch.items()))
        notes.append(f"rows already imported, not counted twice: {held_text}")
    return ImportResult(
        batch_id=batch_id,
        kind=source.kind,
        source_name=source.source_name,
        rows_read=source.rows_read,
        rows_accepted=tally.accepted,
        rows_rejected=tally.rejected,
        rule_counts=counts,
        superseded=tuple(replaced),
        notes=tuple(notes),
        left_out=left_out,
    )


def _check_loss(
    conn: Connection,
    source: Source,
    replaced: Sequence[int],
    brought: list[pl.DataFrame],
    allow: bool,
) -> dict[int, int]:
    """Rows of each replaced batch this file does not bring; refused unless ``allow``."""
    if not replaced:
        return {}
    keys = pl.concat(brought) if brought else pl.DataFrame()
    loss = replacement_loss(conn, source.kind, replaced, keys)
    message = loss_message(source.source_name, source.kind, loss)
    if message is not None and not allow:
        raise ReplacementLossError(
            f"{message}; nothing was imported. If that is intended, confirm it "
            "(on the command line: --yes)",
            {b: m for b, (m, _n) in loss.items()},
        )
    return {b: m for b, (m, _n) in loss.items()}


def _notes(source: Source, tally: ImportTally) -> list[str]:
    """The file's notes, then what its parts added (e.g. contacts rolled up)."""
    return [*source.notes, *(n for n in tally.notes if n not in source.notes)]


def _finish(
    conn: Connection,
    batch_id: int,
    info: BatchInfo,
    source: Source,
    tally: ImportTally,
    period: str | None,
) -> None:
    """Complete the batch row: counts, period, provider(s) and provenance."""
    info.rows_accepted = tally.accepted
    info.period = period or tally.period()
    providers = sorted(tally.providers)
    if info.provider_code is None and providers:
        joined = ",".join(providers)
        info.provider_code = joined if len(joined) <= 16 else None
    info.details = batch_details(source, providers, _notes(source, tally))
    complete_batch(conn, batch_id, info)


def _top_rules(counts: pl.DataFrame, n: int = 3) -> str:
    """The commonest rules rows broke, and how many other rules (a row may break several)."""
    rejected = counts.filter(pl.col("severity") == "rejected")
    text = ", ".join(f"{rule} {count:,}" for rule, _sev, count in rejected.head(n).iter_rows())
    more = rejected.height - n
    if more > 0:
        text += f"; {more} other rule{'s' if more > 1 else ''}: see the rejects"
    return text or "no rule"


def record_rollback(engine: Engine, info: BatchInfo, reason: str) -> None:
    """The audit row of a failed import, in its own short transaction after the rollback."""
    info.rows_accepted = 0
    info.details = {**info.details, "error": scrub(reason)[:2000]}
    try:
        with engine.begin() as conn:
            record_batch(conn, info, status="rolled back")
    except DBAPIError:  # the store itself is failing; the import's own error matters more
        log.exception("could not record the rolled-back batch for %s", info.source_name)


@dataclass(frozen=True)
class _Options:
    replace: Sequence[int] = ()
    strict: bool = False
    period: str | None = None
    collect: Collect | None = None
    allow_loss: bool = False


def _parts(source: Source) -> Iterator[PreparedImport]:
    """A prepared file is one part; an opened activity file is prepared part by part,
    one part ahead of the store in a worker thread."""
    if isinstance(source, PreparedImport):
        return iter([source])
    return prefetched(source.parts())


def import_prepared(
    engine: Engine,
    prepared: Source,
    *,
    provider_code: str | None = None,
    period: str | None = None,
    strict: bool = False,
    replace: Sequence[int] = (),
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    collect: Collect | None = None,
    allow_loss: bool = False,
) -> ImportResult:
    """Commit ``prepared`` as one batch (see the module docstring).

    ``prepared`` is a :class:`PreparedImport`, or an :class:`ActivitySource` whose
    rows are prepared part by part while earlier parts are written (same outcome,
    less time and memory). Every failure and refusal leaves a "rolled back" batch row.
    ``allow_loss``: the caller has said that replacing may
    take rows of the replaced batches that this file lacks out of live data
    (otherwise ReplacementLossError). Raises DuplicateFileError, StrictModeError,
    ReplacementLossError, StoreError (nothing to import, a batch that cannot be
    replaced, the database failing) or ImportCancelled; nothing else is written.
    """
    store_table(prepared.kind)
    period = check_period(period)
    provider_code = check_provider(provider_code)
    steps = _Steps(progress, cancel)
    info = _info(prepared, provider_code, period, datetime.now(UTC))
    options = _Options(
        replace=replace, strict=strict, period=period, collect=collect, allow_loss=allow_loss
    )
    parts = _parts(prepared)
    store_errors: tuple[type[Exception], ...] = (DBAPIError, *driver_errors())
    try:
        steps(0.0, "Starting the import")
        with short_gil_turns(), engine.connect() as conn, conn.begin():
            _lock(conn)
            result = _write(conn, prepared, parts, info, options, steps)
        steps.scaled(0.0, 1.0)(1.0, f"Imported {result.rows_accepted:,} rows")
        return result
    except (ImportCancelled, Cancelled) as exc:
        record_rollback(engine, info, f"cancelled: {exc}")
        raise ImportCancelled(
            f"{prepared.source_name}: import cancelled; nothing was imported"
        ) from None
    except StoreError as exc:
        record_rollback(engine, info, str(exc))
        raise
    except store_errors as exc:
        # The bulk path talks to the driver directly, so its errors come unwrapped.
        orig = (exc.orig or exc) if isinstance(exc, DBAPIError) else exc
        reason = scrub_driver_message(str(orig)) or type(orig).__name__
        log.error("the store refused %s: %s", prepared.source_name, type(orig).__name__)
        record_rollback(engine, info, reason)
        raise StoreError(
            f"{prepared.source_name}: the store refused the import ({reason}); nothing was imported"
        ) from exc
    except BaseException as exc:
        record_rollback(engine, info, unexpected_reason(exc))
        raise
    finally:
        close = getattr(parts, "close", None)
        if close is not None:
            close()  # stops the worker preparing parts, if the import ended early
