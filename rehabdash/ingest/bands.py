"""Age bands and sex codes for population and need tables.

Denominators must use the numerator's bands (DESIGN 4.2): the 19 ESP 2013 bands
"0-4" ... "85-89", "90+". Single years are summed into bands; a wider or
differently cut band ("85+", "16-64") cannot be split and is refused by name.
Labels come as "0-4", "00_04", "age_00_04", "Aged 0 to 4", "90+", "age_90_plus",
"95+" (GP-registered counts), or single years "0" ... "90".
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

__all__ = ["ESP_BANDS", "SEX_LABELS", "band_of_age", "band_of_label", "map_uniques", "sex_code"]

ESP_BANDS: tuple[str, ...] = (*(f"{lo}-{lo + 4}" for lo in range(0, 90, 5)), "90+")

_PREFIX = re.compile(r"^(aged|ages|age)[\s_:]*")
_TOTAL = re.compile(r"^(all|all ages|all_ages|total|totals|all persons|persons all ages)$")
_OPEN = re.compile(r"^(\d{1,3})\s*_?\s*(\+|plus|and over|and older|or over|years and over)$")
_RANGE = re.compile(r"^(\d{1,3})\s*(?:-|–|to|_)\s*(\d{1,3})(?:\s*years)?$")
_SINGLE = re.compile(r"^(\d{1,3})(?:\s*years?)?$")

#: kind of an age label: "band" (exact ESP band), "year" (single year), "total",
#: "unsplittable" (an open or wider band that does not fit), None (not an age).
BandResult = tuple[str | None, str | None]


def band_of_age(age: int) -> str:
    """ESP band of a whole-year age (>= 0)."""
    return ESP_BANDS[min(age // 5, 18)]


def band_of_label(label: str | None) -> BandResult:
    """(band, kind) for one age label; see the module docstring for accepted forms."""
    if label is None:
        return None, None
    text = _PREFIX.sub("", label.strip().lower()).strip()
    if _TOTAL.match(text):
        return None, "total"
    if m := _OPEN.match(text):
        lo = int(m.group(1))
        return ("90+", "band") if lo >= 90 else (None, "unsplittable")
    if m := _RANGE.match(text):
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo >= 90 and hi >= lo:
            return "90+", "band"
        if lo % 5 == 0 and hi == lo + 4:
            return band_of_age(lo), "band"
        return None, "unsplittable"
    if m := _SINGLE.match(text):
        age = int(m.group(1))
        return (band_of_age(age), "year") if age <= 120 else (None, None)
    return None, None


SEX_LABELS: dict[str, str] = {
    "1": "1",
    "m": "1",
    "male": "1",
    "males": "1",
    "man": "1",
    "men": "1",
    "2": "2",
    "f": "2",
    "female": "2",
    "females": "2",
    "woman": "2",
    "women": "2",
    "p": "P",
    "persons": "P",
    "person": "P",
    "all": "P",
    "all persons": "P",
    "total": "P",
    "people": "P",
    "both": "P",
    "all sexes": "P",
    "0": "P",
    "3": "P",
}


def sex_code(label: str | None) -> str | None:
    """ "1", "2" or "P" (persons) for a sex label; None when not recognised."""
    if label is None:
        return None
    return SEX_LABELS.get(" ".join(label.strip().lower().replace("_", " ").split()))


def map_uniques(values: pl.Series, fn: Callable[[str], str | None]) -> pl.Series:
    """Apply a Python function to each distinct value only, then map back (vectorised)."""
    uniques = values.drop_nulls().unique()
    mapped = pl.Series([fn(v) for v in uniques.to_list()], dtype=pl.Utf8)
    return values.replace_strict(uniques, mapped, default=None, return_dtype=pl.Utf8)
