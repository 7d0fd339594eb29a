"""Differences, ratios, verdicts and rate ratios against hand-worked numbers."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from rehabdash.stats import difference, quantile, rate_ratio, trend, verdict

Z95 = norm.ppf(0.975)
PAIRS = pl.DataFrame(
    {
        "a": [10.0, 2.0, None],
        "la": [8.0, 1.0, 1.0],
        "ua": [12.0, 4.0, 2.0],
        "b": [5.0, 4.0, 1.5],
        "lb": [3.0, 2.0, 1.0],
        "ub": [7.0, 8.0, 2.0],
    }
)
COLS = ("a", "la", "ua", "b", "lb", "ub")


def test_difference_on_the_natural_scale_by_hand() -> None:
    # SE_a = SE_b = 4 / (2 z), so SE = √2 · 2 / z and the 95% half-width is 2√2.
    got = difference(PAIRS, *COLS)
    row = got.row(0, named=True)
    assert row["value"] == -5.0
    assert row["lower"] == pytest.approx(-5 - 2 * math.sqrt(2), rel=1e-12)
    assert row["upper"] == pytest.approx(-5 + 2 * math.sqrt(2), rel=1e-12)
    assert row["se"] == pytest.approx(2 * math.sqrt(2) / Z95, rel=1e-12)
    assert row["z"] == pytest.approx(-5 / (2 * math.sqrt(2) / Z95), rel=1e-12)
    assert row["p_value"] == pytest.approx(2 * norm.sf(abs(row["z"])), rel=1e-9)
    assert row["statistic"] == "difference (b − a)"
    assert got.columns[:6] == list(COLS)
    assert got["value"][2] is None  # missing baseline


def test_ratio_on_the_log_scale_by_hand() -> None:
    # a = 2 (1, 4), b = 4 (2, 8): SE_ln = ln 4 / (2 z) each, so limits 2 · 2^(±√2).
    row = difference(PAIRS, *COLS, scale="log").row(1, named=True)
    assert row["value"] == pytest.approx(2.0, rel=1e-12)
    assert row["lower"] == pytest.approx(2 ** (1 - math.sqrt(2)), rel=1e-12)
    assert row["upper"] == pytest.approx(2 ** (1 + math.sqrt(2)), rel=1e-12)
    assert row["statistic"] == "ratio (b / a)"


def test_input_and_output_levels_are_separate() -> None:
    row = difference(PAIRS, *COLS, input_confidence=99.8, confidence=0.9).row(0, named=True)
    se = math.sqrt(2) * 4 / (2 * norm.ppf(0.999))
    assert row["se"] == pytest.approx(se, rel=1e-12)
    assert row["upper"] == pytest.approx(-5 + norm.ppf(0.95) * se, rel=1e-12)
    assert row["confidence"] == 0.9
    assert row["method"] == "independent estimates, SE from 99.8% limits"


def test_verdicts_for_each_polarity() -> None:
    lower, upper = [0.5, -3.0, -1.0, None], [2.0, -1.0, 1.0, 1.0]
    assert verdict(lower, upper, "higher").to_list() == [
        "improving",
        "worsening",
        "no significant change",
        None,
    ]
    assert verdict(np.array(lower, dtype=float), upper, "lower").to_list()[:3] == [
        "worsening",
        "improving",
        "no significant change",
    ]
    # A gap whose target is 0: 4 → 2 closer, 4 → -6 overshoots further, 0 → 3 away.
    towards = verdict(
        [-3.0, -12.0, 1.0, -3.0],
        [-1.0, -8.0, 5.0, 3.0],
        "towards",
        baseline=[4.0, 4.0, 0.0, 4.0],
        latest=[2.0, -6.0, 3.0, 4.0],
    )
    assert towards.to_list() == ["improving", "worsening", "worsening", "no significant change"]
    # A rate ratio whose target is 1, on the log scale: 2 → 1.2 closer; 1.5 → 0.5 further.
    ratios = verdict(
        pl.Series([0.4, 0.2]),
        pl.Series([0.9, 0.5]),
        "towards",
        scale="log",
        baseline=[2.0, 1.5],
        latest=[1.2, 0.5],
    )
    assert ratios.to_list() == ["improving", "worsening"]
    # An explicit target: representation ratio 0.6 → 0.8 with target 0.9.
    nearer = verdict([1.1], [1.5], "towards", scale="log", baseline=0.6, latest=0.8, target=0.9)
    assert nearer.to_list() == ["improving"]


def test_difference_adds_the_verdict() -> None:
    got = difference(PAIRS, *COLS, polarity="towards")
    assert got["verdict"].to_list() == ["improving", "no significant change", None]
    assert difference(PAIRS, *COLS, polarity="higher")["verdict"][0] == "worsening"


def test_rate_ratio_by_hand() -> None:
    df = pl.DataFrame(
        {"x1": [30, 0, 5], "n1": [1000, 1000, 1000], "x2": [20, 10, 0], "n2": [2000] * 3}
    )
    got = rate_ratio(df, "x1", "n1", "x2", "n2")
    row = got.row(0, named=True)
    se = math.sqrt(1 / 30 + 1 / 20)
    assert row["value"] == pytest.approx(3.0, rel=1e-12)
    assert row["lower"] == pytest.approx(3.0 * math.exp(-Z95 * se), rel=1e-12)
    assert row["upper"] == pytest.approx(3.0 * math.exp(Z95 * se), rel=1e-12)
    assert row["p_value"] == pytest.approx(2 * norm.sf(math.log(3) / se), rel=1e-9)
    assert row["statistic"] == "rate ratio"
    assert (got["value"][1], got["lower"][1]) == (0.0, None)
    assert (got["value"][2], got["upper"][2]) == (None, None)


def test_ratio_of_two_indirectly_standardised_ratios() -> None:
    # (O1/E1) / (O2/E2) with SE(ln) = √(1/O1 + 1/O2), expected counts fixed.
    df = pl.DataFrame({"o1": [40], "e1": [32.5], "o2": [25], "e2": [30.1]})
    row = rate_ratio(df, "o1", "e1", "o2", "e2", confidence=99.8).row(0, named=True)
    ratio = (40 / 32.5) / (25 / 30.1)
    half = norm.ppf(0.999) * math.sqrt(1 / 40 + 1 / 25)
    assert row["value"] == pytest.approx(ratio, rel=1e-12)
    assert (row["lower"], row["upper"]) == pytest.approx(
        (ratio * math.exp(-half), ratio * math.exp(half)), rel=1e-12
    )


def test_bad_input_names_column_and_row() -> None:
    bad = PAIRS.with_columns(pl.Series("lb", [3.0, 9.0, 1.0]))
    with pytest.raises(ValueError, match=r"column 'lb'.*lower limit is above.*row 1"):
        difference(bad, *COLS)
    with pytest.raises(ValueError, match=r"column 'la'.*greater than 0.*row 0"):
        difference(PAIRS.with_columns(pl.Series("la", [0.0, 1, 1])), *COLS, scale="log")
    with pytest.raises(ValueError, match="scale"):
        difference(PAIRS, *COLS, scale="logit")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="polarity"):
        verdict([1.0], [2.0], "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="baseline and latest"):
        verdict([1.0], [2.0], "towards")
    with pytest.raises(ValueError, match="target"):
        verdict([1.1], [1.5], "towards", scale="log", baseline=0.6, latest=0.8, target=0)
    counts = pl.DataFrame({"x1": [1, -1], "n1": [10, 10], "x2": [1, 1], "n2": [10, 0]})
    with pytest.raises(ValueError, match=r"column 'x1'.*negative.*row 1"):
        rate_ratio(counts, "x1", "n1", "x2", "n2")


COUNTS = pl.DataFrame({"year": [1, 2, 3, 4, 5], "x": [1, 2, 3, 4, 5], "n": [10] * 5})
CALLS: dict[str, Callable[[float], object]] = {
    "quantile": lambda c: quantile(COUNTS, "x", 0.5, confidence=c),
    "trend": lambda c: trend(COUNTS, "x", "n", "year", confidence=c),
    "difference": lambda c: difference(PAIRS, *COLS, confidence=c),
    "difference input": lambda c: difference(PAIRS, *COLS, input_confidence=c),
    "rate_ratio": lambda c: rate_ratio(COUNTS, "x", "n", "x", "n", confidence=c),
}


@pytest.mark.parametrize("level", [0.5, 80])
@pytest.mark.parametrize("name", list(CALLS))
def test_confidence_below_ninety_is_refused_naming_it(name: str, level: float) -> None:
    with pytest.raises(ValueError, match=rf"confidence {level!r} is out of range"):
        CALLS[name](level)
