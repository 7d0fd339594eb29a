"""Sexual orientation code (NHS Data Dictionary); DESIGN 5.3.

U (asked, unsure), Z (asked, declined) and 9 (not recorded) stay three different
things: they say different things about recording quality.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import CodeList

__all__ = ["SEXUAL_ORIENTATION", "normalise"]

SEXUAL_ORIENTATION = CodeList(
    name="sexual_orientation",
    codes={
        "1": "Heterosexual or Straight",
        "2": "Gay or Lesbian",
        "3": "Bisexual",
        "4": "Other sexual orientation not listed",
        "U": "Person asked and does not know or is not sure",
        "Z": "Not stated (person asked but declined to provide a response)",
        "9": "Not known (not recorded)",
    },
    not_stated=frozenset({"Z"}),
    not_known=frozenset({"9", "U"}),
    synonyms={
        "1": ("heterosexual", "straight", "heterosexual straight", "straight heterosexual"),
        "2": (
            "gay",
            "lesbian",
            "gay lesbian",
            "homosexual",
            "gay woman lesbian",
            "gay man",
            "gay or lesbian",
            "lesbian or gay",
        ),
        "3": ("bisexual", "bi"),
        "4": ("other", "other sexual orientation", "not listed", "pansexual", "asexual", "queer"),
        "U": (
            "unsure",
            "not sure",
            "dont know",
            "do not know",
            "does not know",
            "dont know not sure",
            "undecided",
        ),
        "Z": (
            "not stated",
            "prefer not to say",
            "declined",
            "refused",
            "patient declined",
            "not disclosed",
            "asked but declined",
        ),
        "9": ("not known", "unknown", "not recorded", "not asked", "missing", "x"),
    },
)


def normalise(expr: pl.Expr) -> pl.Expr:
    """Sexual orientation code 1, 2, 3, 4, U, Z or 9; null for blank; INVALID otherwise."""
    return SEXUAL_ORIENTATION.normalise(expr)
