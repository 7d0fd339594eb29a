"""Referrals a replacement took out of live data do not come back unasked (issue 9).

When file B replaces batch A without some of A's referrals, those referrals leave live
data on purpose. A later file that carries them again (A re-exported, say, with other
line endings, so its SHA-256 differs) must not quietly put them back: each such row is
refused as ``replaced_before``, naming the batch that replaced them. Replacing that
batch (``--replace``) is how to bring them back; then this check does not apply.

The store finds them by joining the file's keys (in a temporary table) to the referral
index: referrals held only by superseded batches, in no live batch.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import and_, exists, func, select
from sqlalchemy.engine import Connection

from rehabdash.ingest.overlaps import Overlap, file_keys, referral_keys_table
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.ingest.validate import FAILURE_SCHEMA, REJECTED
from rehabdash.store.batches import live_batches
from rehabdash.store.schema import import_batch, referral

__all__ = ["REPLACED_BEFORE", "with_replaced"]

REPLACED_BEFORE = "replaced_before"


def _replaced(conn: Connection, keys: pl.DataFrame) -> pl.DataFrame:
    """provider_code, referral_id, batch_id, superseded_by for keys held only by
    superseded batches."""
    temp = referral_keys_table(conn, "rehabdash_replaced_keys", keys)
    same = and_(
        referral.c.provider_code == temp.c.provider_code,
        referral.c.referral_id == temp.c.referral_id,
    )
    live = referral.alias("held")
    still_live = exists(
        select(live.c.id).where(
            live.c.provider_code == temp.c.provider_code,
            live.c.referral_id == temp.c.referral_id,
            live.c.batch_id.in_(live_batches("activity").scalar_subquery()),
        )
    )
    query = (
        select(
            temp.c.provider_code,
            temp.c.referral_id,
            func.max(import_batch.c.id).label("batch_id"),
            func.max(import_batch.c.superseded_by).label("superseded_by"),
        )
        .join(referral, same)
        .join(import_batch, import_batch.c.id == referral.c.batch_id)
        .where(import_batch.c.status == "superseded", ~still_live)
        .group_by(temp.c.provider_code, temp.c.referral_id)
    )
    rows = conn.execute(query).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={
            "provider_code": pl.Utf8,
            "referral_id": pl.Utf8,
            "batch_id": pl.Int64,
            "superseded_by": pl.Int64,
        },
        orient="row",
    )


def with_replaced(conn: Connection, part: PreparedImport, overlap: Overlap) -> Overlap:
    """``overlap`` plus the part's rows whose referral a replacement took out of live data."""
    any_superseded = conn.execute(
        select(import_batch.c.id)
        .where(import_batch.c.status == "superseded", import_batch.c.kind == "activity")
        .limit(1)
    ).first()
    if any_superseded is None:  # the usual case: nothing was ever replaced
        return overlap
    keys = file_keys(part).with_row_index("position")
    found = _replaced(conn, keys)
    if found.height == 0:
        return overlap
    hits = keys.join(found, on=["provider_code", "referral_id"], how="inner").filter(
        ~pl.col("position").is_in(overlap.positions.to_list())
    )
    if hits.height == 0:
        return overlap
    rows = part.row_numbers.gather(hits["position"]) if part.row_numbers is not None else None
    column = (part.mapping.fields if part.mapping is not None else {}).get("referral_id")
    failures = pl.DataFrame(
        {
            "source_row": rows.cast(pl.Int64) if rows is not None else [None] * hits.height,
            "column": [column] * hits.height,
            "rule": [REPLACED_BEFORE] * hits.height,
            "severity": [REJECTED] * hits.height,
            "value": hits["referral_id"],
            "message": hits.select(
                pl.format(
                    "referral was taken out of live data when batch {} was replaced by batch "
                    "{}; not imported again (replace batch {} to bring it back)",
                    "batch_id",
                    "superseded_by",
                    "superseded_by",
                )
            ).to_series(),
        },
        schema=FAILURE_SCHEMA,
    )
    return Overlap(
        positions=pl.concat([overlap.positions, hits["position"].cast(pl.UInt32)]).sort(),
        failures=pl.concat([overlap.failures, failures]),
        by_batch=overlap.by_batch,
    )
