"""The shipped Census 2021 tables match the published facts (resources/REFDATA_SOURCES.md),
their NHS mappings are complete, and the sex split keeps the ONS persons exactly.

Everything here reads the shipped Parquet files only, never the source folder.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl
import pytest

from rehabdash import refdata
from rehabdash.codes import ethnicity, marital, religion, sex_gender, sexual_orientation
from rehabdash.refdata import census

# Published England figures (README of the census source folder, ONS Census 2021).
USUAL_RESIDENTS_TS021 = 56_490_108  # the sum of the TS021 LSOA table
USUAL_RESIDENTS_PUBLISHED = 56_490_048
ETHNIC_BROAD = {
    "asian": 5_426_498,
    "black": 2_381_670,
    "mixed": 1_669_304,
    "white": 45_783_622,
    "other": 1_229_014,
}
RELIGION = {"no_religion": 20_715_678, "christian": 26_167_772, "muslim": 3_801_235}
DISABLED_EQUALITY_ACT = 9_774_486
TABLES = list(census.CENSUS_TABLES.values())


def _id(info: census.CensusTable) -> str:
    return f"{info.topic}-{info.geography}"


@pytest.mark.parametrize("info", TABLES, ids=_id)
def test_every_area_once_per_category(info: census.CensusTable) -> None:
    table = census.census_table(info.topic, info.geography)
    prefix = "E01" if info.geography == "lsoa" else "E02"
    assert info.areas == (33_755 if info.geography == "lsoa" else 6_856)
    assert table["area_code"].n_unique() == info.areas
    assert table["area_code"].str.starts_with(prefix).all()
    assert table.height == info.areas * len(info.categories)
    assert table.group_by("area_code", "category").len()["len"].max() == 1
    assert table.null_count().sum_horizontal().item() == 0
    assert table["count"].min() >= 0


@pytest.mark.parametrize("info", TABLES, ids=_id)
def test_categories_sum_to_each_rows_total(info: census.CensusTable) -> None:
    table = census.census_table(info.topic, info.geography)
    per_area = table.group_by("area_code").agg(
        pl.col("count").sum(), pl.col("total").n_unique().alias("totals"), pl.col("total").first()
    )
    assert (per_area["totals"] == 1).all()
    assert (per_area["count"] == per_area["total"]).all()


@pytest.mark.parametrize("info", TABLES, ids=_id)
def test_labels_groups_and_metadata_match_the_catalogue(info: census.CensusTable) -> None:
    table = census.census_table(info.topic, info.geography)
    pairs = table.select("category", "group", "label").unique(maintain_order=True)
    assert [tuple(str(v) for v in row) for row in pairs.iter_rows()] == [
        (c.key, c.group, c.label) for c in info.categories
    ]
    meta = pl.read_parquet_metadata(refdata.resource_path(info.resource))
    assert meta["table_id"] == info.table_id
    assert meta["year"] == "2021" == str(info.year)
    assert meta["base"] == info.base
    assert meta["attribution"] == census.CENSUS_ATTRIBUTION
    assert info.table_id in info.citation
    assert "2021" in info.citation
    assert set(census.CENSUS_GROUP_LABELS[info.topic]) == {c.group for c in info.categories}


def test_england_sums_agree_with_the_published_figures() -> None:
    ethnic = census.census_table("ethnic_group")
    totals = ethnic.group_by("area_code").agg(pl.col("total").first())["total"]
    assert totals.sum() == USUAL_RESIDENTS_TS021
    broad = dict(
        census.census_groups("ethnic_group")
        .group_by("group")
        .agg(pl.col("count").sum())
        .select(pl.col("group").cast(pl.String), "count")
        .iter_rows()
    )
    assert broad == ETHNIC_BROAD
    faith = census.census_table("religion").group_by("category").agg(pl.col("count").sum())
    got = dict(faith.select(pl.col("category").cast(pl.String), "count").iter_rows())
    assert {k: got[k] for k in RELIGION} == RELIGION
    disabled = census.census_groups("disability").filter(pl.col("group") == "disabled")
    assert disabled["count"].sum() == DISABLED_EQUALITY_ACT
    # Every all-residents table is within 0.01% of the published England population.
    for info in TABLES:
        if info.base == "All usual residents":
            table = census.census_table(info.topic, info.geography)
            total = table.group_by("area_code").agg(pl.col("total").first())["total"].sum()
            assert abs(total - USUAL_RESIDENTS_PUBLISHED) / USUAL_RESIDENTS_PUBLISHED < 1e-4


def test_msoa_ethnic_groups_agree_with_lsoa_in_england() -> None:
    lsoa = census.census_table("ethnic_group").group_by("category").agg(pl.col("count").sum())
    msoa = (
        census.census_table("ethnic_group", "msoa").group_by("category").agg(pl.col("count").sum())
    )
    both = lsoa.join(msoa, on="category", suffix="_msoa")
    # Separately perturbed: the England sums differ by a few hundred people at most.
    assert (both["count"] - both["count_msoa"]).abs().max() < 500


def test_every_census_category_maps_to_an_nhs_code_and_covers_the_nhs_list() -> None:
    keys = {topic: {c.key for c in cats} for topic, cats in census.CENSUS_CATEGORIES.items()}
    assert set(census.CENSUS_TO_NHS) == set(keys) - {"age"}
    for topic, mapping in census.CENSUS_TO_NHS.items():
        assert set(mapping) == keys[topic], topic
    # Each NHS code that can be a census category is reached; the rest have no census
    # counterpart (not stated / not known kinds the census imputes away).
    assert set(census.ETHNIC_GROUP_TO_NHS.values()) == set(ethnicity.CODES) - {"Z", "99"}
    assert set(census.RELIGION_TO_NHS_GROUP.values()) == set(religion.CENSUS_GROUPS.values()) - {
        "Not known"
    }
    assert set(census.PARTNERSHIP_TO_NHS_MARITAL.values()) == set(marital.MARITAL_STATUS.codes) - {
        "N",
        "X",
    }
    assert set(census.SEX_TO_NHS.values()) == set(sex_gender.SEX.codes) - {"9", "X"}
    assert set(census.SEXUAL_ORIENTATION_TO_NHS.values()) == set(
        sexual_orientation.SEXUAL_ORIENTATION.codes
    ) - {"U", "9"}
    assert census.SEXUAL_ORIENTATION_TO_NHS["not_answered"] in (
        sexual_orientation.SEXUAL_ORIENTATION.not_stated
    )
    assert census.RELIGION_TO_NHS_GROUP["not_answered"] == religion.CENSUS_GROUPS["M"]
    disabled = {c.key for c in census.CENSUS_CATEGORIES["disability"] if c.group == "disabled"}
    assert {k for k, v in census.DISABILITY_TO_EQUALITY_ACT.items() if v} == disabled


def test_nhs_broad_ethnic_groups_differ_from_the_census_only_for_chinese() -> None:
    differ = {
        c.key
        for c in census.CENSUS_CATEGORIES["ethnic_group"]
        if ethnicity.BROAD_GROUPS[census.ETHNIC_GROUP_TO_NHS[c.key]].lower() != c.group
    }
    assert differ == {"asian_chinese"}
    assert {
        census.ETHNIC_GROUP_TO_NHS[k] for k in ("white_gypsy_irish_traveller", "white_roma")
    } == {"C"}
    assert census.ETHNIC_GROUP_TO_NHS["other_arab"] == "S"


@pytest.mark.parametrize("topic", sorted(census.CENSUS_TO_NHS))
def test_nhs_denominators_keep_each_areas_total(topic: census.Topic) -> None:
    geography: census.Geography = "msoa" if topic == "sexual_orientation" else "lsoa"
    nhs = census.nhs_denominators(topic, geography)
    assert set(nhs["nhs"].unique()) == set(census.CENSUS_TO_NHS[topic].values())
    per_area = nhs.group_by("area_code").agg(pl.col("count").sum(), pl.col("total").first())
    assert (per_area["count"] == per_area["total"]).all()


def test_tables_not_published_at_a_geography_are_refused() -> None:
    with pytest.raises(ValueError, match="sexual_orientation at lsoa"):
        census.census_table("sexual_orientation")
    with pytest.raises(ValueError, match="no NHS mapping"):
        census.nhs_denominators("age")


def test_every_table_loads_quickly(record_property: pytest.RecordProperty) -> None:
    # Measured, not asserted (machines differ): see the junit properties / the report.
    for info in TABLES:
        start = time.perf_counter()
        table = census.census_table(info.topic, info.geography)
        record_property(f"load_ms_{_id(info)}", round((time.perf_counter() - start) * 1000, 1))
        assert table.height > 0


@pytest.fixture(scope="module")
def split() -> pl.DataFrame:
    return census.population_by_sex(2020)


def test_sex_split_keeps_persons_exactly_per_lsoa_and_band(split: pl.DataFrame) -> None:
    persons = refdata.population_persons(2020)
    assert split.height == 2 * persons.height
    assert set(split["sex"].unique()) == {"1", "2"}
    assert split["count"].min() >= 0
    summed = split.group_by("area_code", "age_band").agg(pl.col("count").sum())
    both = persons.join(
        summed, left_on=["lsoa", "age_band"], right_on=["area_code", "age_band"], how="full"
    )
    assert both.null_count().sum_horizontal().item() == 0
    assert (both["count"] == both["count_right"]).all()


def test_sex_split_uses_census_margins_where_the_lsoa_code_survived(split: pl.DataFrame) -> None:
    methods = split.group_by("method").agg(pl.col("area_code").n_unique())
    assert dict(methods.iter_rows()) == {"census_ipf": 31_810, "england_shares": 1_034}
    lsoa21 = set(census.census_table("sex")["area_code"])
    fitted = set(split.filter(pl.col("method") == "census_ipf")["area_code"])
    assert fitted <= lsoa21
    assert not set(split.filter(pl.col("method") == "england_shares")["area_code"]) & lsoa21


def test_sex_split_england_male_share_is_the_census_one(split: pl.DataFrame) -> None:
    sex = census.census_table("sex").group_by("category").agg(pl.col("count").sum())
    census_male = dict(sex.select(pl.col("category").cast(pl.String), "count").iter_rows())
    census_share = census_male["male"] / (census_male["male"] + census_male["female"])
    male = split.filter(pl.col("sex") == "1")["count"].sum()
    assert abs(male / split["count"].sum() - census_share) < 0.003
    by_band = (
        split.group_by("age_band")
        .agg(
            (((pl.col("sex") == "1") * pl.col("count")).sum() / pl.col("count").sum()).alias(
                "split_share"
            )
        )
        .join(census.england_male_shares(2020), on="age_band")
    )
    # TS008/TS007A give no sex by age: the reference is the seed fitted to their England
    # totals; the LSOA fits move each band by well under a percentage point.
    assert (by_band["split_share"] - by_band["male_share"]).abs().max() < 0.01
    shares = census.england_male_shares(2020)["male_share"].to_list()
    assert 0.50 < shares[0] < 0.52
    assert shares[-1] < shares[-2] < shares[-3] < 0.45


def test_ipf_fits_both_census_margins() -> None:
    margins = census._census_margins()
    ages = margins.select(census._AGE_KEYS).to_numpy().astype(float)
    males = margins["male_scaled"].to_numpy()
    _, odds18 = census._seed_odds(2020)
    share = census._male_share(odds18, census._ipf_factor(ages, males, odds18))
    assert np.abs((ages * share).sum(axis=1) - males).max() < 1e-6  # sex margin
    assert ((share >= 0) & (share <= 1)).all()  # rows keep the age margin by construction
