"""The shipped small-area lookups (LSOA 2011 -> 2021, LSOA 2021 -> MSOA 2021) are complete
and agree with the census, and census_shares carries every group share onto both LSOA
vintages (resources/REFDATA_SOURCES.md).

Everything here reads the shipped Parquet files only, never the source folder.
"""

from __future__ import annotations

import json
import time

import polars as pl
import pytest

from rehabdash import refdata
from rehabdash.refdata import build, census, geography

TOPICS = sorted(census.CENSUS_TO_NHS)
VINTAGES: tuple[refdata.Vintage, ...] = (2011, 2021)


@pytest.fixture(scope="module")
def pairs() -> pl.DataFrame:
    return refdata.lsoa11_to_lsoa21()


@pytest.fixture(scope="module")
def msoa() -> pl.DataFrame:
    return refdata.lsoa_to_msoa()


# --- LSOA 2011 -> LSOA 2021 -------------------------------------------------------------


def test_lsoa11_lsoa21_covers_both_vintages(pairs: pl.DataFrame) -> None:
    assert pairs.columns == ["lsoa11", "lsoa21", "change", "lad22"]
    assert all(dtype == pl.String for dtype in pairs.dtypes)
    assert pairs.height == 33_855
    assert pairs.null_count().sum_horizontal().item() == 0
    assert pairs.is_duplicated().sum() == 0
    assert set(pairs["lsoa11"]) == set(refdata.lsoa_lookup(2011)["lsoa"])
    assert set(pairs["lsoa11"]) == set(refdata.imd(2019)["lsoa"])
    assert pairs["lsoa11"].n_unique() == geography.LSOA11_AREAS
    assert set(pairs["lsoa21"]) == set(refdata.lsoa_lookup(2021)["lsoa"])
    assert set(pairs["lsoa21"]) == set(census.census_table("sex")["area_code"])
    assert pairs["lsoa21"].n_unique() == geography.LSOA21_AREAS
    assert pairs["lad22"].str.starts_with("E0").all()
    assert pairs.equals(pairs.sort("lsoa11", "lsoa21"))


def test_change_indicator_matches_each_pairs_cardinality(pairs: pl.DataFrame) -> None:
    counts = dict(pairs["change"].value_counts().iter_rows())
    assert counts == {"U": 31_810, "S": 1_842, "M": 194, "X": 9}
    card = pairs.with_columns(
        pl.len().over("lsoa21").alias("n11"), pl.len().over("lsoa11").alias("n21")
    )
    unchanged = card.filter(pl.col("change") == "U")
    assert (unchanged["lsoa11"] == unchanged["lsoa21"]).all()
    assert ((unchanged["n11"] == 1) & (unchanged["n21"] == 1)).all()
    split = card.filter(pl.col("change") == "S")
    assert ((split["n11"] == 1) & (split["n21"] > 1)).all()
    merged = card.filter(pl.col("change") == "M")
    assert ((merged["n11"] > 1) & (merged["n21"] == 1)).all()
    assert set(pairs["change"]) == set(geography.CHANGE_INDICATORS)


def test_loaders_return_copies(pairs: pl.DataFrame) -> None:
    mine = refdata.lsoa11_to_lsoa21()
    mine.drop_in_place("lad22")
    assert refdata.lsoa11_to_lsoa21().columns == pairs.columns


# --- LSOA 2021 -> MSOA 2021 -------------------------------------------------------------


def test_every_lsoa21_in_exactly_one_msoa_and_every_msoa_used(msoa: pl.DataFrame) -> None:
    assert msoa.columns == ["lsoa21", "msoa21"]
    assert msoa.height == msoa["lsoa21"].n_unique() == geography.LSOA21_AREAS == 33_755
    assert msoa.null_count().sum_horizontal().item() == 0
    assert set(msoa["lsoa21"]) == set(census.census_table("sex")["area_code"])
    assert msoa["msoa21"].n_unique() == geography.MSOA21_AREAS == 6_856
    assert set(msoa["msoa21"]) == set(census.census_table("ethnic_group", "msoa")["area_code"])
    per_msoa = msoa.group_by("msoa21").len()["len"]
    assert per_msoa.min() >= 1
    assert per_msoa.sum() == msoa.height


def test_msoas_nest_in_local_authorities(msoa: pl.DataFrame, pairs: pl.DataFrame) -> None:
    lad = pairs.select("lsoa21", "lad22").unique()
    nested = msoa.join(lad, on="lsoa21").group_by("msoa21").agg(pl.col("lad22").n_unique())
    assert nested["lad22"].max() == 1


def test_lsoa_sums_to_msoa_agree_with_the_msoa_census_table(msoa: pl.DataFrame) -> None:
    stats = build.check_msoa_against_census(
        msoa, census.census_table("ethnic_group"), census.census_table("ethnic_group", "msoa")
    )
    assert stats["msoas"] == 6_856
    assert stats["cells"] == 6_856 * 19
    # ONS perturbs the LSOA and MSOA tables separately (census README: within 19 people).
    assert stats["max_cell_difference"] <= build.MSOA_CENSUS_TOLERANCE
    assert stats["max_total_difference"] <= build.MSOA_CENSUS_TOLERANCE
    meta = pl.read_parquet_metadata(refdata.resource_path(geography.LSOA21_MSOA21_RESOURCE))
    assert json.loads(meta["census_check"]) == stats
    assert meta["attribution"] == geography.GEOGRAPHY_ATTRIBUTION


def test_a_wrong_lookup_fails_the_census_check(msoa: pl.DataFrame) -> None:
    # Swap two LSOAs between MSOAs: the sums no longer agree.
    a, b = msoa.row(0), msoa.filter(pl.col("msoa21") != msoa["msoa21"][0]).row(0)
    wrong = msoa.with_columns(
        pl.when(pl.col("lsoa21") == a[0])
        .then(pl.lit(b[1]))
        .when(pl.col("lsoa21") == b[0])
        .then(pl.lit(a[1]))
        .otherwise(pl.col("msoa21"))
        .alias("msoa21")
    )
    with pytest.raises(build.GeographyCheckError, match="differ from the MSOA TS021"):
        build.check_msoa_against_census(
            wrong, census.census_table("ethnic_group"), census.census_table("ethnic_group", "msoa")
        )


# --- census_shares ----------------------------------------------------------------------


@pytest.mark.parametrize("vintage", VINTAGES)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_lsoa_gets_a_share_for_every_group(
    topic: census.Topic, vintage: refdata.Vintage
) -> None:
    shares = census.census_shares(topic, vintage)
    assert shares.columns == ["area_code", "nhs", "count", "total", "share"]
    assert shares.schema["count"] == shares.schema["share"] == pl.Float64
    areas = geography.LSOA11_AREAS if vintage == 2011 else geography.LSOA21_AREAS
    codes = set(census.CENSUS_TO_NHS[topic].values())
    assert shares["area_code"].n_unique() == areas
    assert set(shares["area_code"]) == set(refdata.lsoa_lookup(vintage)["lsoa"])
    assert set(shares["nhs"]) == codes
    assert shares.height == areas * len(codes)
    assert shares.null_count().sum_horizontal().item() == 0
    assert not shares["share"].is_nan().any()
    assert shares["share"].min() >= 0
    assert shares["share"].max() <= 1
    assert (shares["total"] > 0).all()
    per_area = shares.group_by("area_code").agg(
        pl.col("share").sum(), pl.col("total").n_unique().alias("totals")
    )
    assert (per_area["share"] - 1).abs().max() < 1e-9
    assert (per_area["totals"] == 1).all()
    assert shares.equals(shares.sort("area_code", "nhs"))


@pytest.mark.parametrize("topic", TOPICS)
def test_2021_shares_are_the_census_denominators(topic: census.Topic) -> None:
    shares = census.census_shares(topic, 2021)
    if topic == "sexual_orientation":
        # Each LSOA takes its MSOA's counts: the share is the MSOA's.
        nhs = census.nhs_denominators(topic, "msoa")
        expected = refdata.lsoa_to_msoa().join(nhs, left_on="msoa21", right_on="area_code")
        expected = expected.select(pl.col("lsoa21").alias("area_code"), "nhs", "count", "total")
    else:
        expected = census.nhs_denominators(topic, "lsoa")
    both = shares.join(expected, on=["area_code", "nhs"], how="full", suffix="_census")
    assert both.height == shares.height == expected.height
    assert (both["count"] == both["count_census"]).all()
    assert (both["total"] == both["total_census"]).all()
    assert (both["share"] == both["count_census"] / both["total_census"]).all()


@pytest.mark.parametrize("topic", TOPICS)
def test_unchanged_lsoas_keep_their_2021_share_exactly(
    topic: census.Topic, pairs: pl.DataFrame
) -> None:
    unchanged = pairs.filter(pl.col("change") == "U").select(pl.col("lsoa11").alias("area_code"))
    old = unchanged.join(census.census_shares(topic, 2011), on="area_code")
    new = unchanged.join(census.census_shares(topic, 2021), on="area_code")
    assert old.height == new.height == 31_810 * len(set(census.CENSUS_TO_NHS[topic].values()))
    assert old.equals(new)


@pytest.mark.parametrize("topic", TOPICS)
def test_split_lsoas_sum_their_2021_parts(topic: census.Topic, pairs: pl.DataFrame) -> None:
    split = pairs.filter(pl.col("change") == "S").select("lsoa11", "lsoa21")
    assert split["lsoa11"].n_unique() == 834
    parts = (
        split.join(census.census_shares(topic, 2021), left_on="lsoa21", right_on="area_code")
        .group_by("lsoa11", "nhs")
        .agg(pl.col("count", "total").sum())
    )
    old = parts.join(
        census.census_shares(topic, 2011),
        left_on=["lsoa11", "nhs"],
        right_on=["area_code", "nhs"],
        suffix="_2011",
    )
    assert old.height == parts.height == 834 * len(set(census.CENSUS_TO_NHS[topic].values()))
    assert (old["count"] == old["count_2011"]).all()
    assert (old["total"] == old["total_2011"]).all()


@pytest.mark.parametrize("topic", TOPICS)
def test_merged_lsoas_share_their_2021_lsoa_evenly(
    topic: census.Topic, pairs: pl.DataFrame
) -> None:
    merged = pairs.filter(pl.col("change") == "M").select("lsoa11", "lsoa21")
    new = census.census_shares(topic, 2021).rename({"area_code": "lsoa21"})
    old = census.census_shares(topic, 2011).rename({"area_code": "lsoa11"})
    both = merged.join(new, on="lsoa21").join(old, on=["lsoa11", "nhs"], suffix="_2011")
    assert (both["count_2011"] == both["count"] / 2).all()
    assert (both["share_2011"] == both["share"]).all()


@pytest.mark.parametrize("topic", TOPICS)
def test_2011_mapping_keeps_the_2021_sums(topic: census.Topic) -> None:
    sums = {
        vintage: census.census_shares(topic, vintage)
        .group_by("nhs")
        .agg(pl.col("count").sum())
        .sort("nhs")
        for vintage in VINTAGES
    }
    assert (sums[2011]["nhs"] == sums[2021]["nhs"]).all()
    assert (sums[2011]["count"] - sums[2021]["count"]).abs().max() < 1e-6


def test_england_shares_agree_with_the_published_figures() -> None:
    shares = census.census_shares("ethnic_group", 2011)
    white_british = shares.filter(pl.col("nhs") == "A")["count"].sum()
    everyone = shares.group_by("area_code").agg(pl.col("total").first())["total"].sum()
    assert everyone == pytest.approx(56_490_108)
    assert 0.73 < white_british / everyone < 0.74  # 73.5% White British in England


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="no NHS mapping"):
        census.census_shares("age")
    with pytest.raises(ValueError, match="2011 or 2021"):
        census.census_shares("sex", 2001)  # type: ignore[arg-type]


def test_shares_are_cached_copies(record_property: pytest.RecordProperty) -> None:
    first = census.census_shares("religion", 2011)
    first.drop_in_place("share")
    again = census.census_shares("religion", 2011)
    assert again.columns == ["area_code", "nhs", "count", "total", "share"]
    for topic in TOPICS:
        for vintage in VINTAGES:
            census.census_shares(topic, vintage)
            start = time.perf_counter()
            census.census_shares(topic, vintage)
            elapsed = time.perf_counter() - start
            record_property(f"cached_ms_{topic}_{vintage}", round(elapsed * 1000, 2))
            assert elapsed < 0.5
