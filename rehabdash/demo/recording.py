"""How the demo's characteristics are recorded: real code mixes with the gaps real data has.

Each person has true characteristics; what a provider records is the code, or Z (asked,
declined), a not-known code, a blank, or now and then an invalid value, at rates that
differ by provider (one falls below the 80% CSDS completeness threshold for ethnicity).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["ETHNICITY_VALID_SHARE", "record_person_characteristics"]

# Share of referrals with a valid ethnic category, by demo provider.
ETHNICITY_VALID_SHARE: dict[str, float] = {
    "RY6": 0.90,
    "TAD": 0.85,
    "NLO": 0.74,
    "RWY": 0.86,
    "RXF": 0.81,
    "RCF": 0.88,
}
DEFAULT_VALID_SHARE = 0.84

_DISABILITY = {
    "05": 0.35,
    "08": 0.20,
    "02": 0.08,
    "04": 0.10,
    "09": 0.07,
    "01": 0.05,
    "07": 0.05,
    "03": 0.04,
    "10": 0.03,
    "06": 0.01,
    "XX": 0.02,
}
_RELIGION_WHITE = {
    "C": 0.50,
    "L": 0.40,
    "F": 0.006,
    "B": 0.004,
    "K": 0.02,
    "G": 0.01,
    "H": 0.01,
    "A": 0.002,
    "E": 0.001,
    "J": 0.001,
    "D": 0.002,
    "I": 0.004,
}
_RELIGION_SOUTH_ASIAN_MUSLIM = {"G": 0.93, "L": 0.03, "C": 0.02, "K": 0.02}
_RELIGION_INDIAN = {"D": 0.40, "I": 0.32, "G": 0.15, "C": 0.05, "L": 0.05, "E": 0.01, "K": 0.02}
_RELIGION_OTHER = {"C": 0.40, "L": 0.28, "G": 0.18, "B": 0.06, "K": 0.04, "D": 0.02, "F": 0.02}
_ORIENTATION = {"1": 0.950, "2": 0.022, "3": 0.018, "4": 0.005, "U": 0.005}


def _draw(rng: np.random.Generator, mix: dict[str, float], size: int) -> np.ndarray:
    codes = np.array(list(mix))
    p = np.array(list(mix.values()))
    return codes[rng.choice(len(codes), size=size, p=p / p.sum())]


def _gap(
    rng: np.random.Generator,
    values: np.ndarray,
    valid_share: np.ndarray,
    gaps: dict[str | None, float],
) -> np.ndarray:
    """Replace values outside the valid share by gap codes (None = blank) in the given mix."""
    out = values.astype(object)
    missing = rng.random(values.size) >= valid_share
    codes = list(gaps)
    p = np.array(list(gaps.values()))
    chosen = rng.choice(len(codes), size=int(missing.sum()), p=p / p.sum())
    out[missing] = np.array(codes, dtype=object)[chosen]
    return out


def _religion(rng: np.random.Generator, ethnicity: np.ndarray) -> np.ndarray:
    out = _draw(rng, _RELIGION_OTHER, ethnicity.size)
    for groups, mix in (
        (("A", "B", "C"), _RELIGION_WHITE),
        (("J", "K"), _RELIGION_SOUTH_ASIAN_MUSLIM),
        (("H",), _RELIGION_INDIAN),
    ):
        sel = np.isin(ethnicity, groups)
        out[sel] = _draw(rng, mix, int(sel.sum()))
    return out


def _disability(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    disabled = rng.random(age.size) < 0.06 + 0.5 * np.clip(age, 0, 100) / 100
    first = _draw(rng, _DISABILITY, age.size)
    second = _draw(rng, _DISABILITY, age.size)
    two = disabled & (rng.random(age.size) < 0.25) & (first != second)
    pair = np.where(
        first < second,
        np.char.add(np.char.add(first, ","), second),
        np.char.add(np.char.add(second, ","), first),
    )
    return np.where(disabled, np.where(two, pair, first), "NN")


def _utf8(name: str, values: np.ndarray) -> pl.Series:
    return pl.Series(name, values.tolist(), dtype=pl.Utf8)


def record_person_characteristics(people: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Add recorded characteristics to one row per person.

    Needs the columns sex, age, true_ethnicity and provider_code.
    """
    n = people.height
    age = people["age"].to_numpy()
    adult = age >= 16
    provider = people["provider_code"].to_numpy()
    eth_share = np.array([ETHNICITY_VALID_SHARE.get(p, DEFAULT_VALID_SHARE) for p in provider])
    true_eth = people["true_ethnicity"].to_numpy()

    sex = _gap(
        rng,
        people["sex"].to_numpy(),
        np.full(n, 0.990),
        {"X": 0.55, None: 0.35, "9": 0.05, "INVALID": 0.05},
    )
    ethnicity = _gap(rng, true_eth, eth_share, {"Z": 0.36, "99": 0.40, None: 0.21, "INVALID": 0.03})
    disability = _gap(rng, _disability(rng, age), np.full(n, 0.80), {"ZZ": 0.40, None: 0.60})
    religion = _gap(
        rng, _religion(rng, true_eth), np.full(n, 0.74), {"M": 0.30, "N": 0.40, None: 0.30}
    )
    orientation = np.where(adult, _draw(rng, _ORIENTATION, n), "9")
    orientation = _gap(
        rng, orientation, np.where(adult, 0.72, 0.1), {"Z": 0.25, "9": 0.45, None: 0.30}
    )
    marital_true = np.where(
        age < 18,
        "S",
        _draw(rng, {"M": 0.48, "S": 0.30, "D": 0.09, "W": 0.09, "P": 0.04}, n),
    )
    marital = _gap(rng, marital_true, np.full(n, 0.78), {"N": 0.3, None: 0.7})
    identity_true = np.where(rng.random(n) < 0.006, "3", np.where(sex == "2", "2", "1"))
    identity = _gap(rng, identity_true, np.full(n, 0.30), {"X": 0.35, "Z": 0.10, None: 0.55})
    same = _gap(
        rng,
        np.where(rng.random(n) < 0.004, "N", "Y"),
        np.full(n, 0.35),
        {"X": 0.35, "Z": 0.10, None: 0.55},
    )
    return people.with_columns(
        _utf8("sex", sex),
        _utf8("ethnic_category", ethnicity),
        _utf8("disability", disability),
        _utf8("religion", religion),
        _utf8("sexual_orientation", orientation),
        _utf8("marital_status", marital),
        _utf8("gender_identity", identity),
        _utf8("gender_same_at_birth", same),
    )
