"""CSDS "service or team type referred to" codes with rehabdash's rehab flag; DESIGN 5.8.

Only the codes DESIGN lists are labelled here. The CSDS list is longer, so any other
two-digit code 01-99 is accepted as valid (labelled "CSDS team type NN") and is not
rehab by default; users can select it. Single digits are zero-padded ("4" -> "04").
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import INVALID, CodeList, clean_key_expr

__all__ = ["CODES", "REHAB_CODES", "TEAM_TYPE", "is_rehab", "label", "normalise"]

CODES: dict[str, str] = {
    "04": "Cardiac rehabilitation",
    "12": "District nursing",
    "19": "Long term conditions case management",
    "20": "Musculoskeletal",
    "21": "Neurology",
    "23": "Occupational therapy",
    "25": "Pain management",
    "26": "Physiotherapy",
    "27": "Podiatry",
    "29": "Rehabilitation",
    "30": "Respiratory",
    "33": "Speech and language therapy",
    "45": "Integrated multidisciplinary team",
    "46": "Prosthetic",
    "48": "Enablement",
    "50": "Wheelchair",
    "51": "Crisis response intermediate care",
    "52": "Reablement intermediate care",
    "53": "Home-based intermediate care",
    "54": "Community bed-based intermediate care",
    "58": "Dietetics",
}
REHAB_CODES = frozenset(
    {
        "04",
        "20",
        "21",
        "23",
        "25",
        "26",
        "29",
        "30",
        "33",
        "45",
        "46",
        "48",
        "50",
        "51",
        "52",
        "53",
        "54",
    }
)

TEAM_TYPE = CodeList(
    name="team_type",
    codes=CODES,
    synonyms={
        "04": ("cardiac", "cardiac rehab", "cardiology rehabilitation"),
        "12": ("district nurses", "community nursing"),
        "19": ("ltc case management", "long term conditions"),
        "20": ("msk", "musculoskeletal service", "msk physiotherapy"),
        "21": ("neuro", "neuro rehab", "neuro rehabilitation", "neurological rehabilitation"),
        "23": ("ot", "occupational therapist", "community occupational therapy"),
        "25": ("pain", "pain clinic", "persistent pain"),
        "26": ("physio", "physiotherapist", "community physiotherapy"),
        "29": ("rehab", "community rehabilitation", "community rehab"),
        "30": ("pulmonary rehabilitation", "pulmonary rehab", "respiratory rehab"),
        "33": ("salt", "slt", "speech and language", "speech therapy"),
        "45": ("imt", "mdt", "integrated mdt", "multidisciplinary team"),
        "46": ("prosthetics", "limb fitting"),
        "48": ("enablement service",),
        "50": ("wheelchair service", "wheelchairs"),
        "51": ("crisis response", "urgent community response", "ucr", "2 hour crisis response"),
        "52": ("reablement",),
        "53": ("home based intermediate care", "intermediate care at home"),
        "54": ("bed based intermediate care", "community beds", "intermediate care beds"),
        "58": ("dietetic", "dietitian", "nutrition and dietetics"),
    },
)


def normalise(expr: pl.Expr) -> pl.Expr:
    """Two-digit team type code; null for blank; INVALID otherwise."""
    known = TEAM_TYPE.normalise(expr)
    cleaned = clean_key_expr(expr)
    padded = cleaned.str.zfill(2)
    other = cleaned.str.contains(r"^[0-9]{1,2}$") & (padded != "00")
    return pl.when((known == INVALID) & other).then(padded).otherwise(known)


def is_rehab(expr: pl.Expr) -> pl.Expr:
    """True for the team types rehabdash treats as rehabilitation by default."""
    return expr.is_in(sorted(REHAB_CODES))


def label(code: str) -> str:
    """Label for reports, including unlisted but well-formed codes."""
    return CODES.get(code, f"CSDS team type {code}")
