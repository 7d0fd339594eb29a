"""Indirect standardisation against DESIGN 7.3, worked by hand and with scipy."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy.stats import chi2, norm

from rehabdash.stats import isr_rate, isr_ratio

REF = pl.DataFrame(
    {"band": ["young", "mid", "old"], "xr": [100, 400, 1500], "nr": [100_000, 100_000, 50_000]}
)


def byars(o: float, level: float) -> tuple[float, float]:
    z = norm.ppf(1 - (1 - level) / 2)
    return (
        o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3,
        (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3,
    )


def test_worked_example_byars_and_band_order() -> None:
    # E = 0.001*2000 + 0.004*5000 + 0.03*1000 = 2 + 20 + 30 = 52; O = 60
    df = pl.DataFrame(
        {
            "area": ["A"] * 3,
            "band": ["old", "young", "mid"],
            "x": [35, 5, 20],
            "n": [1000, 2000, 5000],
        }
    )
    row = isr_ratio(df, "x", "n", "xr", "nr", band="band", reference=REF, group_by="area").row(
        0, named=True
    )
    assert row["expected"] == pytest.approx(52.0, rel=1e-12)
    assert row["observed"] == 60
    lo, hi = byars(60, 0.95)
    assert (row["value"], row["lower"], row["upper"]) == pytest.approx(
        (60 / 52, lo / 52, hi / 52), rel=1e-9
    )
    assert row["method"] == "Byars"
    per100 = isr_ratio(df, "x", "n", "xr", "nr", band="band", reference=REF, refvalue=100)
    assert per100["value"][0] == pytest.approx(6000 / 52, rel=1e-12)


def test_zero_observed_and_zero_population_band() -> None:
    df = pl.DataFrame({"band": ["young", "mid", "old"], "x": [0, 0, 0], "n": [2000, 0, 1000]})
    row = isr_ratio(df, "x", "n", "xr", "nr", band="band", reference=REF).row(0, named=True)
    assert row["expected"] == pytest.approx(32.0, rel=1e-12)  # the n = 0 band adds nothing
    assert row["value"] == 0
    assert row["lower"] == 0
    assert row["upper"] == pytest.approx(chi2.ppf(0.975, 2) / 2 / 32, rel=1e-9)
    assert row["method"] == "Exact"


def test_exact_below_ten_and_reference_as_columns() -> None:
    df = pl.DataFrame(
        {
            "g": ["A", "A", "B", "B"],
            "x": [3, 4, 30, 40],
            "n": [1000, 1000, 1000, 1000],
            "xr": [10, 20, 10, 20],
            "nr": [1000, 1000, 1000, 1000],
        }
    )
    got = isr_ratio(df, "x", "n", "xr", "nr", group_by="g", confidence=99.8)
    a = got.filter(pl.col("g") == "A").row(0, named=True)
    assert a["expected"] == pytest.approx(30.0)
    assert a["lower"] == pytest.approx(chi2.ppf(0.001, 14) / 2 / 30, rel=1e-9)
    assert a["upper"] == pytest.approx(chi2.ppf(0.999, 16) / 2 / 30, rel=1e-9)
    rate_row = isr_rate(df, "x", "n", "xr", "nr", group_by="g", multiplier=1000)
    a_rate = rate_row.filter(pl.col("g") == "A").row(0, named=True)
    assert a_rate["ref_rate"] == pytest.approx(15.0)
    assert a_rate["value"] == pytest.approx(7 / 30 * 15.0, rel=1e-12)


def test_observed_totals_without_band_detail() -> None:
    df = pl.DataFrame(
        {"g": ["A", "A", "B", "B"], "band": ["young", "old"] * 2, "n": [1000, 1000, 2000, 2000]}
    )
    totals = pl.DataFrame({"g": ["B", "A"], "obs": [50, None]})
    got = isr_ratio(
        df, "obs", "n", "xr", "nr", band="band", reference=REF, group_by="g", observed_totals=totals
    )
    b = got.filter(pl.col("g") == "B").row(0, named=True)
    assert b["expected"] == pytest.approx(0.001 * 2000 + 0.03 * 2000)
    assert b["value"] == pytest.approx(50 / 62)
    a = got.filter(pl.col("g") == "A").row(0, named=True)
    assert a["value"] is None
    assert a["method"] is None


def test_mismatched_band_raises() -> None:
    df = pl.DataFrame({"band": ["young", "elderly"], "x": [1, 2], "n": [10, 10]})
    with pytest.raises(ValueError, match=r"'band'.*row 1.*'elderly'"):
        isr_ratio(df, "x", "n", "xr", "nr", band="band", reference=REF)
