"""The rows to fix, as a file the data officer chooses: original columns plus reasons.

Rows the pipeline rejected come from each prepared part's ``rejected_source``. Rows
refused because a live batch already holds them (known only once the store is
asked) are read again from the source file by their row numbers, so the file shows
them in the user's own columns too. Clear identifiers are in this file by design
(it is for fixing and re-importing); it is never written to the store.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rehabdash.ingest.fields import ACTIVITY_SYNONYMS, vocabulary
from rehabdash.ingest.prepared import PreparedImport, read_bytes
from rehabdash.ingest.readers import ROW, read_table

__all__ = ["RejectsCollector"]


class RejectsCollector:
    """Passed as ``collect`` to import_prepared: keeps each part's rows to fix."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.sheet: str | None = None
        self._rejected: list[pl.DataFrame] = []
        self._repeats: list[pl.DataFrame] = []

    def __call__(self, part: PreparedImport, repeats: pl.DataFrame) -> None:
        self.sheet = part.sheet
        self._rejected.append(part.rejected_source)
        self._repeats.append(repeats)

    def frame(self) -> pl.DataFrame:
        """Rejected and already-imported rows, in file order."""
        if not self._rejected:
            return pl.DataFrame()
        frame = pl.concat(self._rejected)
        repeats = pl.concat(self._repeats)
        if repeats.height:
            extra = self._repeated_rows(repeats, frame.columns)
            if extra.height:
                frame = pl.concat([frame, extra.cast(frame.schema)]).sort(
                    "source_row", maintain_order=True
                )
        return frame

    def write(self, path: str | Path) -> int:
        """Write the rows to fix to ``path`` (.xlsx, else CSV with a BOM); returns the count."""
        frame = self.frame()
        target = Path(path)
        if target.suffix.lower() in {".xlsx", ".xlsm"}:
            frame.write_excel(target, worksheet="Rejected rows", autofit=True)
        else:
            frame.write_csv(target, include_bom=True)
        return frame.height

    def _repeated_rows(self, repeats: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        reasons = (
            repeats.filter(pl.col("source_row").is_not_null())
            .group_by("source_row", maintain_order=True)
            .agg(pl.col("message").str.join("; ").alias("reasons"))
        )
        if reasons.height == 0:
            return pl.DataFrame()
        data, _sha = read_bytes(self.source)
        table = read_table(
            self.source, data, sheet=self.sheet, vocabulary=vocabulary(ACTIVITY_SYNONYMS)
        )
        return (
            table.frame.rename({ROW: "source_row"})
            .join(reasons, on="source_row", how="inner", maintain_order="left")
            .select(columns)
        )
