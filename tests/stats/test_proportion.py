"""Proportions checked against published PHEindicatormethods 2.1.0 outputs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rehabdash.stats import proportion

REF = Path(__file__).resolve().parents[1] / "reference"


def read_reference(name: str) -> pl.DataFrame:
    """Read a reference CSV with every column as a string (nothing inferred)."""
    return pl.read_csv(REF / name, infer_schema=False, null_values="NA")


def close(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0) or (a == b)


INPUTS = read_reference("proportion_inputs.csv").with_columns(pl.col("x", "n").cast(pl.Float64))
OUTPUTS = read_reference("proportion_outputs.csv")
RUNS = OUTPUTS["run"].unique(maintain_order=True).to_list()


@pytest.mark.parametrize("run", RUNS)
def test_matches_phe_reference(run: str) -> None:
    expected = OUTPUTS.filter(pl.col("run") == run)
    multiplier = float(expected["multiplier"][0])
    level = float(expected["confidence_level"][0])
    got = proportion(INPUTS, "x", "n", confidence=level, multiplier=multiplier)
    got = got.join(expected.select("case_id"), on="case_id", how="semi")
    assert got.height == expected.height
    for row_got, row_exp in zip(
        got.iter_rows(named=True), expected.iter_rows(named=True), strict=True
    ):
        assert row_got["case_id"] == row_exp["case_id"]
        for ours, theirs in (("value", "value"), ("lower", "lowercl"), ("upper", "uppercl")):
            want = None if row_exp[theirs] is None else float(row_exp[theirs])
            assert close(row_got[ours], want), (run, row_exp["case_id"], ours)
        assert row_got["method"] == row_exp["method"]
        assert row_got["statistic"] == row_exp["statistic"]
        assert row_got["confidence"] == level


def test_percentage_style_confidence_is_the_same() -> None:
    a = proportion(INPUTS, "x", "n", confidence=99.8)
    b = proportion(INPUTS, "x", "n", confidence=0.998)
    assert a.equals(b)


def test_group_by_sums_first_and_propagates_missing() -> None:
    got = proportion(INPUTS, "x", "n", group_by="characteristic", multiplier=100)
    eth = got.filter(pl.col("characteristic") == "ethnicity")
    sub = INPUTS.filter(pl.col("characteristic") == "ethnicity")
    x, n = sub["x"].sum(), sub["n"].sum()
    z = 1.959963984540054
    lower = (2 * x + z**2 - z * math.sqrt(z**2 + 4 * x * (1 - x / n))) / 2 / (n + z**2) * 100
    assert eth["value"][0] == pytest.approx(x / n * 100, rel=1e-12)
    assert eth["lower"][0] == pytest.approx(lower, rel=1e-9)
    edge = got.filter(pl.col("characteristic") == "edge")
    assert edge["value"][0] is None  # the edge group holds a missing x
    assert got.columns[:3] == ["characteristic", "x", "n"]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 10_000), st.sampled_from([0.9, 0.95, 0.998]))
def test_limits_bracket_the_value(x: int, n: int, level: float) -> None:
    x = min(x, n)
    row = proportion(pl.DataFrame({"x": [x], "n": [n]}), "x", "n", confidence=level).row(
        0, named=True
    )
    assert 0.0 <= row["lower"] <= row["value"] + 1e-12
    assert row["value"] <= row["upper"] + 1e-12 <= 1.0 + 1e-9
    assert np.isfinite(row["upper"])
