"""The Trends page's board: each level's XmR chart read from the plan's SPC frames, and
the Making Data Count icons classified by the rules, worked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from rehabdash.plan.improvement import METRICS
from rehabdash.plan.result import Indicator, conform
from rehabdash.plan.series import _VARIATION, spc_flags
from rehabdash.plan.spc_chart import (
    ASSURANCE,
    VariationIcon,
    derived_spc,
    spc_series,
    trend_board,
    variation_icon,
)

BY_KEY = {m.key: m for m in METRICS}
MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
PATTERN = [10.0, 12.0, 11.0, 13.0] * 3  # sum 138


def _series(values: list[float | None], level: str = "All", bd: str = "All") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "breakdown_key": bd,
            "breakdown": "All people" if bd == "All" else bd,
            "level_code": level,
            "level": level,
            "period": MONTHS[: len(values)],
            "value": values,
            "numerator": values,
        },
        schema_overrides={"value": pl.Float64, "numerator": pl.Float64},
    )


def _indicator(frame: pl.DataFrame, key: str = "people_seen_monthly", bd: str = "All") -> Indicator:
    metric = BY_KEY[key]
    return Indicator(f"{key}/{bd}", metric.definition(), conform(frame, metric))


def test_the_mdc_variation_icon_rules_by_hand() -> None:
    # Improving or concerning: high or low by the direction of improvement.
    assert variation_icon("improvement", "up", [1, 9], 5) == VariationIcon("improvement", "H")
    assert variation_icon("concern", "up", [9, 1], 5) == VariationIcon("concern", "L")
    assert variation_icon("improvement", "down", [9, 1], 5) == VariationIcon("improvement", "L")
    assert variation_icon("concern", "down", [1, 9], 5) == VariationIcon("concern", "H")
    # Neither: the side of the mean, or a 7-point trend's direction (here rising while
    # still below the mean).
    assert variation_icon("neutral", None, [1, 9], 5).letter == "H"
    assert variation_icon("neutral", None, [9, 1], 5).letter == "L"
    rising = variation_icon("neutral", None, [1, 2], 5, ("7 points rising or falling",))
    assert rising == VariationIcon("neutral", "H")
    common = variation_icon("common cause", "up", [1, 2], 5)
    assert common.words == "Common cause variation"
    assert variation_icon(None, "up", [], None).words == "No SPC chart"
    assert VariationIcon("improvement", "H").words == "Special cause improving variation (high)"
    assert VariationIcon("concern", "L").words == "Special cause concerning variation (low)"


def test_a_chart_read_from_the_engine_frame_matches_xmr_by_hand() -> None:
    # 10, 12, 11, 13 three times with the last 13 → 30: mean 155 / 12; moving ranges
    # 2, 1, 2, 3, 2, 1, 2, 3, 2, 1 and 17; 17 ≥ 3.267 × 36 / 11 is screened out, so the
    # average moving range is 19 / 10 = 1.9 and the limits mean ± 2.66 × 1.9.
    up = [*PATTERN[:-1], 30.0]
    down = [*PATTERN[:-1], 0.0]  # mean 125 / 12, moving ranges ... 11 screened: 1.9 again
    frame = pl.concat([_series(up, "Up"), _series(down, "Down")])
    chart = spc_flags(_indicator(frame), "up")
    by_level = {s.level_code: s for s in spc_series(chart)}
    high, low = by_level["Up"], by_level["Down"]
    assert high.mean == pytest.approx(155 / 12)
    assert (high.lower, high.upper) == pytest.approx((155 / 12 - 2.66 * 1.9, 155 / 12 + 2.66 * 1.9))
    assert low.mean == pytest.approx(125 / 12)
    assert low.lower == pytest.approx(125 / 12 - 2.66 * 1.9)
    # Only the last point is outside the limits: improvement (higher is better) or concern.
    assert [p.variation for p in high.points] == ["common cause"] * 11 + ["improvement"]
    assert high.points[-1].rules == ("outside the process limits",)
    assert [p.variation for p in low.points] == ["common cause"] * 11 + ["concern"]
    assert high.icon.words == "Special cause improving variation (high)"
    assert low.icon.words == "Special cause concerning variation (low)"
    assert high.assurance == "none"
    assert "no assurance icon" in high.assurance_words
    assert not high.low_reliability
    assert high.message is None
    assert high.title == "People seen within 28 days of referral, by month: Up"
    # The table is what is drawn: every period, its value, the limits and its verdict.
    table = high.table()
    assert [r[0] for r in table[1:]] == MONTHS
    assert table[-1][1] == "30"
    assert table[-1][5] == "Special cause improvement"
    assert table[1][2] == f"{155 / 12:,.1f}"


def test_neutral_measures_and_assurance() -> None:
    up = [*PATTERN[:-1], 30.0]
    referred = _indicator(_series(up), "people_referred_monthly")
    [chart] = derived_spc([referred])  # people referred: neither direction is better
    assert chart.key == "spc_people_referred_monthly/All"
    [series] = spc_series(chart)
    assert series.points[-1].variation == "neutral"
    assert series.icon == VariationIcon("neutral", "H")  # above the mean
    # Assurance, given a target: the whole process range above it passes (higher is better).
    seen = _indicator(_series(PATTERN))
    mean = sum(PATTERN) / 12
    for target, want in ((mean - 20, "pass"), (mean + 20, "fail"), (mean, "hit and miss")):
        [s] = spc_series(spc_flags(seen, "up", target=target))
        assert s.assurance == want
        assert s.assurance_words == ASSURANCE[want][1]  # type: ignore[index]


def test_groups_without_a_chart_say_why() -> None:
    frame = pl.concat(
        [
            _series(PATTERN[:6], "Short"),
            _series([1.0, None, 2.0], "Gap"),
            _series([0.0] * 12, "Zero"),
        ]
    )
    chart = spc_flags(_indicator(frame), "up")
    by_level = {s.level_code: s for s in spc_series(chart)}
    assert by_level["Short"].low_reliability
    assert "[u]" in (by_level["Short"].message or "")
    assert by_level["Short"].charted
    gap = by_level["Gap"]
    assert not gap.charted
    assert gap.icon.tone == "none"
    assert gap.message == "No SPC chart for this group: the series has missing values."
    assert [p.variation for p in gap.points] == [None] * 3
    zero = by_level["Zero"]
    assert not zero.charted
    assert "every point is 0" in (zero.message or "")


def test_the_board_summary_says_what_each_chart_says() -> None:
    rate = _indicator(_series([*PATTERN[:-1], 30.0]), "seen_rate_monthly")
    seen = _indicator(_series(PATTERN), "people_seen_monthly")
    spc = spc_flags(rate, "up")
    board = trend_board([rate, spc, seen])
    # The rate's chart is the engine's; people seen's is derived.
    assert [s.metric for s in board.series] == ["spc_seen_rate_monthly", "spc_people_seen_monthly"]
    summary = board.summary()
    assert summary[0][-2:] == ["Variation", "Assurance"]
    for row, s in zip(summary[1:], board.summary_series(), strict=True):
        assert row[-2] == s.icon.words
        assert row[-1] == s.assurance_words
        assert row[5] == s.format(s.points[-1].value)
    assert summary[1][-2] == "Special cause improving variation (high)"
    assert board.find("seen_rate", "monthly", "All", "All")[0].key == (
        "spc_seen_rate_monthly/All/All"
    )


def test_the_verdict_words_are_the_series_module_words() -> None:
    # The board reads the verdicts spc_flags writes: the same words.
    assert set(_VARIATION) == {"improvement", "concern", "neutral", "common cause"}
