"""Crude rates checked against published PHEindicatormethods 2.1.0 outputs."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from rehabdash.stats import rate

REF = Path(__file__).resolve().parents[1] / "reference"


def read_reference(name: str) -> pl.DataFrame:
    """Read a reference CSV with every column as a string (nothing inferred)."""
    return pl.read_csv(REF / name, infer_schema=False, null_values="NA")


def close(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0) or (a == b)


INPUTS = read_reference("rate_inputs.csv").with_columns(pl.col("x", "n").cast(pl.Float64))
OUTPUTS = read_reference("rate_outputs.csv")
RUNS = OUTPUTS["run"].unique(maintain_order=True).to_list()


@pytest.mark.parametrize("run", RUNS)
def test_matches_phe_reference(run: str) -> None:
    expected = OUTPUTS.filter(pl.col("run") == run)
    multiplier = float(expected["multiplier"][0])
    level = float(expected["confidence_level"][0])
    got = rate(INPUTS, "x", "n", confidence=level, multiplier=multiplier)
    assert got["case_id"].to_list() == expected["case_id"].to_list()
    for row_got, row_exp in zip(
        got.iter_rows(named=True), expected.iter_rows(named=True), strict=True
    ):
        for ours, theirs in (("value", "value"), ("lower", "lowercl"), ("upper", "uppercl")):
            want = None if row_exp[theirs] is None else float(row_exp[theirs])
            assert close(row_got[ours], want), (run, row_exp["case_id"], ours)
        assert row_got["method"] == row_exp["method"]
        assert row_got["statistic"] == row_exp["statistic"]


def test_keeps_input_columns_and_rows() -> None:
    got = rate(INPUTS, "x", "n")
    assert got.columns[: INPUTS.width] == INPUTS.columns
    assert got.height == INPUTS.height


def test_grouped_rate_uses_summed_counts() -> None:
    df = pl.DataFrame({"g": ["a", "a", "b"], "x": [3, 4, 12], "n": [100, 200, 50]})
    got = rate(df, "x", "n", group_by="g", multiplier=1000)
    a = got.filter(pl.col("g") == "a").row(0, named=True)
    assert a["x"] == 7
    assert a["n"] == 300
    assert a["method"] == "Exact"
    assert a["upper"] == pytest.approx(chi2.ppf(0.975, 16) / 2 / 300 * 1000, rel=1e-12)
    b = got.filter(pl.col("g") == "b").row(0, named=True)
    assert b["method"] == "Byars"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 1_000_000))
def test_limits_bracket_the_value(x: int, n: int) -> None:
    row = rate(pl.DataFrame({"x": [x], "n": [n]}), "x", "n").row(0, named=True)
    assert 0.0 <= row["lower"] <= row["value"] <= row["upper"]
