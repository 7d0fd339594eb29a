"""The denominator of a rate: the imported population when it covers the areas, else the
shipped ONS estimates split by sex; each named with its source and year."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from rehabdash.codes.age import AGE_BANDS
from rehabdash.plan.denominators import population_denominator
from rehabdash.refdata import population_persons

AREAS = ["E01000001", "E01000002"]


def _imported(
    year: int, batch: int, sexes: tuple[str, ...] = ("1", "2"), count: float = 10.0
) -> pl.DataFrame:
    rows = [
        (area, sex, band, count, year, batch)
        for area in AREAS
        for sex in sexes
        for band in AGE_BANDS
    ]
    return pl.DataFrame(
        rows, schema=["area_code", "sex", "age_band", "count", "year", "batch_id"], orient="row"
    )


def test_imported_population_of_the_latest_year_before_the_period() -> None:
    imported = pl.concat([_imported(2021, 3), _imported(2023, 5, count=12.0), _imported(2025, 7)])
    denom = population_denominator(AREAS, date(2024, 4, 1), imported)
    assert denom.year == 2023
    assert denom.batches == (5,)
    assert denom.source == "imported population, mid-2023 (batch 5)"
    assert denom.total == pytest.approx(2 * 2 * 19 * 12.0)


def test_shipped_population_when_the_import_does_not_cover_every_area() -> None:
    partial = _imported(2023, 5).filter(pl.col("area_code") == AREAS[0])
    denom = population_denominator(AREAS, date(2024, 4, 1), partial)
    assert denom.year == 2020
    assert denom.batches == ()
    assert denom.source.startswith("ONS LSOA 2011 population, mid-2020 (shipped)")
    persons = population_persons(2020).filter(pl.col("lsoa").is_in(AREAS))
    assert denom.total == pytest.approx(float(persons["count"].sum()))  # the split keeps persons
    assert set(denom.frame["sex"].unique().to_list()) == {"1", "2"}


def test_shipped_year_on_or_before_the_period_else_the_earliest() -> None:
    assert population_denominator(AREAS, date(2019, 4, 1)).year == 2019
    early = population_denominator(AREAS, date(2017, 4, 1))
    assert early.year == 2019
    assert any("after the period starts" in n for n in early.notes)


def test_persons_only_import_is_split_by_sex_keeping_its_total() -> None:
    persons = _imported(2022, 4, sexes=("P",), count=100.0)
    denom = population_denominator(AREAS, date(2024, 4, 1), persons)
    assert denom.total == pytest.approx(2 * 19 * 100.0)
    male = denom.frame.filter(pl.col("sex") == "1")["count"].sum()
    assert 0.4 * denom.total < male < 0.6 * denom.total
    assert "split by sex" in denom.source


def test_areas_without_any_population_are_refused() -> None:
    with pytest.raises(ValueError, match="none of the 1 areas has a population"):
        population_denominator(["E01999999"], date(2024, 4, 1))
    with pytest.raises(ValueError, match="no areas"):
        population_denominator([], date(2024, 4, 1))
    some = population_denominator([AREAS[0], "E01999999"], date(2024, 4, 1))
    assert any("1 of the 2 areas have no shipped population" in n for n in some.notes)
