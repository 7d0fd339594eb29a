"""The Overview's headline figures (rehabdash.plan.headlines), checked against numbers
worked out by hand: the deprivation gap is a ratio of two crude rates with log-scale
limits; each headline says in words what it shows, and why when it has no value."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest

from rehabdash.plan.headlines import Headline, headlines, number
from rehabdash.plan.metrics import METRICS
from rehabdash.plan.quality import BELOW_CSDS, BELOW_TARGET
from rehabdash.plan.result import Indicator, conform

Z95 = 1.959963984540054


def _indicator(metric: str, breakdown: str, rows: list[dict[str, Any]]) -> Indicator:
    blank = dict.fromkeys(("value", "lower", "upper", "numerator", "denominator", "flag", "note"))
    full = [
        {"breakdown_key": breakdown, "breakdown": breakdown, "level": r["level_code"], **blank, **r}
        for r in rows
    ]
    found = METRICS[metric]
    frame = conform(pl.DataFrame(full, infer_schema_length=None), found)
    return Indicator(f"{metric}/{breakdown}", found.definition(), frame)


def _quintiles(q1: dict[str, Any], q5: dict[str, Any]) -> Indicator:
    return _indicator(
        "seen_rate", "imd_quintile", [{"level_code": "1", **q1}, {"level_code": "5", **q5}]
    )


def _one(key: str, *indicators: Indicator) -> Headline:
    return next(h for h in headlines(indicators) if h.key == key)


def test_the_gap_is_the_ratio_of_the_most_to_the_least_deprived_fifths_rate() -> None:
    # 30 of 20,000 against 60 of 16,000: 1.5 and 3.75 per 1,000, a ratio of 0.4.
    gap = _one(
        "deprivation_gap",
        _quintiles(
            {"numerator": 30, "denominator": 20_000}, {"numerator": 60, "denominator": 16_000}
        ),
    )
    se = math.sqrt(1 / 30 + 1 / 60)
    assert gap.value == pytest.approx(0.4)
    assert gap.lower == pytest.approx(0.4 * math.exp(-Z95 * se))  # 0.258
    assert gap.upper == pytest.approx(0.4 * math.exp(Z95 * se))  # 0.620
    assert gap.value_text == "0.40"
    assert gap.interval_text == "95% interval 0.26 to 0.62"
    assert "60% less often per head than" in gap.note
    assert gap.indicator == "seen_rate/imd_quintile"


def test_a_gap_whose_interval_includes_1_is_no_clear_gap() -> None:
    gap = _one(
        "deprivation_gap",
        _quintiles(
            {"numerator": 10, "denominator": 10_000}, {"numerator": 12, "denominator": 10_000}
        ),
    )
    assert gap.lower is not None
    assert gap.upper is not None
    assert gap.lower < 1 < gap.upper
    assert gap.note.startswith("No clear gap")


def test_a_suppressed_quintile_gives_no_gap_and_says_why() -> None:
    gap = _one(
        "deprivation_gap",
        _quintiles(
            {"flag": "[c]", "denominator": 20_000}, {"numerator": 60, "denominator": 15_000}
        ),
    )
    assert gap.value is None
    assert gap.value_text == "[c]"
    assert gap.interval_text == "Suppressed to protect confidentiality"
    assert "suppressed" in gap.note


def test_missing_indicators_are_not_available_not_zero() -> None:
    for headline in headlines([]):
        assert headline.value is None
        assert headline.value_text == "[x]"
        assert headline.interval_text == "Not available"
        assert headline.note.startswith("The plan has no")


def test_the_rate_of_people_seen_is_the_all_row_over_everyone() -> None:
    by_age = _indicator(
        "seen_rate",
        "age_band",
        [
            {
                "level_code": "All",
                "value": 3.3152,
                "lower": 3.2427,
                "upper": 3.3889,
                "numerator": 7945,
                "denominator": 2_396_517,
            }
        ],
    )
    over_16s = _indicator(  # a breakdown of over-16s only: not the headline
        "seen_rate", "sexual_orientation", [{"level_code": "All", "value": 4.16}]
    )
    seen = _one("seen_rate", over_16s, by_age)
    assert (seen.value, seen.value_text) == (3.3152, "3.32")
    assert seen.interval_text == "95% interval 3.24 to 3.39"
    assert seen.note == "7,945 people seen (an attended contact) of 2,396,517 residents"


@pytest.mark.parametrize(
    ("value", "lower", "upper", "words"),
    [
        (20.7, 19.8, 21.6, "Rises by 20.7 per 1,000 from the most to the least deprived end"),
        (-4.25, -6.0, -2.5, "Falls by 4.25 per 1,000"),
        (0.5, -0.4, 1.4, "No clear slope"),
    ],
)
def test_the_slope_index_says_which_way_in_words(
    value: float, lower: float, upper: float, words: str
) -> None:
    sii = _one(
        "sii",
        _indicator(
            "sii",
            "imd_decile",
            [{"level_code": "All", "value": value, "lower": lower, "upper": upper}],
        ),
    )
    assert words in sii.note
    if value > 0 and lower > 0:
        assert sii.note.endswith("more are seen in less deprived areas")
    if value < 0 and upper < 0:
        assert sii.note.endswith("more are seen in more deprived areas")


@pytest.mark.parametrize(
    ("note", "words"),
    [(BELOW_CSDS, "too incomplete"), (BELOW_TARGET, "below the 95% target"), (None, "meets")],
)
def test_ethnicity_recording_gives_the_plans_verdict(note: str | None, words: str) -> None:
    rows = [
        {"level_code": "valid", "value": 84.08, "lower": 83.31, "upper": 84.82, "note": note},
        {"level_code": "not known", "value": 6.2},
    ]
    recorded = _one("ethnicity_recorded", _indicator("recorded_share", "ethnicity", rows))
    assert recorded.value_text == "84.1%"
    assert recorded.interval_text == "95% interval 83.3% to 84.8%"
    assert words in recorded.note


def test_numbers_are_written_to_the_precision_of_their_value() -> None:
    assert number(3.3152, "per 1,000") == "3.32"
    assert number(41.66, "per 1,000") == "41.7"
    assert number(1234.6, "per 1,000") == "1,235"
    assert number(0.5, "per 1,000", like=41.7) == "0.5"  # a limit, like its value
    assert number(0.375, "ratio") == "0.38"
    assert number(84.08, "%") == "84.1%"
