"""Disability code (NHS Data Dictionary DISABILITY CODE); DESIGN 5.5.

A person may have several disabilities, so a cell may hold several codes or labels
("01, 05" or "Hearing; Mobility"). Output is the codes sorted, de-duplicated and
joined with ","; the cell is INVALID when any part is not a code. Because some
labels contain commas ("Personal, self care and continence") the whole cell is
tried as one label first, then split.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import INVALID, CodeList, clean_key_expr

__all__ = ["DISABILITY", "NO_DISABILITY", "any_disability", "normalise"]

DISABILITY = CodeList(
    name="disability",
    codes={
        "01": "Behaviour and Emotional",
        "02": "Hearing",
        "03": "Manual Dexterity",
        "04": "Memory or ability to concentrate, learn or understand (Learning Disability)",
        "05": "Mobility and Gross Motor",
        "06": "Perception of Physical Danger",
        "07": "Personal, Self Care and Continence",
        "08": "Progressive Conditions and Physical Health "
        "(such as HIV, cancer, multiple sclerosis, fits etc)",
        "09": "Sight",
        "10": "Speech",
        "XX": "Other",
        "NN": "No Disability",
        "ZZ": "Not Stated (Person asked but declined to provide a response)",
    },
    not_stated=frozenset({"ZZ"}),
    synonyms={
        "01": ("1", "behaviour", "emotional", "behavioural and emotional", "behaviour emotional"),
        "02": ("2", "deaf", "hearing impairment", "hearing loss"),
        "03": ("3", "dexterity", "manual dexterity"),
        "04": (
            "4",
            "learning disability",
            "memory",
            "learning",
            "memory or ability to concentrate learn or understand",
        ),
        "05": ("5", "mobility", "gross motor", "mobility and gross motor", "physical mobility"),
        "06": ("6", "perception of physical danger"),
        "07": (
            "7",
            "personal self care and continence",
            "self care",
            "continence",
            "personal care",
        ),
        "08": (
            "8",
            "progressive conditions and physical health",
            "physical health",
            "progressive conditions",
            "long term condition",
        ),
        "09": ("9", "sight", "visual impairment", "blind", "vision", "sight impairment"),
        "10": ("speech", "speech impairment"),
        "XX": ("other", "other disability", "x"),
        "NN": ("none", "no", "no disability", "not disabled", "n", "nn"),
        "ZZ": ("not stated", "prefer not to say", "declined", "refused", "not disclosed", "z"),
    },
)
NO_DISABILITY = "NN"


def normalise(expr: pl.Expr) -> pl.Expr:
    """Codes 01-10, XX, NN, ZZ (several joined with ","); null for blank; INVALID otherwise."""
    lookup = DISABILITY.lookup
    whole = DISABILITY.normalise(expr)
    parts = (
        expr.cast(pl.Utf8)
        .str.replace_all(r"[;|/+]", ",")
        .str.split(",")
        .list.eval(clean_key_expr(pl.element()))
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.eval(pl.element().replace_strict(lookup, default=INVALID, return_dtype=pl.Utf8))
        .list.unique()
        .list.sort()
    )
    joined = (
        pl.when(parts.list.contains(INVALID)).then(pl.lit(INVALID)).otherwise(parts.list.join(","))
    )
    return pl.when(whole != INVALID).then(whole).when(whole.is_null()).then(None).otherwise(joined)


def any_disability(expr: pl.Expr) -> pl.Expr:
    """True when a normalised value names at least one disability (01-10 or XX);
    False for NN; null for ZZ, blank or INVALID (unknown, not 'no')."""
    has_code = expr.str.contains(r"(^|,)(0[1-9]|10|XX)(,|$)")
    return (
        pl.when(expr.is_null() | (expr == INVALID) | (expr == "ZZ"))
        .then(pl.lit(None, dtype=pl.Boolean))
        .otherwise(has_code)
    )
