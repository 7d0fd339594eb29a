"""`rehabdash import` and `rehabdash batches` as a BI team scripts them: real subprocesses."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from commit_helpers import one_line_error, run_cli, write_part

from rehabdash.demo.extract import HEADERS

run = run_cli
_one_line_error = one_line_error


def test_import_summary_batches_and_duplicate(store_url: str, extract_csv: Path) -> None:
    result = run("import", "activity", str(extract_csv), "--db", store_url, "--period", "2025-03")
    assert result.returncode == 0, result.stderr
    assert "rows read: 3,000" in result.stdout
    assert "imported: 3,000 (batch 1)" in result.stdout
    assert "rejected: 0" in result.stdout
    assert "invalid_code" in result.stdout  # warnings are listed by rule
    assert "100%" in result.stdout  # progress
    again = run("import", "activity", str(extract_csv), "--db", store_url)
    line = _one_line_error(again)
    assert f"{extract_csv.name}: this file was already imported as batch 1" in line
    listing = run("batches", "--db", store_url)
    assert listing.returncode == 0, listing.stderr
    header, refused, first = listing.stdout.splitlines()[:3]
    assert header.split() == [
        "id", "kind", "status", "file", "read", "accepted", "rejected", "period", "provider",
        "finished", "user", "note",
    ]  # fmt: skip
    assert refused.split()[:4] == ["2", "activity", "rolled", "back"]  # the refusal's audit row
    assert first.split()[:8] == [
        "1", "activity", "committed", extract_csv.name, "3,000", "3,000", "0", "2025-03",
    ]  # fmt: skip


def test_unmapped_file_lists_what_needs_mapping(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Pt No,Ref No,Trust,When\nP1,R1,RY1,01/02/2024\n")
    line = _one_line_error(run("import", "activity", str(path), "--db", store_url))
    assert line.startswith("rehabdash: error: odd.csv: map the required fields before importing")
    # "Pt No" and "Ref No" are read as the patient and referral numbers; the rest is asked.
    assert "Local patient identifier (person_id)" not in line
    assert "Provider code (provider_code) has no column" in line
    assert "Referral date (referral_date) has no column" in line
    assert "'Trust'" in line
    assert "imported" not in run("batches", "--db", store_url).stdout.split("\n", 1)[-1]


def test_mapping_file_save_and_reuse(store_url: str, tmp_path: Path) -> None:
    mapping = tmp_path / "trust.json"
    mapping.write_text(
        '{"kind": "activity", "fields": {"person_id": "Pt No", "referral_id": "Ref No", '
        '"provider_code": "Trust", "referral_date": "When"}}'
    )
    first = tmp_path / "jan.csv"
    first.write_text("Pt No,Ref No,Trust,When\nP1,R1,RY1,01/01/2024\n")
    result = run(
        "import", "activity", str(first), "--db", store_url,
        "--mapping", str(mapping), "--save-mapping", "Trust",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "saved mapping 'Trust' version 1" in result.stdout
    second = tmp_path / "feb.csv"
    second.write_text("Pt No,Ref No,Trust,When\nP2,R2,RY1,01/02/2024\n")
    result = run("import", "activity", str(second), "--db", store_url)
    assert result.returncode == 0, result.stderr
    assert "applied the saved mapping 'Trust' (version 1)" in result.stdout
    result = run("import", "activity", str(second), "--db", store_url, "--mapping", "Nope")
    assert "no saved mapping 'Nope'" in _one_line_error(result)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rejects_file_has_original_columns_and_reasons(
    store_url: str, extract_csv: Path, tmp_path: Path, suffix: str
) -> None:
    first = write_part(extract_csv, tmp_path / "first.csv", 0, 100)
    assert run("import", "activity", str(first), "--db", store_url).returncode == 0
    frame = pl.read_csv(extract_csv, infer_schema=False).slice(50, 100)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 60)
        .then(pl.lit("not a date"))
        .otherwise(pl.col("Referral Received Date"))
        .alias("Referral Received Date")
    )
    second = tmp_path / "second.csv"
    frame.write_csv(second)
    rejects = tmp_path / f"rejects{suffix}"
    result = run("import", "activity", str(second), "--db", store_url, "--rejects", str(rejects))
    assert result.returncode == 0, result.stderr
    assert "imported: 49 (batch 2)" in result.stdout
    assert "rejected: 51" in result.stdout
    assert "already_imported" in result.stdout
    if suffix == ".csv":
        assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")
        back = pl.read_csv(rejects, infer_schema=False)
    else:
        sheet = openpyxl.load_workbook(rejects, read_only=True)["Rejected rows"]
        rows = list(sheet.iter_rows(values_only=True))
        back = pl.DataFrame([list(r) for r in rows[1:]], schema=list(rows[0]), orient="row")
    assert back.columns == ["source_row", *HEADERS, "reasons"]
    assert back.height == 51
    by_row = {int(r["source_row"]): r for r in back.iter_rows(named=True)}
    assert "referral date is not a date" in by_row[62]["reasons"]
    assert "already imported in batch 1 (first.csv" in by_row[2]["reasons"]
    assert by_row[62]["Referral Received Date"] == "not a date"
    assert by_row[2]["Local Patient Identifier"]  # clear, for the user to fix


def test_errors_name_file_row_and_column(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("LSOA code,0-4,5-84,85+\nE01000001,1,2,3\n")
    line = _one_line_error(
        run("import", "population", str(path), "--db", store_url, "--year", "2020")
    )
    assert line.startswith("rehabdash: error: pop.csv (column '5-84'):")
    empty = tmp_path / "empty.csv"
    empty.write_text("Patient ID,Referral ID,Provider,Referral Date\n")
    line = _one_line_error(run("import", "activity", str(empty), "--db", store_url))
    assert line == "rehabdash: error: empty.csv (row 1): the table has a header but no data rows"
    missing = _one_line_error(run("import", "need", str(tmp_path / "nope.csv"), "--db", store_url))
    assert "nope.csv: the file does not exist" in missing


def test_strict_replace_and_nothing_imported(
    store_url: str, extract_csv: Path, tmp_path: Path
) -> None:
    first = write_part(extract_csv, tmp_path / "v1.csv", 0, 200)
    assert run("import", "activity", str(first), "--db", store_url).returncode == 0
    second = write_part(extract_csv, tmp_path / "v2.csv", 0, 300)
    strict = run("import", "activity", str(second), "--db", store_url, "--strict")
    assert "strict mode: 200 of 300 rows were rejected (already_imported 200)" in _one_line_error(
        strict
    )
    replaced = run("import", "activity", str(second), "--db", store_url, "--replace", "1")
    assert replaced.returncode == 0, replaced.stderr
    # batch ids: 1, then the strict attempt's "rolled back" row (PostgreSQL sequences
    # may skip one: the attempt's own batch row was rolled back), then this one
    assert re.search(r"imported: 300 \(batch [34]\)", replaced.stdout)
    assert "superseded batch 1" in replaced.stdout
    listing = run("batches", "--db", store_url).stdout.splitlines()
    assert [line.split()[2] for line in listing[1:]] == ["committed", "rolled", "superseded"]
    third = write_part(extract_csv, tmp_path / "v3.csv", 0, 100)
    nothing = _one_line_error(run("import", "activity", str(third), "--db", store_url))
    assert "nothing to import: all 100 rows were rejected (already_imported 100)" in nothing
