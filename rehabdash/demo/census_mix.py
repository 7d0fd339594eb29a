"""The demo's people drawn from Census 2021: each LSOA's own mix of every characteristic.

The data plan's denominators are each group's share of each LSOA's residents from Census
2021 (rehabdash.refdata.census.census_shares, LSOA 2011 vintage), times the LSOA's
population. So that the demo's people match those denominators, each synthetic person's
ethnic category, religion, disability, sexual orientation and partnership status is drawn
from the shares of the LSOA they live in. Stated assumption: within an LSOA these are
independent of each other and of age and sex. That is the plan's own "LSOA mix"
assumption (rehabdash.plan.populations: Census 2021 gives no group's age structure by
LSOA), and it holds for disability too: a person is disabled with their LSOA's all-ages
census share as the probability, whatever their age (see rehabdash.demo.truth), so that
the plan's disability denominators are exactly the demo's.

Draws are one uniform number per person located in the cumulative shares of their LSOA
(inverse-CDF sampling; one searchsorted over all LSOAs at once, no loop over rows).
Source: Office for National Statistics, Census 2021 (TS021 ethnic group, TS030 religion,
TS038 disability, TS002 legal partnership status, TS077 sexual orientation by MSOA), OGL v3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from rehabdash.refdata.census import census_shares

__all__ = [
    "ETHNIC_CODES",
    "RELIGION_LETTER",
    "AreaShares",
    "DemoCensus",
    "demo_census",
    "disability_probability",
]

#: NHS ethnic categories (data dictionary order); the census has no "not stated" group.
ETHNIC_CODES: tuple[str, ...] = tuple("ABCDEFGHJKLMNPRS")

#: Census religion group -> legacy NHS letter code (codes.religion); "Not stated" is the
#: person declining to say, M.
RELIGION_LETTER: dict[str, str] = {
    "Christian": "C",
    "Buddhist": "B",
    "Hindu": "D",
    "Jewish": "F",
    "Muslim": "G",
    "Sikh": "I",
    "Other religion": "K",
    "No religion": "L",
    "Not stated": "M",
}


@dataclass(frozen=True)
class AreaShares:
    """Shares of ``codes`` (columns) in each LSOA (rows, in ``DemoCensus.lsoas`` order)."""

    codes: tuple[str, ...]
    shares: np.ndarray  # (areas, codes), each row sums to 1

    def draw(self, rng: np.random.Generator, area: np.ndarray) -> np.ndarray:
        """One code per person, from the shares of the LSOA at row ``area`` of each."""
        k = len(self.codes)
        cum = np.cumsum(self.shares, axis=1)
        cum[:, -1] = 1.0
        flat = (cum + np.arange(cum.shape[0])[:, None]).ravel()
        pos = np.searchsorted(flat, area + rng.random(area.size), side="right")
        return np.asarray(self.codes)[np.minimum(pos - area * k, k - 1)]


@dataclass(frozen=True)
class DemoCensus:
    """The census mixes of the demo ICB's LSOAs."""

    lsoas: tuple[str, ...]
    ethnic: AreaShares
    religion: AreaShares
    orientation: AreaShares
    partnership: AreaShares
    disabled_share: np.ndarray  # census share disabled (Equality Act), by LSOA

    def index(self, lsoa: pl.Series) -> np.ndarray:
        """Row of each LSOA code in the shares (the ICB mix row for an unknown code)."""
        rows = {code: i for i, code in enumerate(self.lsoas)}
        return lsoa.replace_strict(rows, default=len(self.lsoas), return_dtype=pl.Int64).to_numpy()


def _shares(topic: str, lsoas: pl.DataFrame, codes: tuple[str, ...]) -> AreaShares:
    """The census shares by LSOA, exactly as the plan's denominators use them (rows in
    ``lsoas`` order), then one row of the ICB's mean mix, the fallback for an LSOA the
    census tables lack (none in England)."""
    long = census_shares(topic, 2011).filter(  # type: ignore[arg-type]
        pl.col("area_code").is_in(lsoas["lsoa"].implode())
    )
    wide = lsoas.join(
        long.pivot(on="nhs", index="area_code", values="share").rename({"area_code": "lsoa"}),
        on="lsoa",
        how="left",
        maintain_order="left",
    )
    matrix = wide.select(
        pl.col(c).fill_null(0.0) if c in wide.columns else pl.lit(0.0) for c in codes
    )
    values = matrix.to_numpy().astype(float)
    total = values.sum(axis=1, keepdims=True)
    known = total[:, 0] > 0
    icb = values[known].mean(axis=0) / values[known].mean(axis=0).sum()
    shares = np.where(total > 0, values / np.where(total > 0, total, 1.0), icb)
    return AreaShares(codes, np.vstack([shares, icb]))


def demo_census(areas: pl.DataFrame) -> DemoCensus:
    """The census mixes of ``areas`` (lsoa): each LSOA's all-ages shares, so no LSOA's age
    structure enters."""
    lsoas = areas.select("lsoa").unique(maintain_order=True)
    religion = _shares("religion", lsoas, tuple(RELIGION_LETTER))
    disability = _shares("disability", lsoas, ("yes", "no"))
    return DemoCensus(
        lsoas=tuple(lsoas["lsoa"].to_list()),
        ethnic=_shares("ethnic_group", lsoas, ETHNIC_CODES),
        religion=AreaShares(tuple(RELIGION_LETTER.values()), religion.shares),
        orientation=_shares("sexual_orientation", lsoas, ("1", "2", "3", "4", "Z")),
        partnership=_shares("partnership_status", lsoas, ("S", "M", "D", "W", "P")),
        disabled_share=disability.shares[:, 0],
    )


def disability_probability(census: DemoCensus, area: np.ndarray) -> np.ndarray:
    """P(disabled) of a person in the LSOA at row ``area``: the LSOA's all-ages census
    share, the same at every age (the plan's assumption)."""
    return census.disabled_share[area]
