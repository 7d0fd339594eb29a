"""Who gets referred, when, and by whom: the demo's referral events, drawn in one pass.

People are drawn from LSOA x sex x age band x ethnic group cells with probability
proportional to population x the LSOA's Census 2021 ethnic share x age-sex rate x
deprivation access x ethnic under-referral x time (truth.py); with ``plant=False`` the
access, ethnic and time factors are all 1 (need by age and sex only). Each person has
one referral and, with chance REPEAT_SHARE each time, one more (a geometric number of
referrals, each in a month drawn on its own), the same in every cell, so referrals per
person do not depend on how big a person's cell is: the data plan counts people, and a
repeat rate that grew with the cell once made large groups (White British, the least
deprived LSOAs) look under-served in the no-inequity demo. Numpy throughout: a million
referrals are drawn in about a third of a second.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from rehabdash.demo import truth
from rehabdash.demo.census_mix import ETHNIC_CODES, DemoCensus
from rehabdash.refdata import AGE_BANDS

__all__ = ["REPEAT_SHARE", "draw_referrals", "month_starts"]

#: Share of referrals that are a further referral of someone already referred: each
#: person has 1 + Geometric(1 - REPEAT_SHARE) referrals over the two years.
REPEAT_SHARE = 0.15


def month_starts() -> list[date]:
    months, d = [], truth.START
    while d <= truth.END:
        months.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return months


def _month_weights(shocked: bool) -> np.ndarray:
    starts = month_starts()
    w = np.ones(len(starts))
    if shocked:
        w[[i for i, m in enumerate(starts) if m >= truth.SHOCK_QUARTER_START]] = truth.SHOCK_FACTOR
    return w


def draw_referrals(
    cells: pl.DataFrame,
    rows: int,
    rng: np.random.Generator,
    census: DemoCensus,
    *,
    plant: bool = True,
) -> pl.DataFrame:
    """Draw ``rows`` referrals from population cells (lsoa, sex, age_band, count, imd_decile),
    each cell's people split by its LSOA's census ethnic shares; ``plant`` adds the
    deprivation gradient, the ethnic under-referral and the last-quarter shock.

    Returns one row per referral with lsoa, sex, age_band, imd_decile, true_ethnicity,
    referral_date and person_seq (repeat referrals of one person share it; people are
    numbered in random order, each person's referrals in consecutive rows).
    """
    pop = cells["count"].to_numpy().astype(float)
    decile = cells["imd_decile"].fill_null(5).to_numpy().astype(int)
    band = cells["age_band"].replace_strict({b: i for i, b in enumerate(AGE_BANDS)}).to_numpy()
    female = (cells["sex"] == "2").to_numpy()

    rate = np.asarray(truth.BASE_RATE_PER_1000)[band] * np.where(female, truth.FEMALE_FACTOR, 1.0)
    access = truth.access_factor(decile.astype(float)) if plant else np.ones(decile.size)
    shocked = np.isin(decile, truth.SHOCK_DECILES) & plant
    w_plain, w_shock = _month_weights(False), _month_weights(True)
    time = np.where(shocked, w_shock.mean(), w_plain.mean())
    under = np.asarray(ETHNIC_CODES) == truth.UNDER_REFERRED_ETHNICITY
    ethnic_factor = np.where(under & plant, truth.UNDER_REFERRAL_FACTOR, 1.0)
    ethnic_mix = census.ethnic.shares[census.index(cells["lsoa"])]
    weight = (pop * rate * access * time)[:, None] * ethnic_mix * ethnic_factor
    flat = weight.ravel()
    # People: referrals per person are drawn first, with no regard to cells, until they add
    # up to ``rows`` (the last person's cut to fit); then each person's cell, in proportion
    # to its weight, so the expected referrals of a cell stay in proportion to its weight.
    per_person = rng.geometric(1 - REPEAT_SHARE, size=rows)
    people = int(np.searchsorted(np.cumsum(per_person), rows)) + 1
    per_person = per_person[:people]
    per_person[-1] -= int(per_person.sum()) - rows
    person_cell = rng.permutation(
        np.repeat(np.arange(flat.size), rng.multinomial(people, flat / flat.sum()))
    )
    pick = np.repeat(person_cell, per_person)
    person_seq = np.repeat(np.arange(people), per_person)
    cell, eth = np.divmod(pick, len(ETHNIC_CODES))

    # Month: conditional on whether the cell's decile takes the last-quarter shock.
    n_months = len(w_plain)
    month = np.where(
        shocked[cell],
        rng.choice(n_months, size=rows, p=w_shock / w_shock.sum()),
        rng.choice(n_months, size=rows, p=w_plain / w_plain.sum()),
    )
    starts = np.array(month_starts(), dtype="datetime64[D]")
    month_len = np.append(starts[1:], np.datetime64(truth.END + timedelta(days=1))) - starts
    day = (rng.random(rows) * month_len[month].astype(int)).astype(int)
    referral_date = starts[month] + day.astype("timedelta64[D]")

    frame = pl.DataFrame(
        {
            "cell": cell,
            "true_ethnicity": np.asarray(ETHNIC_CODES)[eth],
            "referral_date": referral_date,
            "person_seq": person_seq,
        }
    )
    attrs = cells.select("lsoa", "sex", "age_band", "imd_decile").with_row_index("cell")
    joined = frame.join(
        attrs.with_columns(pl.col("cell").cast(pl.Int64)),
        on="cell",
        how="left",
        maintain_order="left",
    )
    return joined.drop("cell").with_columns(pl.col("referral_date").cast(pl.Date))
