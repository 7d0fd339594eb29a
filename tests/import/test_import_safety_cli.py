"""Issue 9 on the command line: --yes for a replace that drops referrals, --map and --drop
for columns that look like fields, and a rows-to-fix file that no spreadsheet can run."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from commit_helpers import TODAY, one_line_error, referrals_of, run_cli

from rehabdash.ingest import import_file
from rehabdash.ingest.rejects import FORMULA_GUARD
from rehabdash.store import open_store

HEADER = "Patient ID,Referral ID,Provider,Referral Date"


def _file(path: Path, ids: range, day: str = "01", extra: str = "") -> Path:
    rows = [f"P{i},R{i},RY1,{day}/03/2024{extra}" for i in ids]
    path.write_text("\n".join([HEADER + (",Discharged" if extra else ""), *rows]) + "\n")
    return path


def test_replace_that_drops_referrals_needs_yes(store_url: str, tmp_path: Path) -> None:
    old = _file(tmp_path / "old.csv", range(6))
    assert run_cli("import", "activity", str(old), "--db", store_url).returncode == 0
    new = _file(tmp_path / "new.csv", range(4), day="02")
    line = one_line_error(
        run_cli("import", "activity", str(new), "--db", store_url, "--replace", "1")
    )
    assert "new.csv lacks 2 of the 6 referrals of batch 1" in line
    assert line.endswith("add --yes")
    engine = open_store(store_url)
    assert referrals_of(engine)["batch_id"].unique().to_list() == [1]  # batch 1 still live

    done = run_cli("import", "activity", str(new), "--db", store_url, "--replace", "1", "--yes")
    assert done.returncode == 0, done.stderr
    assert "lacks 2 of the 6 referrals of batch 1" in done.stdout
    assert "superseded batch 1" in done.stdout
    engine.dispose()


def test_lookalike_columns_on_the_command_line(store_url: str, tmp_path: Path) -> None:
    # "Discharged" holding dates is the discharge date, surely enough to be taken (and said).
    path = _file(tmp_path / "seen.csv", range(3), extra=",01/04/2024")
    taken = run_cli("import", "activity", str(path), "--db", store_url)
    assert taken.returncode == 0, taken.stderr
    assert "note: mapped 'Discharged' to Discharge date (discharge_date): its words" in taken.stdout
    # "Closed" is only close to "closed date": asked, never taken.
    closed = _file(tmp_path / "closed.csv", range(3, 6), extra=",01/04/2024")
    closed.write_text(closed.read_text().replace("Discharged", "Closed"))
    line = one_line_error(run_cli("import", "activity", str(closed), "--db", store_url))
    assert "'Closed' (probably Discharge date (discharge_date)" in line
    assert "--drop COLUMN" in line
    mapped = run_cli(
        "import", "activity", str(closed), "--db", store_url, "--map", "Discharge date=Closed"
    )
    assert mapped.returncode == 0, mapped.stderr
    engine = open_store(store_url)
    stored = referrals_of(engine)
    assert stored["discharge_date"].is_not_null().sum() == 6
    engine.dispose()


def test_drop_is_remembered_by_a_saved_mapping(store_url: str, tmp_path: Path) -> None:
    first = _file(tmp_path / "march.csv", range(3), extra=",01/04/2024")
    args = ("--db", store_url, "--drop", "Discharged", "--save-mapping", "msk")
    assert run_cli("import", "activity", str(first), *args).returncode == 0
    second = _file(tmp_path / "april.csv", range(3, 6), extra=",01/05/2024")
    again = run_cli("import", "activity", str(second), "--db", store_url)
    assert again.returncode == 0, again.stderr
    assert "applied the saved mapping 'msk'" in again.stdout


def test_drop_of_a_column_the_file_lacks_is_refused(store_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path / "a.csv", range(2))
    line = one_line_error(
        run_cli("import", "activity", str(path), "--db", store_url, "--drop", "Nope")
    )
    assert "--drop names columns this file does not have: 'Nope'" in line


# 12. The rows to fix ------------------------------------------------------------------

DANGEROUS = ["=1+1", '=HYPERLINK("http://x.example","click")', "+SUM(A1)", "-2+3", "@cmd", "\tTAB"]


def _rejects_source(tmp_path: Path) -> Path:
    lines = [HEADER + ",Service"]
    for i, cell in enumerate(DANGEROUS):
        quoted = '"' + cell.replace('"', '""') + '"'
        lines.append(f"P{i},R{i},RY1,99/99/2024,{quoted}")  # bad date: every row rejected
    lines.append("P9,R9,RY1,01/03/2024,-1")
    lines.append("P8,R8,RY1,99/99/2024,-1")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _import_with_rejects(
    store_url: str, tmp_path: Path, target: Path
) -> subprocess.CompletedProcess[str]:
    source = str(_rejects_source(tmp_path))
    result = run_cli("import", "activity", source, "--db", store_url, "--rejects", str(target))
    assert result.returncode == 0, result.stderr
    return result


def test_rejects_csv_cannot_run_formulas_and_is_private(store_url: str, tmp_path: Path) -> None:
    target = tmp_path / "fix.csv"
    result = _import_with_rejects(store_url, tmp_path, target)
    assert "identifiers included" in result.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    fixed = pl.read_csv(target, infer_schema=False)
    cells = fixed["Service"].to_list()
    assert all(not pl.Series([c]).str.contains(FORMULA_GUARD).item() for c in cells if c != "-1")
    assert [c for c in cells if c.startswith("'")] == ["'" + d for d in DANGEROUS]
    assert "-1" in cells  # a plain negative number is left alone


def test_rejects_xlsx_holds_text_not_formulas(store_url: str, tmp_path: Path) -> None:
    target = tmp_path / "fix.xlsx"
    _import_with_rejects(store_url, tmp_path, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    col = header.index("Service") + 1
    cells = [sheet.cell(row=r, column=col) for r in range(2, sheet.max_row + 1)]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula ("f")
    assert {c.value for c in cells} >= set(DANGEROUS)


def test_fixed_rejects_file_imports_with_the_original_values(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    target = tmp_path / "fix.csv"
    assert (
        run_cli(
            "import",
            "activity",
            str(_rejects_source(tmp_path)),
            "--db",
            f"sqlite:///{tmp_path / 'store.db'}",
            "--rejects",
            str(target),
        ).returncode
        == 0
    )
    text = target.read_text(encoding="utf-8-sig").replace("99/99/2024", "02/03/2024")
    target.write_text(text, encoding="utf-8-sig")
    import_file(engine, target, "activity", today=TODAY)
    stored = set(referrals_of(engine)["service_name"].to_list())
    assert {d.strip() for d in DANGEROUS} <= stored
    engine.dispose()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_wizard_export_is_guarded_too(tmp_path: Path, suffix: str) -> None:
    from rehabdash.ingest import prepare_file

    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    prepared = prepare_file(engine, _rejects_source(tmp_path), "activity", today=TODAY)
    target = prepared.write_rejects(tmp_path / f"rows{suffix}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    if suffix == ".csv":
        assert "'=1+1" in target.read_text(encoding="utf-8-sig")
    engine.dispose()


def _statuses(store_url: str) -> list[str]:
    from commit_helpers import batches

    engine = open_store(store_url)
    try:
        return [b[2] for b in batches(engine)]
    finally:
        engine.dispose()


def test_every_refused_import_leaves_its_audit_row(store_url: str, tmp_path: Path) -> None:
    old = _file(tmp_path / "old.csv", range(6))
    assert run_cli("import", "activity", str(old), "--db", store_url).returncode == 0
    new = _file(tmp_path / "new.csv", range(3), day="02")
    refusals = [
        ("import", "activity", str(old), "--db", store_url),  # the same file again
        ("import", "activity", str(new), "--db", store_url, "--mapping", "nope"),
        ("import", "activity", str(new), "--db", store_url, "--rejects", "/no/such/dir/r.csv"),
        ("import", "activity", str(new), "--db", store_url, "--replace", "1"),  # needs --yes
    ]
    for args in refusals:
        one_line_error(run_cli(*args))
    assert _statuses(store_url) == ["committed", *["rolled back"] * len(refusals)]


def test_skipped_title_and_totals_rows_are_said(store_url: str, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Community MSK referrals"])
    sheet.append(["Run on 01/04/2024"])
    sheet.append([])
    sheet.append(HEADER.split(","))
    for i in range(3):
        sheet.append([f"P{i}", f"R{i}", "RY1", "01/03/2024"])
    sheet.append(["Total", "", "", ""])
    path = tmp_path / "report.xlsx"
    book.save(path)
    result = run_cli("import", "activity", str(path), "--db", store_url)
    assert result.returncode == 0, result.stderr
    assert "note: the header is on row 4; the rows above it were skipped" in result.stdout
    assert "ignored a totals row at row 8" in result.stdout
