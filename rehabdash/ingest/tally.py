"""What the parts of one import add up to, and the rows of a part the store takes.

An import commits a file as one part (prepared whole) or many (streamed); the
batch row's counts, period and providers come from the sum over the parts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import polars as pl

from rehabdash.ingest.overlaps import Overlap
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.ingest.store_rows import providers_of, store_frame
from rehabdash.ingest.validate import empty_failures

__all__ = ["ImportTally", "accepted_rows"]


@dataclass
class ImportTally:
    """What the parts of one import add up to."""

    accepted: int = 0
    rejected: int = 0
    failures: list[pl.DataFrame] = field(default_factory=list)
    by_batch: Counter[int] = field(default_factory=Counter)
    providers: set[str] = field(default_factory=set)
    dates: list[pl.Series] = field(default_factory=list)  # min and max referral date
    notes: list[str] = field(default_factory=list)  # every part's notes, once each

    def add(self, part: PreparedImport, overlap: Overlap, accepted: int) -> None:
        self.accepted += accepted
        self.rejected += part.rows_rejected + overlap.positions.len()
        self.failures += [part.failures, overlap.failures.select(part.failures.columns)]
        self.by_batch.update(overlap.by_batch)
        self.providers.update(providers_of(part))
        self.notes += [n for n in part.notes if n not in self.notes]
        if part.kind == "activity" and part.rows.height:
            dates = part.rows["referral_date"]
            self.dates.append(pl.Series([dates.min(), dates.max()], dtype=pl.Date))

    def all_failures(self) -> pl.DataFrame:
        return pl.concat(self.failures) if self.failures else empty_failures()

    def period(self) -> str | None:
        """The months the accepted referral dates span: ``2024-05`` or ``2023-04/2025-03``."""
        dates = pl.concat(self.dates).drop_nulls() if self.dates else pl.Series([], dtype=pl.Date)
        if dates.len() == 0:
            return None
        low, high = str(dates.min())[:7], str(dates.max())[:7]
        return low if low == high else f"{low}/{high}"


def accepted_rows(part: PreparedImport, overlap: Overlap) -> pl.DataFrame:
    """The part's rows in store shape, less those a live batch already holds."""
    rows = store_frame(part)
    if overlap.positions.len():
        repeated = pl.DataFrame({"__position": overlap.positions})
        rows = (
            rows.with_row_index("__position")
            .join(repeated, on="__position", how="anti", maintain_order="left")
            .drop("__position")
        )
    return rows
