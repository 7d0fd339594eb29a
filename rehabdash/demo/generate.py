"""Assemble the demo ICB: real areas and population, synthetic people and referrals.

The result holds what a provider's system would know (clear local ids, NHS numbers,
dates of birth: the extract writer uses those) next to what the store keeps after
pseudonymisation (see rehabdash.demo.build). ``plant=False`` gives the no-inequity demo
(rehabdash.demo.truth says what that keeps: need by age and sex, and the recording noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from rehabdash import refdata
from rehabdash.demo.activity import draw_referrals
from rehabdash.demo.census_mix import DemoCensus, demo_census
from rehabdash.demo.pathway import add_pathway, provider_for_lad
from rehabdash.demo.population import icb_areas, icb_population, resolve_icb
from rehabdash.demo.recording import record_person_characteristics

__all__ = ["DemoData", "age_band_expr", "generate", "nhs_check_digit"]


@dataclass(frozen=True)
class DemoData:
    icb: refdata.Icb
    seed: int
    areas: pl.DataFrame  # one row per LSOA: lookup and IMD 2019
    population: pl.DataFrame  # lsoa, sex, age_band, count (mid-2020)
    referrals: pl.DataFrame  # one row per referral, clear identifiers included
    planted: bool = True  # False: the no-inequity demo (nothing of truth.py planted)


def age_band_expr(age: pl.Expr) -> pl.Expr:
    """ESP 2013 band label ("0-4" ... "85-89", "90+") for an age in whole years."""
    low = (age.clip(0, 90) // 5 * 5).cast(pl.Int32)
    return (
        pl.when(age >= 90)
        .then(pl.lit("90+"))
        .otherwise(low.cast(pl.Utf8) + "-" + (low + 4).cast(pl.Utf8))
    )


def nhs_check_digit(base9: np.ndarray) -> np.ndarray:
    """Modulus 11 check digit for 9-digit bases (10 means the base is unusable)."""
    digits = (base9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    remainder = (digits * np.arange(10, 1, -1)).sum(axis=1) % 11
    check = 11 - remainder
    return np.where(check == 11, 0, check)


def _nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    if n >= 999_999:
        return _many_nhs_numbers(rng, n)
    # 999 numbers are reserved for testing and never issued to a patient.
    base = 999_000_000 + rng.choice(999_999, size=n, replace=False)
    check = nhs_check_digit(base)
    base = np.where(check == 10, base - 1_000_000, base)  # 998... also unissued test range
    check = nhs_check_digit(base)
    return np.where(check == 10, -1, base * 10 + check)


def _many_nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """More people than the 999 test range holds (a 10M-referral benchmark store): unique
    valid numbers from 990 000 000 0 to 999 999 999 9. England issues numbers beginning
    4 to 7 (and Scotland and Northern Ireland theirs below 400), so none of these is a
    patient's."""
    base = 990_000_000 + rng.permutation(10_000_000)
    base = base[nhs_check_digit(base) != 10]
    if base.size < n:
        raise ValueError(f"the demo can make at most {base.size:,} people, not {n:,}")
    base = base[:n]
    return base * 10 + nhs_check_digit(base)


def _people(
    refs: pl.DataFrame, areas: pl.DataFrame, census: DemoCensus, rng: np.random.Generator
) -> pl.DataFrame:
    people = (
        refs.sort("referral_date")
        .group_by("person_seq", maintain_order=True)
        .agg(pl.first("lsoa", "sex", "age_band", "true_ethnicity", "referral_date"))
        .join(
            areas.select("lsoa", "lad_name", "sicb_ods_code"),
            on="lsoa",
            how="left",
            maintain_order="left",
        )
    )
    n = people.height
    low = people["age_band"].str.extract(r"^(\d+)").cast(pl.Int32).to_numpy()
    width = np.where(low == 90, 11, 5)
    age = low + (rng.random(n) * width).astype(int)
    first_ref = people["referral_date"].to_numpy().astype("datetime64[D]")
    dob = first_ref - (age * 365.25 + rng.random(n) * 364).astype("timedelta64[D]")
    nhs = _nhs_numbers(rng, n)
    people = people.with_columns(
        pl.Series("age", age, dtype=pl.Int32),
        pl.Series("date_of_birth", dob).cast(pl.Date),
        provider_for_lad(people["lad_name"].fill_null("Unknown")).alias("provider_code"),
        ("RX" + (pl.col("person_seq") + 1_000_001).cast(pl.Utf8)).alias("person_id"),
        pl.Series("nhs_number", np.where((rng.random(n) < 0.85) & (nhs > 0), nhs, -1))
        .cast(pl.Utf8)
        .replace("-1", None)
        .alias("nhs_number"),
    )
    people = record_person_characteristics(
        people.rename({"sex": "true_sex"}).with_columns(pl.col("true_sex").alias("sex")),
        rng,
        census,
    )
    return people.with_columns(_gp_practice(people, rng))


def _gp_practice(people: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    practices = refdata.gp_practices().filter(pl.col("status") == "A")
    by_sicb = (
        practices.sort("practice_code")
        .group_by("sicb_ods_code")
        .agg("practice_code")
        .sort("sicb_ods_code")
    )
    lists = dict(by_sicb.iter_rows())
    sicb = people["sicb_ods_code"].to_numpy()
    out = np.full(people.height, None, dtype=object)
    for code, codes in lists.items():
        sel = sicb == code
        out[sel] = np.asarray(codes)[rng.integers(0, len(codes), int(sel.sum()))]
    out[rng.random(people.height) < 0.01] = None
    return pl.Series("gp_practice", out.tolist(), dtype=pl.Utf8)  # object array: via a list


def _referral_ids(df: pl.DataFrame) -> pl.DataFrame:
    df = df.sort("referral_date", "person_seq")
    return df.with_columns(
        (
            pl.col("provider_code")
            + "-"
            + (pl.int_range(pl.len()).over("provider_code") + 100_001).cast(pl.Utf8)
        ).alias("referral_id")
    )


def generate(
    icb: str = "QWO", rows: int = 200_000, seed: int = 2025, *, plant: bool = True
) -> DemoData:
    """The demo ICB with ``rows`` referrals, the same for the same arguments; with
    ``plant=False`` none of truth.py's inequities are planted."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    found = resolve_icb(icb)
    areas = icb_areas(found)
    population = icb_population(areas)
    cells = population.join(areas.select("lsoa", "imd_decile"), on="lsoa", maintain_order="left")
    census = demo_census(areas)
    refs = draw_referrals(cells, rows, rng, census, plant=plant)
    people = _people(refs, areas, census, rng)
    person_cols = [
        c for c in people.columns if c not in ("lsoa", "age_band", "referral_date", "age")
    ]
    df = (
        refs.drop("sex", "true_ethnicity")
        .join(
            people.select(*person_cols, pl.col("date_of_birth").alias("dob")),
            on="person_seq",
            maintain_order="left",
        )
        .drop("dob")
    )
    # Whole years at referral: a birthday counts from its month and day (not the day of the
    # year, which shifts by one after February in a leap year), as an import counts it.
    ref, dob = pl.col("referral_date"), pl.col("date_of_birth")
    before_birthday = (ref.dt.month().cast(pl.Int32) * 100 + ref.dt.day()) < (
        dob.dt.month().cast(pl.Int32) * 100 + dob.dt.day()
    )
    years = ref.dt.year() - dob.dt.year() - before_birthday.cast(pl.Int32)
    df = df.with_columns(years.clip(0, 120).cast(pl.Int16).alias("age"))
    df = df.with_columns(age_band_expr(pl.col("age")).alias("age_band"))
    df = add_pathway(df, rng, plant=plant)
    female_16_45 = (pl.col("sex") == "2") & pl.col("age").is_between(16, 45)
    u = pl.Series(rng.random(df.height))
    df = df.with_columns(
        pl.when(female_16_45 & (u < 0.03))
        .then(pl.lit("Y"))
        .when(female_16_45 & (u < 0.63))
        .then(pl.lit("N"))
        .when(female_16_45)
        .then(pl.lit("X"))
        .alias("pregnancy"),
        # Address gaps: 0.4% no LSOA at all; 0.1% a malformed one (the extract shows it,
        # the store holds NULL for it).
        pl.when(u > 0.996).then(None).otherwise(pl.col("lsoa")).alias("lsoa"),
        pl.when(u.is_between(0.995, 0.996))
        .then(pl.col("lsoa").str.slice(0, 7))
        .when(u > 0.996)
        .then(None)
        .otherwise(pl.col("lsoa"))
        .alias("lsoa_as_recorded"),
    )
    df = df.with_columns(
        pl.when(pl.col("lsoa_as_recorded") != pl.col("lsoa"))
        .then(None)
        .otherwise(pl.col("lsoa"))
        .alias("lsoa")
    )
    return DemoData(found, seed, areas, population, _referral_ids(df), planted=plant)
