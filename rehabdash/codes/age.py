"""Age bands: the 19 five-year bands of the European Standard Population 2013 and of ONS
small-area estimates (0-4, 5-9, ..., 85-89, 90+), defined once for the whole app.

Ages are whole years at referral; 0-120 is the range the importer accepts.
"""

from __future__ import annotations

import polars as pl

__all__ = ["AGE_BANDS", "MAX_AGE", "age_band", "band_bounds", "band_fractions"]

MAX_AGE = 120
#: The 19 bands, youngest first (ESP 2013, ONS LSOA estimates, the store's age_band).
AGE_BANDS: tuple[str, ...] = (*(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+")


def age_band(age: pl.Expr) -> pl.Expr:
    """The band of a whole-year age (null outside 0-120)."""
    bands = {a: AGE_BANDS[min(a // 5, len(AGE_BANDS) - 1)] for a in range(MAX_AGE + 1)}
    return age.replace_strict(bands, default=None, return_dtype=pl.Utf8)


def band_bounds(band: str) -> tuple[int, int]:
    """First and last whole-year age of a band ("90+" runs to MAX_AGE)."""
    if band.endswith("+"):
        return int(band[:-1]), MAX_AGE
    low, high = band.split("-")
    return int(low), int(high)


def band_fractions(low: int, high: int) -> dict[str, float]:
    """The share of each band's people aged ``low``..``high``, assuming ages spread evenly
    within a band (90+ as ten years, 90-99): for a population restricted by age."""
    out = {}
    for band in AGE_BANDS:
        first, last = band_bounds(band)
        last = min(last, first + 9)  # 90+: ten years carry nearly all its people
        overlap = min(last, high) - max(first, low) + 1
        if overlap > 0:
            out[band] = min(1.0, overlap / (last - first + 1))
    return out
