"""`rehabdash export plan --out FILE.xlsx` as a data officer runs it (issue 12 item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from workbook_built import Built
from workbook_read import book

from rehabdash.cli import main


def test_export_writes_a_checked_workbook_with_the_previous_period(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "data plan.xlsx"
    args = ["--db", built.url, "export", "plan", "--out", str(out), "--period", "2024-25"]
    assert main([*args, "--compare", "previous", "--check"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    names = book(out).sheetnames
    assert "4c Previous period" in names
    assert names[0] == "Cover"


def test_export_with_csv_and_workbook_together(built: Built, tmp_path: Path) -> None:
    out, folder = tmp_path / "plan.xlsx", tmp_path / "csv"
    args = ["--db", built.url, "export", "plan", "--out", str(out), "--csv", str(folder)]
    assert main([*args, "--period", "2024-25 Q4", "--sheet", "Findings"]) == 0
    assert out.exists()
    assert (folder / "1_who_is_accessing.csv").exists()
    names = book(out).sheetnames
    assert "Findings" in names
    assert "1 Who is accessing" not in names
    assert "2024-25 Q4" in str(book(out)["Cover"]["A1"].value)


def test_unsuppressed_export_says_not_for_circulation(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "internal.xlsx"
    args = ["--db", built.url, "export", "plan", "--out", str(out), "--disclosure", "none"]
    assert main([*args, "--period", "2024-25"]) == 0
    assert "NOT FOR CIRCULATION" in capsys.readouterr().out
    assert book(out)["Cover"]["A2"].value == "NOT FOR CIRCULATION: unsuppressed"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "give --out FILE.xlsx"),
        (["--out", "plan.csv"], "must end in .xlsx"),
        (["--out", "missing/plan.xlsx"], "does not exist"),
        (["--out", "plan.xlsx", "--sheet", "Sheet9"], "--sheet 'Sheet9': choose from"),
    ],
)
def test_bad_options_say_what_is_wrong_before_any_work(
    built: Built,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--db", built.url, "export", "plan", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Reading referrals" not in err
    assert not list(tmp_path.glob("*.xlsx"))
