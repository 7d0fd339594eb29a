"""prepare_activity as the store will call it: outputs, progress, cancel, rejects export."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest
from ingest_helpers import KEY, TODAY, CsvMaker, row

from rehabdash.ingest import ImportCancelled, prepare_activity
from rehabdash.ingest.fields import ACTIVITY_OUTPUT_SCHEMA


def test_output_columns_order_and_dtypes(make_csv: CsvMaker) -> None:
    result = prepare_activity(make_csv([row()]), key=KEY, today=TODAY)
    assert result.rows.schema == ACTIVITY_OUTPUT_SCHEMA
    accepted = result.rows.row(0, named=True)
    assert accepted["age"] == 73
    assert accepted["age_band"] == "70-74"
    assert accepted["ethnic_category"] == "A"
    assert accepted["lsoa"] == "E01000001"
    assert result.rows_read == 1
    assert len(result.file_sha256) == 64
    assert result.kind == "activity"


def test_age_at_referral_counts_birthdays(make_csv: CsvMaker) -> None:
    rows = [
        row(Referral_ID="R1", DOB="01/03/1950"),
        row(Referral_ID="R2", DOB="02/03/1950"),
        row(Referral_ID="R3", DOB="01/03/1934"),
        row(Referral_ID="R4", DOB="01/03/2020"),
    ]
    result = prepare_activity(make_csv(rows), key=KEY, today=TODAY)
    ages = result.rows.sort("referral_id").select("age", "age_band").rows()
    assert ages == [(74, "70-74"), (73, "70-74"), (90, "90+"), (4, "0-4")]


def test_progress_is_reported_and_cancel_is_honoured(make_csv: CsvMaker) -> None:
    path = make_csv([row()])
    seen: list[tuple[float, str]] = []
    prepare_activity(path, key=KEY, today=TODAY, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] >= 3

    with pytest.raises(ImportCancelled):
        prepare_activity(path, key=KEY, today=TODAY, cancel=cancel)
    assert calls["n"] == 3


def test_rejects_export_csv_and_xlsx(make_csv: CsvMaker, tmp_path: Path) -> None:
    path = make_csv([row(), row(Referral_ID="R2", Referral_Date="soon", Patient_ID="Zoë")])
    result = prepare_activity(path, key=KEY, today=TODAY)
    csv_path = result.write_rejects(tmp_path / "rejects.csv")
    back = pl.read_csv(csv_path, infer_schema=False)
    assert back.columns[0] == "source_row"
    assert back["Patient ID"].to_list() == ["Zoë"]
    assert back["Referral Date"].to_list() == ["soon"]
    assert "not a date" in back["reasons"][0]
    xlsx_path = result.write_rejects(tmp_path / "rejects.xlsx")
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][-1] == "reasons"
    assert sheet.cell(row=2, column=1).value == 3


def test_rejects_file_can_be_fixed_and_reimported(make_csv: CsvMaker, tmp_path: Path) -> None:
    path = make_csv([row(), row(Referral_ID="R2", Referral_Date="31/02/2024")])
    result = prepare_activity(path, key=KEY, today=TODAY)
    rejects = result.rejected_source.with_columns(pl.lit("28/02/2024").alias("Referral Date"))
    fixed = tmp_path / "fixed.csv"
    rejects.drop("source_row", "reasons").write_csv(fixed)
    again = prepare_activity(fixed, key=KEY, today=TODAY)
    assert again.rows_accepted == 1
    assert again.rows["referral_id"].to_list() == ["R2"]


def test_invalid_codes_do_not_reject(make_csv: CsvMaker) -> None:
    rows = [
        row(Ethnicity="White - British"),
        row(Referral_ID="R2", Ethnicity="WHITE BRITISH"),
        row(Referral_ID="R3", Ethnicity="a "),
        row(Referral_ID="R4", Ethnicity="Prefer not to say"),
        row(Referral_ID="R5", Ethnicity="Not Known"),
        row(Referral_ID="R6", Ethnicity=""),
        row(Referral_ID="R7", Ethnicity="Purple"),
    ]
    result = prepare_activity(make_csv(rows), key=KEY, today=TODAY)
    assert result.rows.sort("referral_id")["ethnic_category"].to_list() == [
        "A",
        "A",
        "A",
        "Z",
        "99",
        None,
        "INVALID",
    ]
    failure = result.failures.row(0, named=True)
    assert (failure["rule"], failure["severity"], failure["value"], failure["source_row"]) == (
        "invalid_code",
        "warning",
        "Purple",
        8,
    )
