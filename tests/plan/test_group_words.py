"""The plain-English line beside a chart of groups: the unfavourable end by the
metric's polarity, only groups of known value, and the interval overlap with All."""

from __future__ import annotations

import polars as pl

from rehabdash.plan.consequences import METRICS
from rehabdash.plan.group_words import is_known, overlaps, sentence
from rehabdash.plan.result import Indicator, conform

BY_KEY = {m.key: m for m in METRICS}


def _indicator(key: str, rows: list[tuple[object, ...]]) -> Indicator:
    frame = pl.DataFrame(
        rows, schema=["level_code", "level", "value", "lower", "upper", "flag"], orient="row"
    ).with_columns(breakdown_key=pl.lit("imd_quintile"), breakdown=pl.lit("IMD quintile"))
    metric = BY_KEY[key]
    return Indicator(f"{key}/imd_quintile", metric.definition(), conform(frame, metric))


WAITS = [
    ("1", "Quintile 1 (1)", 40.0, 35.0, 45.0, None),
    ("5", "Quintile 5 (5)", 20.0, 18.0, 22.0, None),
    ("Not known", "Not known", 90.0, 80.0, 99.0, None),  # a recording gap: never named
    ("All", "All", 25.0, 24.0, 26.0, None),
]


def test_the_longest_wait_is_named_and_its_interval_compared() -> None:
    text = sentence(_indicator("wait_median", WAITS), "Longest median wait")
    assert text.startswith("Longest median wait: Quintile 1 (1), 40 days (95% CI 35 to 45)")
    assert "against 25 days for All (95% CI 24 to 26)" in text
    assert "do not overlap" in text  # 35 > 26
    assert "Not known" not in text


def test_higher_is_better_names_the_lowest_and_overlap_is_said() -> None:
    rows = [
        ("1", "Quintile 1 (1)", 80.0, 70.0, 88.0, None),
        ("5", "Quintile 5 (5)", 90.0, 85.0, 94.0, None),
        ("All", "All", 86.0, 84.0, 88.0, None),
    ]
    text = sentence(_indicator("wait_within_18w", rows), "Least often seen within 18 weeks")
    assert "Quintile 1 (1), 80.0%" in text  # polarity "higher": the lowest is worst
    assert "The intervals overlap" in text  # 70-88 meets 84-88


def test_no_known_value_says_so() -> None:
    rows = [("Not known", "Not known", 9.0, 8.0, 10.0, None), ("All", "All", 9.0, 8.0, 10.0, None)]
    assert sentence(_indicator("dna_rate", rows), "Highest DNA rate").startswith("No group has")


def test_known_codes_and_overlap() -> None:
    assert is_known("Asian|1")
    assert not is_known("Asian|Not known")
    assert not is_known("All")
    assert overlaps((1.0, 2.0), (2.0, 3.0))
    assert not overlaps((1.0, 2.0), (2.5, 3.0))


def test_a_group_of_a_few_values_is_never_called_more_than_chance() -> None:
    import polars as pl

    from rehabdash.plan.group_words import sentence
    from rehabdash.plan.metrics import metric
    from rehabdash.plan.result import Indicator, conform

    m = metric("wait_median")
    frame = pl.DataFrame(
        {
            "breakdown_key": ["sex"] * 3,
            "breakdown": ["Sex"] * 3,
            "level_code": ["All", "1", "2"],
            "level": ["All", "Male", "Female"],
            "value": [20.0, 18.0, 55.0],
            "lower": [15.0, 16.0, 55.0],
            "upper": [25.0, 21.0, 55.0],
            "numerator": [40.0, 38.0, 2.0],
            "flag": [None, None, "[u]"],
        }
    )
    text = sentence(Indicator("wait_median/sex", m.definition(), conform(frame, m)), "Longest")
    assert "Female" in text
    assert "Too few to tell" in text
    assert "unlikely to be chance" not in text
