"""How the demo's characteristics are recorded: real code mixes with the gaps real data has.

Each person has true characteristics, drawn from their LSOA's Census 2021 shares
(rehabdash.demo.census_mix: ethnic category, religion, disability, and for people aged
16+ sexual orientation and partnership status); what a provider records is the code, or
Z (asked, declined), a not-known code, a blank, or now and then an invalid value, at
rates that differ by provider (one falls below the 80% CSDS completeness threshold for
ethnicity). Sexual orientation and marital status are not asked of children: under 16
they are recorded as not known or left blank.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rehabdash.demo.census_mix import DemoCensus, disability_probability

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


def _disability(rng: np.random.Generator, disabled: np.ndarray) -> np.ndarray:
    """Disability codes for the disabled: one of _DISABILITY, or a quarter of the time two;
    NN (no disability) for the others."""
    n = disabled.size
    first = _draw(rng, _DISABILITY, n)
    second = _draw(rng, _DISABILITY, n)
    two = disabled & (rng.random(n) < 0.25) & (first != second)
    pair = np.where(
        first < second,
        np.char.add(np.char.add(first, ","), second),
        np.char.add(np.char.add(second, ","), first),
    )
    return np.where(disabled, np.where(two, pair, first), "NN")


def _child_gap(
    rng: np.random.Generator, adult: np.ndarray, values: np.ndarray, code: str
) -> np.ndarray:
    """Children's value of an adults-only field: ``code`` (not known) for 40%, blank else."""
    child = np.full(adult.size, None, dtype=object)
    child[rng.random(adult.size) < 0.4] = code
    return np.where(adult, values, child)


def _utf8(name: str, values: np.ndarray) -> pl.Series:
    return pl.Series(name, values.tolist(), dtype=pl.Utf8)


def record_person_characteristics(
    people: pl.DataFrame, rng: np.random.Generator, census: DemoCensus
) -> pl.DataFrame:
    """Add true-then-recorded characteristics to one row per person.

    Needs the columns lsoa, sex, age, true_ethnicity and provider_code; religion,
    disability, sexual orientation and partnership status are drawn from the person's
    LSOA's census shares (``census``).
    """
    n = people.height
    age = people["age"].to_numpy()
    adult = age >= 16
    area = census.index(people["lsoa"])
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
    disabled = rng.random(n) < disability_probability(census, area)
    disability = _gap(rng, _disability(rng, disabled), np.full(n, 0.80), {"ZZ": 0.40, None: 0.60})
    religion = _gap(
        rng, census.religion.draw(rng, area), np.full(n, 0.74), {"M": 0.30, "N": 0.40, None: 0.30}
    )
    orientation = _gap(
        rng,
        census.orientation.draw(rng, area),
        np.full(n, 0.72),
        {"Z": 0.25, "9": 0.45, None: 0.30},
    )
    orientation = _child_gap(rng, adult, orientation, "9")
    marital = _gap(rng, census.partnership.draw(rng, area), np.full(n, 0.78), {"N": 0.3, None: 0.7})
    marital = _child_gap(rng, adult, marital, "X")
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
