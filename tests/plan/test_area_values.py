"""The ratio classes of the area map, Qt-free (rehabdash.palette.ratio_class) and the
map's rows (rehabdash.plan.area_values): bounds, significance, missing values."""

from __future__ import annotations

import math

import polars as pl
import pytest

from rehabdash.palette import (
    RATIO_BOUNDS,
    RATIO_COLOURS,
    RATIO_LABELS,
    RATIO_NO_DATA,
    RATIO_NOT_SIGNIFICANT,
    ratio_class,
)
from rehabdash.plan.area_values import area_values


def test_one_colour_and_label_a_class_and_bounds_near_symmetric_on_a_log_scale() -> None:
    assert len(RATIO_COLOURS) == len(RATIO_LABELS) == len(RATIO_BOUNDS) + 1
    assert len(set(RATIO_COLOURS)) == len(RATIO_COLOURS)
    logs = [math.log(b) for b in RATIO_BOUNDS]
    for low, high in zip(logs[:3], reversed(logs[4:]), strict=True):
        assert low == pytest.approx(-high, abs=0.01)


@pytest.mark.parametrize(
    ("value", "lower", "upper", "expected"),
    [
        (0.5, 0.4, 0.6, 0),
        (0.67, 0.6, 0.7, 1),  # a bound starts its class
        (0.799, 0.7, 0.9, 1),
        (0.95, 0.9, 0.99, 3),
        (1.0, 1.0, 1.2, RATIO_NOT_SIGNIFICANT),  # the interval touches 1
        (1.05, 1.01, 1.1, 4),
        (1.5, 1.2, 1.9, 7),
        (3.0, None, None, 7),  # no interval: the value's class
        (0.0, 0.0, 0.3, 0),
        (0.95, 0.8, 1.1, RATIO_NOT_SIGNIFICANT),
        (None, None, None, RATIO_NO_DATA),
        (float("nan"), 0.1, 0.2, RATIO_NO_DATA),
        (float("inf"), 1.1, 2.0, RATIO_NO_DATA),
        (-1.0, -2.0, 0.5, RATIO_NO_DATA),
    ],
)
def test_ratio_class(
    value: float | None, lower: float | None, upper: float | None, expected: int
) -> None:
    assert ratio_class([value], [lower], [upper]).tolist() == [expected]


def test_area_values_line_up_on_the_map() -> None:
    given = pl.DataFrame(
        {
            "code": ["c", "a", "z"],
            "value": [0.5, 1.2, 1.0],
            "lower": [0.4, 0.9, 0.9],
            "upper": [0.6, 1.5, 1.1],
            "text": ["C is low", None, "off the map"],
        }
    )
    rows, unmatched = area_values(["a", "b", "c"], ["A", "B", "C"], given)
    assert rows["code"].to_list() == ["a", "b", "c"]
    assert rows["class"].to_list() == [RATIO_NOT_SIGNIFICANT, RATIO_NO_DATA, 0]
    assert rows["text"].to_list() == [
        "A (a): not significantly different from 1 (95% interval includes 1)",
        "B (b): no data",
        "C is low",
    ]
    assert unmatched == ["z"]
    with pytest.raises(ValueError, match="two values"):
        area_values(["a"], ["A"], pl.concat([given, given]))
    # Only code and value are needed.
    rows, _ = area_values(["a"], ["A"], pl.DataFrame({"code": ["a"], "value": [0.85]}))
    assert rows.row(0, named=True)["class_label"] == "0.8 to under 0.9"
