"""Directly standardised rates against DESIGN 7.4 computed independently here."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from rehabdash.stats import dsr

BANDS = [
    "0-4",
    "5-9",
    "10-14",
    "15-19",
    "20-24",
    "25-29",
    "30-34",
    "35-39",
    "40-44",
    "45-49",
    "50-54",
    "55-59",
    "60-64",
    "65-69",
    "70-74",
    "75-79",
    "80-84",
    "85-89",
    "90+",
]
ESP = [
    5000,
    5500,
    5500,
    5500,
    6000,
    6000,
    6500,
    7000,
    7000,
    7000,
    7000,
    6500,
    6000,
    5500,
    5000,
    4000,
    2500,
    1500,
    1000,
]


def dobson(
    x: np.ndarray, n: np.ndarray, w: np.ndarray, level: float, mult: float
) -> tuple[float, float, float]:
    """DESIGN 7.4 written out with plain numpy."""
    z = norm.ppf(1 - (1 - level) / 2)
    o = x.sum()
    value = (x * w / n).sum() / w.sum() * mult
    var = (x * (w / n) ** 2).sum() / w.sum() ** 2
    bl = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    bu = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return (
        value,
        value + math.sqrt(var / o) * (bl - o) * mult,
        value + math.sqrt(var / o) * (bu - o) * mult,
    )


def make(rng: np.random.Generator, area: str, low: int, high: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": [area] * 19,
            "age_band": BANDS,
            "x": rng.integers(low, high, 19),
            "n": rng.integers(500, 9000, 19),
        }
    )


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_esp_default_matches_formula(level: float) -> None:
    rng = np.random.default_rng(7)
    df = pl.concat([make(rng, "A", 0, 40), make(rng, "B", 5, 90)])
    got = dsr(df, "x", "n", group_by="area", confidence=level)
    for area in ("A", "B"):
        sub = df.filter(pl.col("area") == area)
        want = dobson(sub["x"].to_numpy(), sub["n"].to_numpy(), np.array(ESP, float), level, 1e5)
        row = got.filter(pl.col("area") == area).row(0, named=True)
        assert (row["value"], row["lower"], row["upper"]) == pytest.approx(want, rel=1e-9)
        assert row["method"] == "Dobson"
        assert row["reason"] is None
        assert row["observed"] == sub["x"].sum()


def test_bands_matched_by_label_in_any_order_and_own_standard() -> None:
    rng = np.random.default_rng(3)
    df = make(rng, "A", 3, 50)
    shuffled = df.sample(fraction=1.0, shuffle=True, seed=11)
    assert dsr(df, "x", "n")["value"][0] == pytest.approx(
        dsr(shuffled, "x", "n")["value"][0], rel=1e-12
    )
    own = df.with_columns(w=pl.Series(np.arange(1, 20, dtype=float)))
    want = dobson(df["x"].to_numpy(), df["n"].to_numpy(), np.arange(1, 20, dtype=float), 0.95, 1000)
    got = dsr(own, "x", "n", "w", multiplier=1000).row(0, named=True)
    assert (got["value"], got["lower"], got["upper"]) == pytest.approx(want, rel=1e-9)


def test_fewer_than_ten_events_not_published_with_reason() -> None:
    df = pl.DataFrame({"age_band": BANDS, "x": [0] * 18 + [9], "n": [1000] * 19})
    row = dsr(df, "x", "n").row(0, named=True)
    assert row["value"] is None
    assert row["lower"] is None
    assert row["upper"] is None
    assert "fewer than 10" in row["reason"]
    assert row["observed"] == 9
    ten = dsr(df.with_columns(pl.Series("x", [0] * 18 + [10])), "x", "n").row(0, named=True)
    assert ten["value"] is not None
    assert ten["reason"] is None


def test_missing_count_gives_missing_with_reason() -> None:
    df = pl.DataFrame({"age_band": BANDS, "x": [None] + [20] * 18, "n": [1000] * 19})
    row = dsr(df, "x", "n").row(0, named=True)
    assert row["value"] is None
    assert "missing" in row["reason"]


def test_population_zero_and_unknown_band_raise() -> None:
    df = pl.DataFrame({"age_band": BANDS, "x": [20] * 19, "n": [1000] * 18 + [0]})
    with pytest.raises(ValueError, match=r"'n'.*row 18"):
        dsr(df, "x", "n")
    bad = pl.DataFrame({"age_band": [*BANDS[:-1], "90 and over"], "x": [20] * 19, "n": [1000] * 19})
    with pytest.raises(ValueError, match=r"'age_band'.*row 18"):
        dsr(bad, "x", "n")
