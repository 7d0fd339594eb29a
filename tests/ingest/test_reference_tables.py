"""Population, IMD and need tables into their long canonical forms."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from rehabdash.ingest import ImportFileError, prepare_imd, prepare_need, prepare_population


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_ons_single_years_summed_into_bands_from_workbook(tmp_path: Path) -> None:
    path = tmp_path / "sape.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Mid-2020 Males")
    sheet.merge_range("A1:F1", "Mid-2020 population estimates: males")
    header = ["LSOA Code", "LSOA Name", "All Ages", *[str(a) for a in range(90)], "90+"]
    sheet.write_row(3, 0, header)
    sheet.write_row(4, 0, ["E01000001", "City 001A", 200, *([2] * 90), 20])
    sheet.write_row(5, 0, ["E01000002", "City 001B", 100, *([1] * 90), "x"])
    book.close()
    result = prepare_population(path)
    rows = result.rows.filter(pl.col("area_code") == "E01000001")
    assert rows.height == 19
    assert set(rows["sex"]) == {"1"}
    assert set(rows["year"]) == {2020}
    assert rows.filter(pl.col("age_band") == "0-4")["count"].item() == 10
    assert rows.filter(pl.col("age_band") == "90+")["count"].item() == 20
    failure = result.failures.row(0, named=True)
    assert (failure["source_row"], failure["column"], failure["rule"], failure["severity"]) == (
        6,
        "90+",
        "count_not_a_number",
        "rejected",
    )
    assert result.rejected_source["source_row"].to_list() == [6]
    assert any("all-ages" in n for n in result.notes)


def test_ons_five_year_persons_with_year_column(tmp_path: Path) -> None:
    bands = [
        "age_00_04",
        "age_05_09",
        *[f"age_{a:02d}_{a + 4:02d}" for a in range(10, 90, 5)],
        "age_90_plus",
    ]
    text = "lsoa11_code,mid_year," + ",".join(bands) + ",all_ages\n"
    text += "E01000001,2019," + ",".join(["10"] * 19) + ",190\n"
    result = prepare_population(_write(tmp_path / "pop.csv", text))
    assert result.rows.height == 19
    assert result.rows["sex"].unique().to_list() == ["P"]
    assert result.rows["count"].sum() == 190
    assert result.rows.schema == {
        "area_code": pl.Utf8,
        "sex": pl.Utf8,
        "age_band": pl.Utf8,
        "count": pl.Int64,
        "year": pl.Int16,
    }


def test_ons_sex_and_age_in_header(tmp_path: Path) -> None:
    text = "LSOA 2021 Code,Total,F0,F1,F90,M0,M90\nE01000001,15,1,2,3,4,5\n"
    result = prepare_population(_write(tmp_path / "sapelsoasyoa2022.csv", text))
    got = {(r["sex"], r["age_band"]): r["count"] for r in result.rows.iter_rows(named=True)}
    assert got == {("2", "0-4"): 3, ("2", "90+"): 3, ("1", "0-4"): 4, ("1", "90+"): 5}
    assert set(result.rows["year"]) == {2022}


def test_gp_registered_long_format(tmp_path: Path) -> None:
    text = (
        "PUBLICATION,EXTRACT_DATE,ORG_CODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\n"
        "GP,01OCT2024,B86001,MALE,0_4,10\n"
        "GP,01OCT2024,B86001,FEMALE,90_94,5\n"
        "GP,01OCT2024,B86001,FEMALE,95+,2\n"
        "GP,01OCT2024,B86001,ALL,ALL,17\n"
        "GP,01OCT2024,B86001,MALE,5_9,-1\n"
    )
    result = prepare_population(_write(tmp_path / "gp.csv", text))
    got = {(r["sex"], r["age_band"]): r["count"] for r in result.rows.iter_rows(named=True)}
    assert got == {("1", "0-4"): 10, ("2", "90+"): 7}
    assert set(result.rows["year"]) == {2024}
    failure = result.failures.row(0, named=True)
    assert (failure["source_row"], failure["rule"], failure["column"]) == (
        6,
        "count_negative",
        "NUMBER_OF_PATIENTS",
    )


def test_population_refuses_unsplittable_band(tmp_path: Path) -> None:
    text = "LSOA code,0-4,5-84,85+\nE01000001,1,2,3\n"
    with pytest.raises(ImportFileError, match="'5-84'"):
        prepare_population(_write(tmp_path / "pop.csv", text), year=2020)


def test_population_needs_a_year(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="year"):
        prepare_population(_write(tmp_path / "pop.csv", "LSOA code,0-4\nE01000001,1\n"))


def test_imd_file7_layout_detects_edition(tmp_path: Path) -> None:
    header = (
        "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
        "Index of Multiple Deprivation (IMD) Score,"
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
        "Income Score (rate),Income Rank (where 1 is most deprived),"
        "Income Decile (where 1 is most deprived 10% of LSOAs)\n"
    )
    body = (
        "E01000001,City of London 001A,E09000001,6.208,29199,9,0.007,32831,10\n"
        "E01000002,City of London 001B,E09000001,5.143,30379,10,0.034,29901,10\n"
        "W01000001,Wales,W06000001,1,1,1,1,1,1\n"
        "E01000003,x,E09000001,abc,0,11,1,1,1\n"
    )
    result = prepare_imd(_write(tmp_path / "File_7.csv", header + body))
    assert result.rows.rows() == [
        ("E01000001", 29199, 9, 6.208, 2019, 2011),
        ("E01000002", 30379, 10, 5.143, 2019, 2011),
    ]
    rules = set(zip(result.failures["source_row"], result.failures["rule"], strict=True))
    assert rules == {
        (4, "lsoa_wales"),
        (5, "rank_invalid"),
        (5, "decile_invalid"),
        (5, "score_not_a_number"),
    }


def test_imd_2021_lsoas_mean_2025_and_contradiction_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "imd.csv", "LSOA code (2021),IMD Rank\nE01000001,26525\n")
    result = prepare_imd(path)
    assert result.rows.row(0) == ("E01000001", 26525, 8, None, 2025, 2021)
    assert any("derived" in n for n in result.notes)
    with pytest.raises(ImportFileError, match="LSOA 2011 codes but"):
        prepare_imd(path, edition=2019)


def test_plain_lsoa_decile_table_needs_edition(tmp_path: Path) -> None:
    path = _write(tmp_path / "deciles.csv", "LSOA,Decile\nE01000001,3\nE01000001,4\n")
    with pytest.raises(ImportFileError, match="edition"):
        prepare_imd(path)
    result = prepare_imd(path, edition=2019)
    assert result.rows.is_empty()
    assert result.failures["rule"].to_list() == ["duplicate_lsoa", "duplicate_lsoa"]


def test_need_weights(tmp_path: Path) -> None:
    text = (
        "Age band,Sex,Weight,Condition group\n0-4,Male,0.5,MSK\n90+,F,3,MSK\n"
        "16-64,M,1,MSK\n0-4,Male,0.7,MSK\n5-9,P,-1,\n"
    )
    result = prepare_need(_write(tmp_path / "need.csv", text))
    assert result.rows.rows() == [("90+", "2", 3.0, "MSK")]
    rules = set(zip(result.failures["source_row"], result.failures["rule"], strict=True))
    assert rules == {
        (4, "age_invalid"),
        (2, "duplicate_band"),
        (5, "duplicate_band"),
        (6, "weight_negative"),
    }
