"""What stops an import before it changes live data (DESIGN 3: never counted twice or lost).

* The same file (SHA-256) as a live batch is refused, naming that batch, unless the
  import replaces that very batch (a file re-imported with a corrected mapping).
* A file whose batch was superseded is refused too, naming the batch that replaced
  it: importing it again would bring back referrals the newer file replaced. It may
  come back only by replacing that newer batch.
* A replacement that leaves out some of the old batch's rows would take them out of
  live data: that is said, with the count, and refused unless the caller allows it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from rehabdash.errors import StoreError
from rehabdash.ingest.overlaps import KINDS, file_keys
from rehabdash.ingest.pipeline import ActivitySource
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.store.schema import LIVE, import_batch

__all__ = [
    "DuplicateFileError",
    "ReplacementLossError",
    "check_replace",
    "duplicate_of",
    "expected_loss",
    "loss_message",
    "replacement_loss",
]


class DuplicateFileError(StoreError):
    """The same file (SHA-256) is held by a live batch, or was replaced; nothing was written."""

    def __init__(self, message: str, batch_id: int) -> None:
        super().__init__(message)
        self.batch_id = batch_id


class ReplacementLossError(StoreError):
    """Replacing would take rows of the replaced batch out of live data; nothing was written."""

    def __init__(self, message: str, lost: dict[int, int]) -> None:
        super().__init__(message)
        self.lost = lost


def _when(row: Any) -> str:
    return f" on {row.finished_at:%d/%m/%Y at %H:%M}" if row.finished_at else ""


def _live_successor(conn: Connection, batch_id: int) -> Any:
    """The live batch at the end of ``batch_id``'s chain of replacements (None if none)."""
    seen: set[int] = set()
    current = batch_id
    while current not in seen:
        seen.add(current)
        row = conn.execute(
            select(
                import_batch.c.id,
                import_batch.c.source_name,
                import_batch.c.status,
                import_batch.c.superseded_by,
                import_batch.c.finished_at,
            ).where(import_batch.c.id == current)
        ).first()
        if row is None:
            return None
        if row.status == LIVE:
            return row
        if row.superseded_by is None:
            return None
        current = int(row.superseded_by)
    return None


def duplicate_of(
    conn: Connection,
    sha256: str,
    source_name: str,
    replace: Collection[int] = (),
    area_types: Sequence[str] | None = None,
) -> DuplicateFileError | None:
    """The error to raise if this file (SHA-256) is held live or was replaced, else None.

    ``replace``: the batches this import replaces; a file may replace its own batch,
    and a superseded file may come back by replacing the batch that replaced it.
    ``area_types``: an areas file's; one file with a neighbourhood and a locality column
    is imported once for each, so only a batch of the same types is the same import.
    """
    wanted = {int(b) for b in replace}
    rows = conn.execute(
        select(
            import_batch.c.id,
            import_batch.c.source_name,
            import_batch.c.finished_at,
            import_batch.c.status,
            import_batch.c.details,
        )
        .where(
            import_batch.c.sha256 == sha256,
            import_batch.c.status.in_((LIVE, "superseded")),
        )
        .order_by(import_batch.c.id)
    ).all()
    if area_types is not None:
        rows = [r for r in rows if (r.details or {}).get("area_type") == list(area_types)]
    for row in rows:
        if row.status == LIVE and int(row.id) not in wanted:
            return DuplicateFileError(
                f"{source_name}: this file was already imported as batch {row.id} "
                f"({row.source_name}{_when(row)}); nothing was imported",
                int(row.id),
            )
    for row in rows:
        if row.status != "superseded":
            continue
        live = _live_successor(conn, int(row.id))
        if live is None or int(live.id) in wanted:
            continue
        return DuplicateFileError(
            f"{source_name}: this file was imported as batch {row.id}{_when(row)} and then "
            f"replaced by batch {live.id} ({live.source_name}); importing it again would bring "
            f"back what that file replaced, so nothing was imported. To put this file back "
            f"in place of batch {live.id}, import it with --replace {live.id}",
            int(live.id),
        )
    return None


def check_replace(conn: Connection, kind: str, replace: Sequence[int]) -> None:
    """Refuse to replace a batch that does not exist, is not live, or holds another kind."""
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
        if row.status != LIVE:
            raise StoreError(f"cannot replace batch {bid}: it is {row.status}, not live")
        if row.kind not in KINDS[kind].batch_kinds:
            raise StoreError(f"cannot replace batch {bid}: it holds {row.kind}, not {kind}")


def replacement_loss(
    conn: Connection, kind: str, replace: Collection[int], keys: pl.DataFrame
) -> dict[int, tuple[int, int]]:
    """For each batch to replace: (its rows whose key ``keys`` lacks, its rows).

    ``keys`` has the store's key columns for ``kind`` (e.g. provider_code and
    referral_id): the rows the new file brings.
    """
    spec = KINDS[kind]
    names = list(spec.keys)
    brought = keys.select(pl.col(k).cast(pl.Utf8) for k in names).unique()
    out: dict[int, tuple[int, int]] = {}
    for bid in sorted({int(b) for b in replace}):
        query = select(*(spec.table.c[k] for k in names)).where(spec.table.c.batch_id == bid)
        held = pl.DataFrame(
            [tuple(r) for r in conn.execute(query)], schema=names, orient="row"
        ).select(pl.col(k).cast(pl.Utf8) for k in names)
        missing = held.join(brought, on=names, how="anti", nulls_equal=True).height
        out[bid] = (missing, held.height)
    return out


def expected_loss(
    engine: Engine, source: PreparedImport | ActivitySource, replace: Collection[int]
) -> dict[int, tuple[int, int]]:
    """:func:`replacement_loss` for a file about to be imported, asked before the
    long write: every row with a key counts (the import checks again, counting only
    the rows it accepts)."""
    if not replace:
        return {}
    if isinstance(source, ActivitySource):
        keys = source.keys()
        if keys is None:
            keys = pl.DataFrame(schema={"provider_code": pl.Utf8, "referral_id": pl.Utf8})
    else:
        keys = file_keys(source)
    with engine.connect() as conn:
        return replacement_loss(conn, source.kind, replace, keys)


def loss_message(source_name: str, kind: str, loss: dict[int, tuple[int, int]]) -> str | None:
    """One line saying what replacing would take out of live data (None when nothing)."""
    what = "referrals" if kind == "activity" else "rows"
    parts = [
        f"{missing:,} of the {total:,} {what} of batch {bid}"
        for bid, (missing, total) in sorted(loss.items())
        if missing
    ]
    if not parts:
        return None
    return (
        f"{source_name} lacks " + "; ".join(parts) + ": replacing would take them out of "
        "live data (the old batch is kept for audit only)"
    )
