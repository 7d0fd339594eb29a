"""Pregnancy status (optional; not in CSDS): Y, N, X not known."""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import CodeList

__all__ = ["PREGNANCY", "normalise"]

PREGNANCY = CodeList(
    name="pregnancy",
    codes={"Y": "Pregnant", "N": "Not pregnant", "X": "Not known"},
    not_known=frozenset({"X"}),
    synonyms={
        "Y": ("yes", "pregnant", "currently pregnant", "true", "1"),
        "N": ("no", "not pregnant", "false", "0"),
        "X": ("not known", "unknown", "not recorded", "u", "9", "not stated", "prefer not to say"),
    },
)


def normalise(expr: pl.Expr) -> pl.Expr:
    """Pregnancy code Y, N or X; null for blank; INVALID otherwise."""
    return PREGNANCY.normalise(expr)
