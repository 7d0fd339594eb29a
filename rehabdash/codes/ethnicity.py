"""NHS ethnic category (2001 census based), NHS Data Dictionary; DESIGN 5.1.

Cleaning as in NHS publications: blank/null/"0" -> missing, "9" -> "99", anything
else that is not a code -> INVALID. Census 2021 labels map to the NHS codes used for
denominators (Gypsy/Irish Traveller and Roma -> C, Arab -> S, Chinese -> R).
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import CodeList

__all__ = [
    "BROAD_GROUPS",
    "CODES",
    "ETHNICITY",
    "NOT_KNOWN",
    "NOT_STATED",
    "broad_group",
    "normalise",
]

CODES: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese",
    "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
    "99": "Not known",
}
NOT_STATED = frozenset({"Z"})
NOT_KNOWN = frozenset({"99"})

#: Broad 5 groups for reporting; Z and 99 are reported as themselves.
BROAD_GROUPS: dict[str, str] = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian"),
    **dict.fromkeys("MNP", "Black"),
    **dict.fromkeys("RS", "Other"),
    "Z": "Not stated",
    "99": "Not known",
}

_GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "White": ("white", "white british", "white or white british"),
    "Mixed": (
        "mixed",
        "mixed or multiple ethnic groups",
        "mixed multiple ethnic groups",
        "mixed multiple ethnic group",
        "mixed or multiple",
    ),
    "Asian": (
        "asian",
        "asian or asian british",
        "asian british",
        "asian asian british",
        "asian or british asian",
    ),
    "Black": (
        "black",
        "black or black british",
        "black british",
        "black african caribbean",
        "black african caribbean or black british",
        "black black british caribbean or african",
    ),
    "Other": (
        "other",
        "other ethnic group",
        "other ethnic groups",
        "chinese or other ethnic group",
        "other ethnic",
    ),
}

_SUB_WORDS: dict[str, tuple[str, ...]] = {
    "A": (
        "british",
        "english welsh scottish northern irish or british",
        "english welsh scottish northern irish british",
        "english",
        "welsh",
        "scottish",
        "northern irish",
        "white british",
    ),
    "B": ("irish",),
    "C": (
        "any other white background",
        "other white background",
        "other white",
        "other",
        "gypsy or irish traveller",
        "gypsy irish traveller",
        "irish traveller",
        "gypsy",
        "roma",
        "any other white",
    ),
    "D": ("white and black caribbean",),
    "E": ("white and black african",),
    "F": ("white and asian",),
    "G": (
        "any other mixed background",
        "other mixed background",
        "other mixed",
        "any other mixed or multiple ethnic background",
        "other",
        "any other mixed",
    ),
    "H": ("indian", "british indian"),
    "J": ("pakistani", "british pakistani"),
    "K": ("bangladeshi", "british bangladeshi"),
    "L": (
        "any other asian background",
        "other asian background",
        "other asian",
        "other",
        "any other asian",
    ),
    "M": ("caribbean", "black caribbean"),
    "N": ("african", "black african"),
    "P": (
        "any other black background",
        "other black background",
        "other black",
        "other",
        "any other black african or caribbean background",
        "any other black",
    ),
    "R": ("chinese",),
    "S": ("any other ethnic group", "other ethnic group", "arab", "any other", "other"),
}
_GROUP_OF = {
    "A": "White",
    "B": "White",
    "C": "White",
    "D": "Mixed",
    "E": "Mixed",
    "F": "Mixed",
    "G": "Mixed",
    "H": "Asian",
    "J": "Asian",
    "K": "Asian",
    "L": "Asian",
    "M": "Black",
    "N": "Black",
    "P": "Black",
    "R": "Other",
    "S": "Other",
}

# "Other" alone is ambiguous between groups; it only counts after a group word.
_AMBIGUOUS_ALONE = {"other"}


def _synonyms() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, subs in _SUB_WORDS.items():
        words = [s for s in subs if s not in _AMBIGUOUS_ALONE]
        for group in _GROUP_WORDS[_GROUP_OF[code]]:
            words.extend(f"{group} {s}" for s in subs)
        out[code] = words
    out["R"] += ["asian chinese", "asian or asian british chinese"]
    out["S"] += ["arab", "other arab", "any other ethnic background", "other ethnic"]
    out["Z"] = [
        "not stated",
        "prefer not to say",
        "declined",
        "refused",
        "patient declined",
        "not stated patient asked but declined",
        "declined to state",
        "ethnic category not stated",
        "not disclosed",
        "z",
    ]
    out["99"] = [
        "not known",
        "unknown",
        "9",
        "not recorded",
        "not asked",
        "missing",
        "ethnic category not known",
        "not specified",
        "x",
    ]
    return out


ETHNICITY = CodeList(
    name="ethnic_category",
    codes=CODES,
    not_stated=NOT_STATED,
    not_known=NOT_KNOWN,
    synonyms=_synonyms(),
    blank_values=frozenset({"0", "null", "n a", "na"}),
)


def normalise(expr: pl.Expr) -> pl.Expr:
    """NHS ethnic category code (A-S, Z, 99); null for blank/"0"; INVALID otherwise."""
    return ETHNICITY.normalise(expr)


def broad_group(expr: pl.Expr) -> pl.Expr:
    """Broad group (White, Mixed, Asian, Black, Other, Not stated, Not known) of a code."""
    return expr.replace_strict(BROAD_GROUPS, default=None, return_dtype=pl.Utf8)
