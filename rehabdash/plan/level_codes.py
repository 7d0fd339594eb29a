"""Each row's level of a characteristic, as an Enum of the levels found (issue 10).

A module of its own: the scope (a narrower filter's people) and the breakdowns both
work out codes, and the breakdowns read the scope.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes.characteristics import Characteristic

__all__ = ["codes_of", "same_levels"]


def codes_of(frame: pl.DataFrame, char: Characteristic) -> pl.Series:
    """``char``'s level of each row, worked out once per distinct stored value (a handful)
    and joined back: the level expression is elementwise, so this is the same as running
    it on every row, and several times faster. An Enum of the levels found: a byte a row
    where a string takes sixteen (cheap to keep), and quicker to group by."""
    values = frame.select(char.column)
    coded = values.unique().with_columns(char.level(pl.col(char.column)).alias("level_code"))
    levels = pl.Enum(coded["level_code"].drop_nulls().unique().sort())
    coded = coded.with_columns(pl.col("level_code").cast(levels))
    joined = values.join(coded, on=char.column, how="left", nulls_equal=True, maintain_order="left")
    return joined["level_code"]


def same_levels(*parts: pl.Series) -> list[pl.Series]:
    """``parts`` (Enums of :func:`codes_of`) cast to one Enum of all their levels, sorted
    as codes_of sorts them, so they can be put together."""
    levels = pl.Enum(sorted({c for p in parts for c in p.dtype.categories}))  # type: ignore[attr-defined]
    return [p.cast(levels) for p in parts]
