"""Invalid input raises ValueError naming the column and the offending row or group."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from rehabdash.stats import (
    dsr,
    funnel_limits,
    heat,
    isr_ratio,
    mean,
    proportion,
    rate,
    sii,
    spc,
)

COUNTS = pl.DataFrame({"area": ["a", "b", "c"], "x": [1, 2, 3], "n": [10, 20, 30]})


@pytest.mark.parametrize("func", [rate, proportion])
def test_negative_count_names_column_row_and_group(func: object) -> None:
    df = COUNTS.with_columns(pl.Series("x", [1, -2, 3]))
    with pytest.raises(ValueError, match=r"column 'x'.*row 1 \(group area='b'\)"):
        func(df, "x", "n", group_by="area")  # type: ignore[operator]


@pytest.mark.parametrize("func", [rate, proportion, funnel_limits])
def test_non_positive_denominator(func: object) -> None:
    df = COUNTS.with_columns(pl.Series("n", [10, 20, 0]))
    with pytest.raises(ValueError, match=r"column 'n'.*row 2"):
        func(df, "x", "n")  # type: ignore[operator]


def test_x_above_n_only_for_proportions() -> None:
    df = COUNTS.with_columns(pl.Series("x", [1, 25, 3]))
    with pytest.raises(ValueError, match=r"column 'x'.*x > n.*row 1"):
        proportion(df, "x", "n")
    assert rate(df, "x", "n")["value"][1] == pytest.approx(125_000.0)


@pytest.mark.parametrize("level", [0, 1, 100, 0.05, 120, -95, True, "95", 0.5, 0.8, 80, 50])
def test_confidence_out_of_range(level: object) -> None:
    with pytest.raises(ValueError, match="confidence"):
        rate(COUNTS, "x", "n", confidence=level)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", [0.5, 80, 0.899])
@pytest.mark.parametrize("func", [proportion, rate])
def test_confidence_below_ninety_is_refused_naming_it(func: object, level: float) -> None:
    # PHEindicatormethods accepts 0.9-1 or 90-100 only; so do we, and we name the value.
    with pytest.raises(ValueError, match=rf"confidence {level!r} is out of range.*0\.9 and 1"):
        func(COUNTS, "x", "n", confidence=level)  # type: ignore[operator]


@pytest.mark.parametrize("level", [0.9, 90, 0.95, 95, 0.998, 99.8])
def test_confidence_from_ninety_is_accepted(level: float) -> None:
    assert rate(COUNTS, "x", "n", confidence=level)["confidence"].is_not_null().all()


def test_unknown_column_and_bad_multiplier() -> None:
    with pytest.raises(ValueError, match="'count'"):
        rate(COUNTS, "count", "n")
    with pytest.raises(ValueError, match="multiplier"):
        proportion(COUNTS, "x", "n", multiplier=-100)
    with pytest.raises(ValueError, match="numeric"):
        mean(COUNTS, "area")


def test_sii_population_and_duplicate_quantile() -> None:
    df = pl.DataFrame(
        {"q": [1, 2, 3, 4, 5], "pop": [1.0, 2, 0, 1, 1], "v": [5.0, 4, 3, 2, 1], "se": [0.1] * 5}
    )
    with pytest.raises(ValueError, match=r"column 'pop'.*row 2"):
        sii(df, "q", "pop", "v", se="se", value_type="normal")
    dup = df.with_columns(pl.Series("q", [1, 2, 2, 4, 5]), pl.Series("pop", [1.0] * 5))
    with pytest.raises(ValueError, match=r"column 'q'.*twice"):
        sii(dup, "q", "pop", "v", se="se", value_type="normal")
    with pytest.raises(ValueError, match="either se or both"):
        sii(df, "q", "pop", "v")


def test_isr_and_dsr_duplicate_bands() -> None:
    df = pl.DataFrame(
        {"band": ["0-4", "0-4"], "x": [1, 2], "n": [10, 10], "xr": [1, 1], "nr": [10, 10]}
    )
    with pytest.raises(ValueError, match=r"'band'.*twice"):
        isr_ratio(df, "x", "n", "xr", "nr", band="band")
    with pytest.raises(ValueError, match=r"'band'.*twice"):
        dsr(df, "x", "n", age_band="band")


def test_spc_and_heat_inputs() -> None:
    df = pl.DataFrame({"d": [dt.date(2024, 1, 1), dt.date(2024, 1, 1)], "y": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"column 'd'.*twice"):
        spc(df, "d", "y")
    with pytest.raises(ValueError, match="improvement"):
        spc(df, "d", "y", "sideways")  # type: ignore[arg-type]
    one = pl.DataFrame({"s": ["A"], "y": [1.0], "pop": [1.0]})
    with pytest.raises(ValueError, match=r"column 's'.*at least 2"):
        heat(one, "s", "y", "pop")
