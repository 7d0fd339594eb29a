"""Marital status (legacy NHS letter codes; DESIGN 5.6 marks them unconfirmed).

Decision: the list has N (not disclosed, i.e. asked and declined) but no code for
"not known"; rehabdash uses X for not known (not recorded), following the NHS
convention of the gender lists, and accepts the legacy "9" and "unknown" labels as X.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import CodeList

__all__ = ["MARITAL_STATUS", "normalise"]

MARITAL_STATUS = CodeList(
    name="marital_status",
    codes={
        "S": "Single",
        "M": "Married or civil partner",
        "D": "Divorced or civil partnership dissolved",
        "W": "Widowed or surviving civil partner",
        "P": "Separated",
        "N": "Not disclosed",
        "X": "Not known",
    },
    not_stated=frozenset({"N"}),
    not_known=frozenset({"X"}),
    synonyms={
        "S": (
            "single",
            "never married",
            "never married or registered a civil partnership",
            "unmarried",
            "single never married",
        ),
        "M": (
            "married",
            "civil partner",
            "civil partnership",
            "married civil partner",
            "in a civil partnership",
            "married or in a civil partnership",
            "registered civil partner",
        ),
        "D": (
            "divorced",
            "dissolved",
            "civil partnership dissolved",
            "divorced dissolved",
            "divorced or civil partnership dissolved",
        ),
        "W": (
            "widowed",
            "widow",
            "widower",
            "surviving civil partner",
            "widowed surviving civil partner",
        ),
        "P": ("separated", "separated but still legally married", "legally separated"),
        "N": ("not disclosed", "prefer not to say", "declined", "not stated", "refused"),
        "X": ("not known", "unknown", "not recorded", "9", "missing"),
    },
)


def normalise(expr: pl.Expr) -> pl.Expr:
    """Marital status code S, M, D, W, P, N or X; null for blank; INVALID otherwise."""
    return MARITAL_STATUS.normalise(expr)
