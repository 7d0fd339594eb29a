"""The `rehabdash` command as a BI team scripts it: real subprocesses, real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from rehabdash.demo.extract import HEADERS


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rehabdash", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("command", [[], ["demo"], ["gui"]])
def test_help_for_every_command(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "usage: rehabdash" in result.stdout
    assert "--db" in result.stdout


def test_demo_writes_store_and_csv(store_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "extract.csv"
    result = run("demo", "--db", store_url, "--rows", "3000", "--seed", "4", "--csv", str(csv))
    assert result.returncode == 0, result.stderr
    assert "generated 3,000 referrals" in result.stdout
    frame = pl.read_csv(csv, infer_schema=False)
    assert frame.columns == list(HEADERS)
    assert frame.height == 3_000
    assert frame["Referral Received Date"].str.contains(r"^\d{2}/\d{2}/\d{4}$").all()
    # running again into the same store is refused, leaving it as it was
    again = run("demo", "--db", store_url, "--rows", "10")
    assert again.returncode == 2
    assert "already holds activity" in again.stderr


def test_demo_xlsx_extract(tmp_path: Path) -> None:
    xlsx = tmp_path / "extract.xlsx"
    result = run("demo", "--no-store", "--rows", "500", "--xlsx", str(xlsx))
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(xlsx, read_only=True)["Referrals"]
    rows = list(sheet.iter_rows(values_only=True))
    assert "synthetic demo" in str(rows[0][0])
    assert list(rows[2]) == list(HEADERS)
    assert len(rows) == 3 + 500


def test_db_from_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    result = run("demo", "--rows", "100", env={"REHABDASH_DB": f"sqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    assert db.exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense", "is not a database URL"),
        ("oracle://x@y/z", "unsupported database"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open the store"),
    ],
)
def test_bad_db_is_one_clear_line(url: str, expected: str) -> None:
    result = run("demo", "--db", url, "--rows", "10")
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unwritable_extract_path(tmp_path: Path) -> None:
    result = run("demo", "--no-store", "--rows", "10", "--csv", str(tmp_path / "missing" / "x.csv"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_rows_argument() -> None:
    result = run("demo", "--rows", "0")
    assert result.returncode == 2
    assert "at least 1" in result.stderr


def test_window_with_a_malformed_db_fails_fast_without_a_window() -> None:
    result = run("--db", "mysql://me@db/rehab", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "rehabdash: error: unsupported database 'mysql' in mysql://me@db/rehab "
        "(use sqlite:/// or postgresql+psycopg://)"
    )
