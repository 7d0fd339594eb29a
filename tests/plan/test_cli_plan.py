"""`rehabdash plan` and `rehabdash export plan --csv` on a small store, as a BI script
would run them (in-process through cli.main, and once as a real subprocess)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from plan_store import three_pakistani_people

from rehabdash.cli import main
from rehabdash.plan.export.long_csv import EXPORT_COLUMNS, SECTION_FILES


def _store(url: str) -> str:
    """30 people seen in a decile 1 LSOA, 90 in a decile 10 LSOA, 3 with ethnicity "J"."""
    three_pakistani_people(url)
    return url


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_writes_long_tables_with_small_numbers_suppressed(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _store(store_url)
    out = tmp_path / "plan"
    assert main(["--db", url, "export", "plan", "--csv", str(out), "--period", "2024-25"]) == 0
    written = capsys.readouterr().out
    for name in (*SECTION_FILES.values(), "findings.csv", "definitions.csv", "about.csv"):
        assert (out / name).exists(), name
        assert f"wrote {out / name}" in written
    rows = _read(out / SECTION_FILES["access"])
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    seen = {
        r["level"]: r
        for r in rows
        if r["metric"] == "People seen (people_seen)" and r["breakdown"].startswith("Ethnicity")
    }
    # 3 Pakistani people: suppressed under the HES rule. The 117 White British people are
    # the only other group, so they would give the 3 away from All (120): suppressed too.
    assert seen["Asian or Asian British - Pakistani (J)"]["value"] == "[c]"
    assert seen["White - British (A)"]["value"] == "[c]"
    assert seen["All"]["value"] == "120"
    # Nobody recorded as "not known": a true zero, not a blank or a [c].
    assert seen["Not known"]["value"] == "0"
    assert {r["period"] for r in rows} == {"2024-25"}
    rate = next(
        r
        for r in rows
        if r["metric"].endswith("(seen_rate)")
        and r["level"] == "Not known"
        and r["breakdown"].startswith("Sex")
    )
    assert rate["value"] == "[z]"
    about = {r["item"]: r["value"] for r in _read(out / "about.csv")}
    assert "HES/ECDS" in about["disclosure control"]
    assert about["filter"].startswith("2024-25")


def test_export_without_disclosure_says_so_and_keeps_files_private(tmp_path: Path) -> None:
    url = _store(f"sqlite:///{tmp_path / 's.db'}")
    out = tmp_path / "internal"
    args = ["--db", url, "export", "plan", "--csv", str(out), "--disclosure", "none"]
    assert main([*args, "--period", "2024-25", "--breakdown", "ethnicity"]) == 0
    rows = _read(out / SECTION_FILES["access"])
    pakistani = next(
        r for r in rows if r["metric"] == "People seen (people_seen)" and r["level"].endswith("(J)")
    )
    assert pakistani["value"] == "3"
    assert (out / "about.csv").stat().st_mode & 0o077 == 0


def test_plan_prints_the_headline_and_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _store(f"sqlite:///{tmp_path / 's.db'}")
    assert main(["--db", url, "plan", "--period", "2024-25", "--breakdown", "imd_quintile"]) == 0
    text = capsys.readouterr().out
    assert "Data plan: 2024-25" in text
    assert "Deprivation (IMD quintile" in text
    assert "Quintile 1 (1)" in text
    # 30 seen of 1,000 in quintile 1 against 90 of 1,000: the finding says so.
    assert "most deprived fifth of areas were 67% less likely" in text


def test_bad_filter_is_one_line(tmp_path: Path) -> None:
    url = _store(f"sqlite:///{tmp_path / 's.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "rehabdash", "--db", url, "plan", "--period", "2024-25 Q5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rehabdash: error: period '2024-25 Q5': quarter must be Q1 to Q4"
    ]


def test_numbers_are_written_plainly_whole_sums_as_whole_numbers() -> None:
    import polars as pl

    from rehabdash.plan.export.long_csv import _text

    values = [392670.0000000001, 392670.0, 0.12345678, 2.5, -3.0, None, 1e16]
    got = pl.DataFrame({"v": values}).select(_text("v").alias("v"))["v"].to_list()
    assert got == ["392670", "392670", "0.123457", "2.5", "-3", "", "1e+16"]
