"""The Deprivation page's Qt-free helper: the fitted SII line's ends from what the
engine returns, checked against an independent weighted least-squares fit (numpy's
polyfit with weights √a, so that it minimises Σ a_j residual²), and the words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from deprivation_store import POPULATIONS, deprivation_store

from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.gradient import (
    Summary,
    fitted_line,
    gradient,
    rii_sentence,
    sii_sentence,
)
from rehabdash.plan.result import ALL, Indicator
from rehabdash.queries.referrals import ReferralSource


def _wls(y: list[float], pop: list[float]) -> tuple[float, float]:
    """Intercept and slope of y on the PHE relative rank, weighted by population share."""
    a = np.asarray(pop) / np.sum(pop)
    b = np.cumsum(a) - a / 2
    slope, intercept = np.polyfit(b, np.asarray(y), 1, w=np.sqrt(a))
    return float(intercept), float(slope)


def _indicators(tmp_path: Path, key: str) -> dict[str, Indicator]:
    _, engine = deprivation_store(tmp_path)
    items = PlanEngine(ReferralSource(engine)).breakdown(
        parse_filter(period="2024-25"), key, ("access",)
    )
    return {i.metric: i for i in items}


def test_fitted_line_matches_an_independent_weighted_fit() -> None:
    y, pop = [2.0, 3.5, 3.0, 5.5, 6.0], [500.0, 120.0, 300.0, 80.0, 250.0]
    intercept, slope = _wls(y, pop)
    # The engine returns the slope (the SII); the line's ends come from it.
    assert fitted_line(y, pop, slope) == pytest.approx((intercept, intercept + slope))
    with pytest.raises(ValueError, match="populations"):
        fitted_line(y, [1.0, 0.0, 1.0, 1.0, 1.0], slope)


@pytest.mark.parametrize("key", ["imd_decile", "imd_quintile"])
def test_the_line_is_the_one_the_engine_fitted(tmp_path: Path, key: str) -> None:
    found = _indicators(tmp_path, key)
    g = gradient(
        found["seen_rate"], found["seen_dsr"], found["seen_oe"], found["sii"], found["rii"]
    )
    dsr = found["seen_dsr"].frame.filter(pl.col("level_code") != ALL, pl.col("value").is_not_null())
    pops = found["seen_rate"].frame.filter(pl.col("level_code").is_in(dsr["level_code"].implode()))
    assert g.metric == "seen_dsr"
    assert [b.row.value for b in g.bars] == dsr["value"].to_list()
    intercept, slope = _wls(dsr["value"].to_list(), pops["denominator"].to_list())
    sii = found["sii"].row(ALL)
    rii = found["rii"].row(ALL)
    assert sii is not None
    assert rii is not None
    assert sii["value"] == pytest.approx(slope)  # the engine's SII is the WLS slope
    assert g.line == pytest.approx((intercept, intercept + slope))
    assert rii["value"] == pytest.approx((intercept + slope) / intercept)
    # Bars span their population shares, most deprived first, edge to edge.
    shares = np.asarray(pops["denominator"].to_list()) / pops["denominator"].sum()
    assert [b.right - b.left for b in g.bars] == pytest.approx(shares.tolist())
    assert g.bars[0].left == 0
    assert g.bars[-1].right == pytest.approx(1.0)
    assert g.unknown == 2  # two people seen with no area


def test_decile_populations_are_the_stores(tmp_path: Path) -> None:
    g = gradient(**{k: v for k, v in _indicators(tmp_path, "imd_decile").items() if k in (
        "seen_rate", "seen_dsr", "seen_oe", "sii", "rii")})  # fmt: skip
    assert [b.population for b in g.bars] == [2.0 * p for p in POPULATIONS]


def test_without_a_dsr_the_bars_are_crude_and_the_line_is_fitted_to_oe(tmp_path: Path) -> None:
    """With no DSR the engine fits the SII to O/E × the crude rate of everyone: the line's
    ends are those of that fit (here an SII made by the independent fit stands in for
    the engine's, which had a DSR to fit)."""
    found = _indicators(tmp_path, "imd_decile")
    crude = found["seen_rate"].row(ALL)
    assert crude is not None
    oe = found["seen_oe"].frame.filter(pl.col("level_code") != ALL, pl.col("value").is_not_null())
    y = (oe["value"] * crude["value"]).to_list()
    pops = found["seen_rate"].frame.filter(pl.col("level_code").is_in(oe["level_code"].implode()))
    intercept, slope = _wls(y, pops["denominator"].to_list())
    sii = found["sii"]
    sii = Indicator(sii.key, sii.definition, sii.frame.with_columns(value=pl.lit(slope)))
    g = gradient(found["seen_rate"], None, found["seen_oe"], sii, found["rii"])
    assert g.metric == "seen_rate"
    assert [b.row.value for b in g.bars] == found["seen_rate"].frame["value"].to_list()[:10]
    assert "observed ÷ expected" in g.fitted_on
    assert g.line == pytest.approx((intercept, intercept + slope))


def test_the_words_say_the_direction_and_whether_zero_is_excluded(tmp_path: Path) -> None:
    found = _indicators(tmp_path, "imd_decile")
    g = gradient(
        found["seen_rate"], found["seen_dsr"], found["seen_oe"], found["sii"], found["rii"]
    )
    assert g.sii is not None
    assert g.rii is not None
    words = sii_sentence(g)
    assert f"{g.sii.value:.2f} per 1,000 more than people in the most deprived tenth" in words
    assert "least deprived tenth" in words
    assert f"95% CI {g.sii.lower:.2f} to {g.sii.upper:.2f}" in words
    assert "worse direction" in words
    assert "excludes no difference" in words  # the limits are both above 0 here
    assert f"{g.rii.value:.2f} times" in rii_sentence(g)
    assert "excludes 1" in rii_sentence(g)
    # A negative SII whose interval spans 0: the other way round, and maybe chance.
    other = Summary(-1.5, -3.0, 0.5, "m")
    flipped = sii_sentence(g.__class__(**{**g.__dict__, "sii": other}))
    assert "most deprived tenth of areas were seen at 1.50 per 1,000 more" in flipped
    assert "better direction" in flipped
    assert "includes no difference" in flipped
    none = g.__class__(**{**g.__dict__, "sii": None, "rii": None, "line": None})
    assert sii_sentence(none).startswith("No slope index")
