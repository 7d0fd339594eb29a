"""The week bands lined up by group for the stacked chart: the shares and where each
segment starts are the band indicators' values, worked out here by hand."""

from __future__ import annotations

import polars as pl
import pytest

from rehabdash.plan.consequences import METRICS, WAIT_BANDS
from rehabdash.plan.result import Indicator, conform
from rehabdash.plan.stacked_data import band_keys, stacked_data

# Per group: referrals seen in each of the seven bands (shortest first).
COUNTS = {"All": [4, 3, 2, 1, 0, 0, 0], "1": [1, 2, 1, 0, 0, 0, 0], "5": [3, 1, 1, 1, 0, 0, 0]}
LABELS = {"All": "All", "1": "Quintile 1 (1)", "5": "Quintile 5 (5)", "Not known": "Not known"}
BY_KEY = {m.key: m for m in METRICS}


def _bands() -> list[Indicator]:
    out = []
    for band, key in enumerate(band_keys("wait_band")):
        rows = []
        for code in ("1", "5", "Not known", "All"):
            if code == "Not known":  # nobody seen: [z]
                rows.append((code, LABELS[code], None, 0.0, 0.0, "[z]", "nobody seen"))
                continue
            n, total = COUNTS[code][band], sum(COUNTS[code])
            rows.append((code, LABELS[code], 100 * n / total, float(n), float(total), None, None))
        frame = pl.DataFrame(
            rows,
            schema=["level_code", "level", "value", "numerator", "denominator", "flag", "note"],
            orient="row",
        ).with_columns(breakdown_key=pl.lit("imd_quintile"), breakdown=pl.lit("IMD quintile"))
        metric = BY_KEY[key]
        out.append(Indicator(f"{key}/imd_quintile", metric.definition(), conform(frame, metric)))
    return out


def test_the_rows_are_each_groups_shares_in_band_order() -> None:
    data = stacked_data(_bands(), "Wait to first contact", "Referrals seen")
    assert [r.code for r in data.rows] == ["All", "1", "5", "Not known"]
    assert data.bands == tuple(label for _, label, _, _ in WAIT_BANDS)
    q5 = data.rows[2]
    assert q5.shares == pytest.approx([50.0, 100 / 6, 100 / 6, 100 / 6, 0.0, 0.0, 0.0])
    # each segment starts where the bands before it end: 0, 50, 66.7, 83.3, 100, ...
    assert q5.starts() == pytest.approx([0.0, 50.0, 200 / 3, 250 / 3, 100.0, 100.0, 100.0])
    assert q5.total == 6.0
    assert q5.counts == (3.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0)
    unknown = data.rows[3]
    assert not unknown.drawn
    assert unknown.state == "not_applicable"
    assert unknown.shares == (None,) * 7
    assert data.recorded


def test_the_table_is_exactly_the_shares_drawn() -> None:
    data = stacked_data(_bands(), "Wait to first contact", "Referrals seen")
    table = data.table()
    assert table[0][0] == "Group"
    assert table[0][1] == "0-1 weeks (0-7 days) (%)"
    assert table[0][-2:] == ["Referrals seen", "Note"]
    assert table[2][:5] == ["Quintile 1 (1)", "25", "50", "25", "0"]
    assert table[4][1:8] == ["[z]"] * 7  # not applicable, not a blank
    assert table[4][-1] == "nobody seen"


def test_no_group_with_a_bar_is_not_recorded() -> None:
    bands = [
        Indicator(
            b.key, b.definition, b.frame.filter(pl.col("level_code").is_in(["All", "Not known"]))
        )
        for b in _bands()
    ]
    assert not stacked_data(bands, "Wait to first contact", "Referrals seen").recorded
