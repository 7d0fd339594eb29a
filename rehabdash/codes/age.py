"""Age bands: the 19 five-year bands of the European Standard Population 2013 and of ONS
small-area estimates (0-4, 5-9, ..., 85-89, 90+), defined once for the whole app.

Ages are whole years at referral; 0-120 is the range the importer accepts.
"""

from __future__ import annotations

import polars as pl

__all__ = ["AGE_BANDS", "MAX_AGE", "age_band"]

MAX_AGE = 120
#: The 19 bands, youngest first (ESP 2013, ONS LSOA estimates, the store's age_band).
AGE_BANDS: tuple[str, ...] = (*(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+")


def age_band(age: pl.Expr) -> pl.Expr:
    """The band of a whole-year age (null outside 0-120)."""
    bands = {a: AGE_BANDS[min(a // 5, len(AGE_BANDS) - 1)] for a in range(MAX_AGE + 1)}
    return age.replace_strict(bands, default=None, return_dtype=pl.Utf8)
