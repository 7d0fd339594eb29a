"""The shipped national tables match the published facts (resources/REFDATA_SOURCES.md)."""

from __future__ import annotations

import polars as pl

from rehabdash import refdata


def test_imd2019_facts() -> None:
    imd = refdata.imd(2019)
    assert imd.height == 32_844
    assert imd["lsoa"].n_unique() == 32_844
    first = imd.filter(pl.col("lsoa") == "E01000001").row(0, named=True)
    assert (first["imd_score"], first["imd_rank"], first["imd_decile"]) == (6.208, 29_199, 9)
    sizes = imd.group_by("imd_decile").len()["len"].to_list()
    assert set(sizes) <= {3_284, 3_285}
    assert (imd["imd_decile"] == (imd["imd_rank"] / 3_284.4).ceil().cast(pl.Int8)).all()


def test_imd2025_facts() -> None:
    imd = refdata.imd(2025)
    assert imd.height == 33_755
    assert sorted(imd["imd_rank"].to_list()) == list(range(1, 33_756))
    first = imd.filter(pl.col("lsoa") == "E01000001").row(0, named=True)
    assert (first["imd_score"], first["imd_rank"], first["imd_decile"]) == (8.742, 26_525, 8)


def test_lookups_cover_42_icbs() -> None:
    for vintage, rows in ((2011, 32_844), (2021, 33_755)):
        lookup = refdata.lsoa_lookup(vintage)
        assert lookup.height == rows
        assert lookup["icb_code"].n_unique() == 42
        assert lookup.null_count().sum_horizontal().item() == 0
    # every sub-ICB location sits in exactly one ICB
    per_sicb = refdata.lsoa_lookup(2021).group_by("sicb_code").agg(pl.col("icb_code").n_unique())
    assert (per_sicb["icb_code"] == 1).all()


def test_population_totals() -> None:
    assert refdata.population_persons(2019)["count"].sum() == 56_286_961
    assert refdata.population_persons(2020)["count"].sum() == 56_550_138
    assert refdata.population_persons(2020)["age_band"].unique().sort().to_list() == sorted(
        refdata.AGE_BANDS
    )


def test_esp2013_sums_to_100000() -> None:
    esp = refdata.esp2013()
    assert esp.height == 19
    assert esp["esp2013_population"].sum() == 100_000
    assert esp["age_band"].to_list() == list(refdata.AGE_BANDS)


def test_west_yorkshire() -> None:
    icb = next(i for i in refdata.icbs() if i.ods_code == "QWO")
    assert icb.lsoas == 1_417
    assert "West Yorkshire" in icb.name
    practices = refdata.gp_practices().filter(pl.col("icb_ods_code") == "QWO")
    assert practices.height > 200
