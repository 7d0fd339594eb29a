"""Funnel limits against Spiegelhalter's exact method written with scipy here."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.stats import binom, poisson

from rehabdash.stats import funnel_limits


def spiegelhalter(p: float, n: float, theta: float, kind: str) -> float:
    """Spiegelhalter's interpolated exact limit, held at 0 from below: at r = 0 the
    interpolation falls below zero, where no count can be (a negative limit of a rate
    or of O/E means nothing to a reader)."""
    dist = binom(int(n), theta) if kind == "proportion" else poisson(theta * n)
    r = dist.ppf(p)
    alpha = (dist.cdf(r) - p) / (dist.cdf(r) - dist.cdf(r - 1))
    return float(max(r - alpha, 0.0) / n)


AREAS = pl.DataFrame(
    {
        "area": list("ABCDEF"),
        "x": [12, 60, 210, 33, 4, 95],
        "n": [1500, 9000, 20000, 2500, 800, 15000],
    }
)


@pytest.mark.parametrize("kind", ["rate", "proportion", "ratio"])
def test_limits_match_exact_method(kind: str) -> None:
    got = funnel_limits(AREAS, "x", "n", kind, multiplier=1000)
    theta = AREAS["x"].sum() / AREAS["n"].sum()
    assert got["target"][0] == pytest.approx(theta * 1000)
    for row in got.iter_rows(named=True):
        for suffix, (pl_, ph) in {"95": (0.025, 0.975), "998": (0.001, 0.999)}.items():
            lo = spiegelhalter(pl_, row["n"], theta, kind) * 1000
            hi = spiegelhalter(ph, row["n"], theta, kind) * 1000
            assert row[f"lower_{suffix}"] == pytest.approx(lo, rel=1e-9)
            assert row[f"upper_{suffix}"] == pytest.approx(hi, rel=1e-9)
            flag = "high" if row["value"] > hi else "low" if row["value"] < lo else "within"
            assert row[f"outlier_{suffix}"] == flag
    assert set(got["outlier_95"]) >= {"high", "low"}  # C is high, A/E/F low-ish


def test_wider_at_998_and_narrowing_with_size() -> None:
    got = funnel_limits(AREAS, "x", "n", "rate")
    assert (got["upper_998"] >= got["upper_95"]).all()
    assert (got["lower_998"] <= got["lower_95"]).all()
    by_n = got.sort("n")
    width = (by_n["upper_95"] - by_n["lower_95"]).to_numpy()
    assert np.all(np.diff(width) < 0)


def test_overdispersion_widens_limits() -> None:
    plain = funnel_limits(AREAS, "x", "n", "proportion")
    adjusted = funnel_limits(AREAS, "x", "n", "proportion", overdispersion=True)
    phi = adjusted["overdispersion"][0]
    theta = AREAS["x"].sum() / AREAS["n"].sum()
    y, n = (AREAS["x"] / AREAS["n"]).to_numpy(), AREAS["n"].to_numpy()
    z = (y - theta) / np.sqrt(theta * (1 - theta) / n)
    lo, hi = np.quantile(z, [0.1, 0.9])
    assert phi == pytest.approx(np.mean(np.clip(z, lo, hi) ** 2), rel=1e-9)
    assert phi > 1
    width_adjusted = adjusted["upper_95"] - adjusted["lower_95"]
    assert (width_adjusted > plain["upper_95"] - plain["lower_95"]).all()


def test_missing_x_gives_missing_flag() -> None:
    df = AREAS.with_columns(
        pl.when(pl.col("area") == "B").then(None).otherwise(pl.col("x")).alias("x")
    )
    got = funnel_limits(df, "x", "n", "rate")
    assert got["outlier_95"][1] is None
    assert got["value"][1] is None
    assert got["upper_95"][1] is not None


def test_poisson_and_binomial_quantiles_match_scipy_stats() -> None:
    # The funnel's quantiles come from scipy.special (scipy.stats takes half a second to
    # import); they must be those of scipy.stats' distributions, small counts included.
    from rehabdash.stats._quantiles import poisson_ppf
    from rehabdash.stats.funnel import exact_funnel_limit

    mu = np.array([0.01, 0.3, 1.0, 2.5, 7.0, 19.9, 150.0, 4000.0])
    for p in (0.001, 0.025, 0.5, 0.975, 0.999):
        assert poisson_ppf(p, mu).tolist() == poisson.ppf(p, mu).tolist(), p
        n = np.array([3.0, 10.0, 57.0, 800.0, 20000.0])
        for kind in ("rate", "proportion"):
            got = exact_funnel_limit(p, n, 0.04, kind)  # type: ignore[arg-type]
            want = [spiegelhalter(p, size, 0.04, kind) for size in n]
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (p, kind)
