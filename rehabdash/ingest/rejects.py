"""The rows to fix, as a file the data officer chooses: original columns plus reasons.

Rows the pipeline rejected come from ``PreparedImport.rejected_source``. Rows refused
because a live batch already holds them (known only once the store is asked) are
read again from the source file by their row numbers, so the file shows them in
the user's own columns too. Clear identifiers are in this file by design (it is
for fixing and re-importing); it is never written to the store.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rehabdash.ingest.fields import ACTIVITY_SYNONYMS, vocabulary
from rehabdash.ingest.prepared import PreparedImport, read_bytes
from rehabdash.ingest.readers import ROW, read_table

__all__ = ["rejects_frame", "write_rejects"]


def _repeated_rows(source: Path, prepared: PreparedImport, repeats: pl.DataFrame) -> pl.DataFrame:
    reasons = (
        repeats.filter(pl.col("source_row").is_not_null())
        .group_by("source_row", maintain_order=True)
        .agg(pl.col("message").str.join("; ").alias("reasons"))
    )
    if reasons.height == 0:
        return prepared.rejected_source.clear()
    data, _sha = read_bytes(source)
    table = read_table(source, data, sheet=prepared.sheet, vocabulary=vocabulary(ACTIVITY_SYNONYMS))
    return (
        table.frame.rename({ROW: "source_row"})
        .join(reasons, on="source_row", how="inner", maintain_order="left")
        .select(prepared.rejected_source.columns)
    )


def rejects_frame(
    prepared: PreparedImport, repeats: pl.DataFrame | None = None, source: Path | None = None
) -> pl.DataFrame:
    """Rejected rows in file order; ``repeats`` (failure rows, e.g. already_imported)
    are added from ``source`` when given."""
    frame = prepared.rejected_source
    if repeats is not None and repeats.height and source is not None:
        extra = _repeated_rows(source, prepared, repeats)
        if extra.height:
            frame = pl.concat([frame, extra.cast(frame.schema)]).sort(
                "source_row", maintain_order=True
            )
    return frame


def write_rejects(
    path: str | Path,
    prepared: PreparedImport,
    repeats: pl.DataFrame | None = None,
    source: Path | None = None,
) -> int:
    """Write the rows to fix to ``path`` (.xlsx, else CSV with a BOM); returns the count."""
    frame = rejects_frame(prepared, repeats, source)
    target = Path(path)
    if target.suffix.lower() in {".xlsx", ".xlsm"}:
        frame.write_excel(target, worksheet="Rejected rows", autofit=True)
    else:
        frame.write_csv(target, include_bom=True)
    return frame.height
