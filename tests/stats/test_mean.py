"""Means checked against published PHEindicatormethods 2.1.0 outputs."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from rehabdash.stats import mean, mean_aggregates, mean_of_aggregates

REF = Path(__file__).resolve().parents[1] / "reference"


def read_reference(name: str) -> pl.DataFrame:
    """Read a reference CSV with every column as a string (nothing inferred)."""
    return pl.read_csv(REF / name, infer_schema=False, null_values="NA")


INPUTS = read_reference("mean_inputs.csv").with_columns(pl.col("wait_days").cast(pl.Float64))
OUTPUTS = read_reference("mean_outputs.csv")


@pytest.mark.parametrize("run", OUTPUTS["run"].unique(maintain_order=True).to_list())
def test_matches_phe_reference(run: str) -> None:
    expected = OUTPUTS.filter(pl.col("run") == run)
    level = float(expected["confidence_level"][0])
    got = mean(INPUTS, "wait_days", group_by="group", confidence=level)
    assert got["group"].to_list() == expected["group"].to_list()
    for row_got, row_exp in zip(
        got.iter_rows(named=True), expected.iter_rows(named=True), strict=True
    ):
        for ours, theirs in (
            ("value_sum", "value_sum"),
            ("value_count", "value_count"),
            ("stdev", "stdev"),
            ("value", "value"),
            ("lower", "lowercl"),
            ("upper", "uppercl"),
        ):
            assert math.isclose(row_got[ours], float(row_exp[theirs]), rel_tol=1e-9), ours
        assert row_got["method"] == row_exp["method"]
        assert row_got["statistic"] == row_exp["statistic"]


def test_missing_value_makes_the_group_missing_and_single_value_has_no_limits() -> None:
    df = pl.DataFrame({"g": ["a", "a", "b"], "v": [1.0, None, 5.0]})
    got = mean(df, "v", group_by="g")
    a, b = got.row(0, named=True), got.row(1, named=True)
    assert a["value"] is None
    assert a["lower"] is None
    assert a["value_count"] == 2
    assert b["value"] == 5.0
    assert b["lower"] is None
    assert b["upper"] is None


def test_ungrouped_mean_is_one_row() -> None:
    got = mean(INPUTS, "wait_days", confidence=95)
    assert got.height == 1
    assert got["value"][0] == pytest.approx(INPUTS["wait_days"].mean(), rel=1e-12)


def test_aggregates_of_a_query_of_ones_own_give_the_same_means() -> None:
    """A caller's own group-by of mean_aggregates (beside other sums), finished by
    mean_of_aggregates, gives the PHE reference's means and limits (one implementation)."""
    expected = OUTPUTS.filter(pl.col("run") == OUTPUTS["run"][0])
    level = float(expected["confidence_level"][0])
    aggregates = INPUTS.group_by("group").agg(
        *mean_aggregates("wait_days"), pl.col("wait_days").max().alias("longest")
    )
    got = mean_of_aggregates(aggregates, confidence=level).sort("group")
    want = expected.sort("group")
    assert got["group"].to_list() == want["group"].to_list()
    for ours, theirs in (("value", "value"), ("lower", "lowercl"), ("upper", "uppercl")):
        for a, b in zip(got[ours].to_list(), want[theirs].to_list(), strict=True):
            assert (a is None and b is None) or math.isclose(a, float(b), rel_tol=1e-9)
    assert "longest" in got.columns


def test_aggregates_need_their_columns() -> None:
    with pytest.raises(ValueError, match="stdev"):
        mean_of_aggregates(pl.DataFrame({"value_sum": [1.0], "value_count": [1]}))
