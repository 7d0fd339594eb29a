"""O/E from totals (stats.observed_over_expected): the limits are worked here from the
chi-squared quantiles (exact, O < 10) and Byar's formula (O >= 10), and must equal
isr_ratio's for the same totals against a flat reference."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2, norm

from rehabdash.stats import isr_ratio, observed_over_expected


def _worked(o: float, e: float, level: float = 0.95) -> tuple[float, float, str]:
    a = 1 - level
    if o < 10:
        low = 0.0 if o == 0 else chi2.ppf(a / 2, 2 * o) / 2
        return low / e, chi2.ppf(1 - a / 2, 2 * o + 2) / 2 / e, "Exact"
    z = norm.ppf(1 - a / 2)
    low = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    high = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return low / e, high / e, "Byars"


def test_limits_are_the_exact_and_byars_ones() -> None:
    frame = pl.DataFrame({"o": [0.0, 3.0, 9.0, 10.0, 250.0], "e": [2.5, 4.0, 7.5, 12.0, 200.0]})
    out = observed_over_expected(frame, "o", "e")
    for row in out.iter_rows(named=True):
        low, high, method = _worked(row["o"], row["e"])
        assert row["value"] == pytest.approx(row["o"] / row["e"], rel=1e-12)
        assert row["lower"] == pytest.approx(low, rel=1e-9, abs=1e-12)
        assert row["upper"] == pytest.approx(high, rel=1e-9)
        assert row["method"] == method
    assert out.columns[:2] == ["o", "e"]  # the input's columns are kept


def test_the_same_as_isr_ratio_against_a_flat_reference() -> None:
    rng = np.random.default_rng(5)
    e = rng.uniform(0.5, 400, 60)
    o = rng.poisson(e).astype(float)
    frame = pl.DataFrame({"group": [f"g{i}" for i in range(60)], "o": o, "e": e})
    mine = observed_over_expected(frame, "o", "e")
    rows = frame.select(
        "group", pl.col("o").alias("x"), pl.lit("all").alias("band"), pl.col("e").alias("n")
    )
    theirs = isr_ratio(
        rows, "x", "n", "x_ref", "n_ref", band="band", group_by="group",
        reference=pl.DataFrame({"band": ["all"], "x_ref": [1.0], "n_ref": [1.0]}),
        observed_totals=rows.select("group", "x"),
    )  # fmt: skip
    for column in ("value", "lower", "upper", "method"):
        assert mine[column].to_list() == theirs[column].to_list(), column


def test_bad_totals_name_the_column_and_row() -> None:
    with pytest.raises(ValueError, match=r"column 'o': counts must not be negative at row 1"):
        observed_over_expected(pl.DataFrame({"o": [1.0, -1.0], "e": [1.0, 1.0]}), "o", "e")
    with pytest.raises(ValueError, match=r"column 'e': expected counts must be greater than 0"):
        observed_over_expected(pl.DataFrame({"o": [1.0], "e": [0.0]}), "o", "e")
    with pytest.raises(ValueError, match="confidence"):
        observed_over_expected(pl.DataFrame({"o": [1.0], "e": [1.0]}), "o", "e", confidence=1.5)


def test_a_missing_total_gives_missing_outputs() -> None:
    out = observed_over_expected(pl.DataFrame({"o": [None, 4.0], "e": [3.0, None]}), "o", "e")
    assert out["value"].to_list() == [None, None]
    assert out["method"].to_list() == [None, None]
