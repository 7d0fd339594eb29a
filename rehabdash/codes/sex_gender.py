"""Person stated gender, gender identity and gender same at birth; DESIGN 5.2.

Stated gender has no "not stated" code, so "prefer not to say" becomes X (not
known) there; gender identity and same-at-birth keep Z (asked, declined) and X
(not known) apart. The legacy "0 = not known" sex code is accepted as X.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import CodeList

__all__ = [
    "GENDER_IDENTITY",
    "GENDER_SAME_AT_BIRTH",
    "SEX",
    "normalise_gender_identity",
    "normalise_gender_same_at_birth",
    "normalise_sex",
]

_DECLINED = (
    "not stated",
    "prefer not to say",
    "declined",
    "refused",
    "patient declined",
    "not disclosed",
    "asked but declined",
    "rather not say",
)
_UNKNOWN = ("not known", "unknown", "not recorded", "not asked", "missing", "u", "unk")

SEX = CodeList(
    name="sex",
    codes={"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known"},
    not_known=frozenset({"X"}),
    synonyms={
        "1": ("m", "male", "man", "males", "boy"),
        "2": ("f", "female", "woman", "females", "girl"),
        "9": (
            "i",
            "indeterminate",
            "intersex",
            "unable to be classified",
            "indeterminate unable to be classified as either male or female",
            "not specified",
        ),
        "X": (*_UNKNOWN, *_DECLINED, "0", "not known not recorded"),
    },
)

GENDER_IDENTITY = CodeList(
    name="gender_identity",
    codes={
        "1": "Male (including trans man)",
        "2": "Female (including trans woman)",
        "3": "Non-binary",
        "4": "Other (not listed)",
        "X": "Not known",
        "Z": "Not stated",
    },
    not_stated=frozenset({"Z"}),
    not_known=frozenset({"X"}),
    synonyms={
        "1": ("m", "male", "man", "trans man", "transgender man", "male including trans man"),
        "2": (
            "f",
            "female",
            "woman",
            "trans woman",
            "transgender woman",
            "female including trans woman",
        ),
        "3": ("non binary", "nonbinary", "enby", "nb", "genderqueer"),
        "4": (
            "other",
            "other not listed",
            "not listed",
            "other gender",
            "prefer to self describe",
            "self describe",
            "in another way",
        ),
        "X": (*_UNKNOWN, "not known not recorded", "9"),
        "Z": _DECLINED,
    },
)

GENDER_SAME_AT_BIRTH = CodeList(
    name="gender_same_at_birth",
    codes={
        "Y": "Yes - the same as at birth",
        "N": "No - not the same as at birth",
        "Z": "Not stated",
        "X": "Not known",
    },
    not_stated=frozenset({"Z"}),
    not_known=frozenset({"X"}),
    synonyms={
        "Y": ("yes", "y", "same", "true", "1", "yes same as at birth", "same as at birth"),
        "N": ("no", "n", "not the same", "false", "different", "no not the same as at birth"),
        "Z": _DECLINED,
        "X": (*_UNKNOWN, "9"),
    },
)


def normalise_sex(expr: pl.Expr) -> pl.Expr:
    """Stated gender code 1, 2, 9 or X; null for blank; INVALID otherwise."""
    return SEX.normalise(expr)


def normalise_gender_identity(expr: pl.Expr) -> pl.Expr:
    """Gender identity code 1, 2, 3, 4, X or Z."""
    return GENDER_IDENTITY.normalise(expr)


def normalise_gender_same_at_birth(expr: pl.Expr) -> pl.Expr:
    """Gender same at birth code Y, N, Z or X."""
    return GENDER_SAME_AT_BIRTH.normalise(expr)
