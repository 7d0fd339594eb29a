"""Religious or other belief system affiliation (legacy NHS letter codes); DESIGN 5.4.

Letter codes A-N with sub-codes (C22 Church of England, L1 atheist, L2 not
religious, ...). The sub-code catalogue is long and not reproduced here: any letter
A-N followed by one to three digits is accepted as a sub-code of its letter; labels
and the census 2021 reporting-group labels are accepted too. Reporting uses the
census groups; N (unknown) is kept apart from M (declined) as DESIGN 5 asks.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import INVALID, CodeList, clean_key_expr

__all__ = ["CENSUS_GROUPS", "CODES", "RELIGION", "census_group", "normalise"]

CODES: dict[str, str] = {
    "A": "Baha'i",
    "B": "Buddhist",
    "C": "Christian",
    "D": "Hindu",
    "E": "Jain",
    "F": "Jewish",
    "G": "Muslim",
    "H": "Pagan",
    "I": "Sikh",
    "J": "Zoroastrian",
    "K": "Other",
    "L": "None",
    "L1": "Atheist",
    "L2": "Not religious",
    "C22": "Church of England",
    "M": "Declined to disclose",
    "N": "Unknown",
}

#: Letter -> census 2021 reporting group.
CENSUS_GROUPS: dict[str, str] = {
    "A": "Other religion",
    "B": "Buddhist",
    "C": "Christian",
    "D": "Hindu",
    "E": "Other religion",
    "F": "Jewish",
    "G": "Muslim",
    "H": "Other religion",
    "I": "Sikh",
    "J": "Other religion",
    "K": "Other religion",
    "L": "No religion",
    "M": "Not stated",
    "N": "Not known",
}

RELIGION = CodeList(
    name="religion",
    codes=CODES,
    not_stated=frozenset({"M"}),
    not_known=frozenset({"N"}),
    synonyms={
        "A": ("bahai", "bahai faith"),
        "B": ("buddhism", "buddhist"),
        "C": (
            "christian",
            "christianity",
            "roman catholic",
            "catholic",
            "methodist",
            "baptist",
            "anglican",
            "church of scotland",
            "church in wales",
            "presbyterian",
            "orthodox christian",
            "greek orthodox",
            "pentecostal",
            "protestant",
            "christian all denominations",
            "jehovahs witness",
            "quaker",
        ),
        "C22": ("church of england", "c of e", "cofe", "church of england anglican"),
        "D": ("hindu", "hinduism"),
        "E": ("jain", "jainism"),
        "F": ("jewish", "judaism", "jew"),
        "G": ("muslim", "islam", "moslem", "muslim islam"),
        "H": ("pagan", "paganism", "wicca", "druid"),
        "I": ("sikh", "sikhism"),
        "J": ("zoroastrian", "zoroastrianism", "parsi"),
        "K": (
            "other",
            "other religion",
            "any other religion",
            "other religion or belief",
            "spiritualist",
            "other belief",
        ),
        "L": (
            "none",
            "no religion",
            "no religion or belief",
            "no religious belief",
            "nil religion",
            "no",
        ),
        "L1": ("atheist", "atheism"),
        "L2": ("not religious", "agnostic", "non religious", "humanist"),
        "M": (
            "declined",
            "declined to disclose",
            "prefer not to say",
            "not stated",
            "religion not stated",
            "refused",
            "not disclosed",
            "religion not given",
        ),
        "N": ("unknown", "not known", "not recorded", "religion unknown", "missing"),
    },
)
_SUB_CODE = r"^[a-n][0-9]{1,3}$"


def normalise(expr: pl.Expr) -> pl.Expr:
    """Letter code or sub-code (upper case); null for blank; INVALID otherwise."""
    known = RELIGION.normalise(expr)
    cleaned = clean_key_expr(expr).str.replace_all(" ", "")
    return (
        pl.when((known == INVALID) & cleaned.str.contains(_SUB_CODE))
        .then(cleaned.str.to_uppercase())
        .otherwise(known)
    )


def census_group(expr: pl.Expr) -> pl.Expr:
    """Census reporting group of a normalised code (by its letter); null for blank/INVALID."""
    letter = pl.when(expr == INVALID).then(None).otherwise(expr.str.slice(0, 1))
    return letter.replace_strict(CENSUS_GROUPS, default=None, return_dtype=pl.Utf8)
