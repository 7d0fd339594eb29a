"""Groups as rows of a padded numpy grid, for per-group maths without loops.

Why this module exists: the SII and the HEAT measures work on every subgroup
of every group at once. Sorting the rows by group (and order within a group)
and placing them in a (groups × subgroups) array, padded where a group has
fewer subgroups, lets numpy do all groups in one pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from rehabdash.stats._common import as_float_array

__all__ = ["Grid"]

Array = np.ndarray[Any, np.dtype[np.float64]]


class Grid:
    """Rows of a frame already sorted by ``keys``, laid out per group."""

    def __init__(self, sorted_df: pl.DataFrame, keys: list[str]) -> None:
        self.df = sorted_df
        self.keys = keys
        if keys:
            self.gid = sorted_df.select(pl.struct(keys).rle_id()).to_series().to_numpy()
            self.pos = sorted_df.select(pl.int_range(pl.len()).over(keys)).to_series().to_numpy()
        else:
            self.gid = np.zeros(sorted_df.height, dtype=np.int64)
            self.pos = np.arange(sorted_df.height)
        self.n_groups = int(self.gid.max()) + 1 if sorted_df.height else 0
        self.width = int(self.pos.max()) + 1 if sorted_df.height else 0
        self.sizes = np.bincount(self.gid, minlength=self.n_groups)
        self.pad = np.arange(self.width)[None, :] >= self.sizes[:, None]

    def values(self, column: str, fill: float = np.nan) -> Array:
        """(groups × width) float array of ``column``; padding holds ``fill``."""
        out = np.full((self.n_groups, self.width), fill)
        out[self.gid, self.pos] = as_float_array(self.df, column)
        return out

    def mask(self, expr: pl.Expr) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """(groups × width) boolean array of ``expr``; padding is False."""
        out = np.zeros((self.n_groups, self.width), dtype=bool)
        out[self.gid, self.pos] = self.df.select(expr.fill_null(False)).to_series().to_numpy()
        return out

    def heads(self) -> pl.DataFrame:
        """One row per group holding the key columns (empty frame if no keys)."""
        if not self.keys:
            return pl.DataFrame({"__one": [0]}).drop("__one")
        return self.df.select(self.keys).unique(maintain_order=True)
