"""SII/RII against DESIGN 7.6, with an independent simulation written here."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.special import expit, logit

from rehabdash.stats import sii

POP = np.array([12_000.0, 15_000, 18_000, 20_000, 25_000, 22_000, 19_000, 17_000, 14_000, 11_000])
RATES = np.array([82.0, 75, 70, 66, 60, 58, 52, 49, 45, 40])


def frame(values: np.ndarray, rel: float = 0.12, group: str = "icb") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "icb": [group] * values.size,
            "decile": np.arange(1, values.size + 1),
            "pop": POP[: values.size],
            "v": values,
            "lo": values * (1 - rel),
            "hi": values * (1 + rel),
        }
    )


def ranks(pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = pop / pop.sum()
    before = np.concatenate([[0.0], np.cumsum(a)[:-1]])
    return a, before + a / 2


def independent(
    values: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    kind: str,
    reps: int = 200_000,
    level: float = 0.95,
) -> dict[str, float]:
    """Point SII with np.polyfit and limits from a fresh simulation."""
    a, b = ranks(POP[: values.size])
    slope, icpt = np.polyfit(b, values, 1, w=np.sqrt(a))
    fwd, back = {
        "rate": (np.log, np.exp),
        "proportion": (logit, expit),
        "normal": (lambda v: v, lambda v: v),
    }[kind]
    se = (fwd(hi) - fwd(lo)) / (2 * 1.959963984540054)
    draws = back(fwd(values) + se * np.random.default_rng(99).standard_normal((reps, values.size)))
    bm = np.average(b, weights=a)
    slopes = ((draws - np.average(draws, axis=1, weights=a)[:, None]) * (b - bm) * a).sum(1) / (
        (a * (b - bm) ** 2).sum()
    )
    icpts = np.average(draws, axis=1, weights=a) - slopes * bm
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    s_lo, s_hi = np.quantile(slopes, q)
    r_lo, r_hi = np.quantile((icpts + slopes) / icpts, q)
    return {
        "sii": slope,
        "rii": (icpt + slope) / icpt,
        "intercept": icpt,
        "sii_lower": s_lo,
        "sii_upper": s_hi,
        "rii_lower": r_lo,
        "rii_upper": r_hi,
    }


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_rates_match_formula_and_independent_simulation(level: float) -> None:
    df = frame(RATES)
    got = sii(df, "decile", "pop", "v", "lo", "hi", seed=1, confidence=level).row(0, named=True)
    want = independent(RATES, df["lo"].to_numpy(), df["hi"].to_numpy(), "rate", level=level)
    for key in ("sii", "rii", "intercept"):
        assert got[key] == pytest.approx(want[key], rel=1e-9)
    width = want["sii_upper"] - want["sii_lower"]
    for key in ("sii_lower", "sii_upper"):
        assert abs(got[key] - want[key]) < 0.02 * width
    rwidth = want["rii_upper"] - want["rii_lower"]
    for key in ("rii_lower", "rii_upper"):
        assert abs(got[key] - want[key]) < 0.02 * rwidth
    assert got["sii"] < 0  # access falls towards less deprived deciles here


def test_seed_reproducible_and_groups_vectorised() -> None:
    df = pl.concat([frame(RATES, group="A"), frame(RATES[::-1].copy(), group="B")])
    one = sii(df, "decile", "pop", "v", "lo", "hi", group_by="icb", seed=5, repetitions=20_000)
    two = sii(df, "decile", "pop", "v", "lo", "hi", group_by="icb", seed=5, repetitions=20_000)
    assert one.equals(two)
    other = sii(df, "decile", "pop", "v", "lo", "hi", group_by="icb", seed=6, repetitions=20_000)
    assert not one.equals(other)
    assert one["sii"][0] < 0 < one["sii"][1]


def test_negative_multiplier_reverses() -> None:
    df = frame(RATES)
    pos = sii(df, "decile", "pop", "v", "lo", "hi", seed=2, repetitions=10_000).row(0, named=True)
    neg = sii(
        df, "decile", "pop", "v", "lo", "hi", seed=2, repetitions=10_000, multiplier=-100
    ).row(0, named=True)
    assert neg["sii"] == pytest.approx(-100 * pos["sii"])
    assert neg["sii_lower"] == pytest.approx(-100 * pos["sii_upper"])
    assert neg["sii_upper"] == pytest.approx(-100 * pos["sii_lower"])
    assert neg["rii"] == pytest.approx(1 / pos["rii"])
    assert neg["rii_lower"] == pytest.approx(1 / pos["rii_upper"])


def test_proportions_on_logit_scale() -> None:
    p = np.array([0.62, 0.58, 0.55, 0.5, 0.47, 0.41])
    lo, hi = p - 0.04, p + 0.05
    df = pl.DataFrame({"q": np.arange(1, 7), "pop": POP[:6], "v": p, "lo": lo, "hi": hi})
    got = sii(df, "q", "pop", "v", "lo", "hi", value_type="proportion", seed=3).row(0, named=True)
    want = independent(p, lo, hi, "proportion")
    assert got["sii"] == pytest.approx(want["sii"], rel=1e-9)
    width = want["sii_upper"] - want["sii_lower"]
    assert abs(got["sii_lower"] - want["sii_lower"]) < 0.02 * width
    assert abs(got["sii_upper"] - want["sii_upper"]) < 0.02 * width


def test_transform_fits_on_log_scale() -> None:
    df = frame(RATES)
    got = sii(df, "decile", "pop", "v", "lo", "hi", transform=True, seed=1, repetitions=5_000).row(
        0, named=True
    )
    a, b = ranks(POP)
    slope, icpt = np.polyfit(b, np.log(RATES), 1, w=np.sqrt(a))
    assert got["sii"] == pytest.approx(np.exp(icpt + slope) - np.exp(icpt), rel=1e-9)
    assert got["rii"] == pytest.approx(np.exp(slope), rel=1e-9)


def test_needs_five_quantiles_and_missing_propagates() -> None:
    four = frame(RATES[:4])
    with pytest.raises(ValueError, match=r"'decile'.*at least 5.*group icb='icb'"):
        sii(four, "decile", "pop", "v", "lo", "hi", group_by="icb")
    five = frame(RATES[:5])
    assert sii(five, "decile", "pop", "v", "lo", "hi", repetitions=1000)["sii"][0] is not None
    gap = frame(RATES).with_columns(
        pl.when(pl.col("decile") == 3).then(None).otherwise(pl.col("hi")).alias("hi")
    )
    assert sii(gap, "decile", "pop", "v", "lo", "hi", repetitions=1000)["sii"][0] is None
