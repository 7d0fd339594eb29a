"""Caseload share beside population share, and rates on known values, worked by hand;
and the shares' ratio is the plan's own representation (two routes, one answer)."""

from __future__ import annotations

import math
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.metrics import metric
from rehabdash.plan.result import Indicator, conform
from rehabdash.plan.shares import known_factor, on_known_values, shares
from rehabdash.queries.referrals import ReferralSource


def _seen_rate() -> Indicator:
    frame = pl.DataFrame(
        {
            "breakdown_key": ["sex"] * 4,
            "breakdown": ["Sex"] * 4,
            "level_code": ["All", "1", "2", "Not known"],
            "level": ["All", "Male", "Female", "Not known"],
            "value": [12.5, 30.0, 10 / 3, None],
            "lower": [9.0, 20.0, 1.5, None],
            "upper": [16.0, 40.0, 6.0, None],
            "numerator": [50.0, 30.0, 10.0, 10.0],
            "denominator": [4000.0, 1000.0, 3000.0, None],
            "method": ["Byar's"] * 4,
            "flag": [None, None, None, "[z]"],
        }
    )
    m = metric("seen_rate")
    return Indicator("seen_rate/sex", m.definition(), conform(frame, m))


def _wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def test_caseload_share_beside_population_share() -> None:
    got = shares(_seen_rate())
    assert got["level_code"].to_list() == ["1", "2"]  # not All, not the unknown kinds
    assert got["caseload_share"].to_list() == pytest.approx([75.0, 25.0])
    assert got["population_share"].to_list() == pytest.approx([25.0, 75.0])
    low, high = _wilson(30, 40)
    assert got["lower"][0] == pytest.approx(low * 100, rel=1e-9)
    assert got["upper"][0] == pytest.approx(high * 100, rel=1e-9)


def test_rates_on_known_values_share_out_the_unrecorded() -> None:
    seen = _seen_rate()
    assert known_factor(seen) == pytest.approx(50 / 40)
    known = on_known_values(seen)
    assert known is not None
    rows = {r["level_code"]: r for r in known.frame.iter_rows(named=True)}
    assert rows["1"]["value"] == pytest.approx(30.0 * 1.25)
    assert (rows["1"]["lower"], rows["1"]["upper"]) == pytest.approx((25.0, 50.0))
    assert rows["All"]["value"] == 12.5  # everyone, unchanged
    assert rows["Not known"]["value"] is None
    # The groups now add up to everyone seen.
    assert rows["1"]["numerator"] + rows["2"]["numerator"] == pytest.approx(50.0)
    assert known.key == "seen_rate_known/sex"
    assert any("20.0% of people seen have no recorded value" in c for c in known.definition.caveats)


def test_nothing_recorded_gives_no_known_values() -> None:
    seen = _seen_rate()
    only_unknown = seen.frame.filter(pl.col("level_code").is_in(["All", "Not known"]))
    bare = Indicator(seen.key, seen.definition, only_unknown)
    assert on_known_values(bare) is None
    assert shares(bare).height == 0


def test_the_shares_ratio_is_the_plans_representation(tmp_path: Path) -> None:
    n = 120
    rows = referral_rows(
        sex=["1", "2", "2"] * (n // 3),
        age=[70] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[i % 2] for i in range(n)],
        referral_date=[date(2024, 5, 1)] * n,
        first_contact_date=[date(2024, 6, 1) if i % 4 else None for i in range(n)],
    )
    pop = population_rows(
        {(lsoa, s, "70-74"): 300 + 50 * int(s) for lsoa in LSOAS[:2] for s in "12"}
    )
    engine = write_store(
        f"sqlite:///{tmp_path / 's.db'}",
        rows,
        people=pop,
        lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 9}),
    )
    items = PlanEngine(ReferralSource(engine)).breakdown(
        parse_filter(period="2024-25"), "sex", ("access",)
    )
    seen = next(i for i in items if i.metric == "seen_rate")
    represented = next(i for i in items if i.metric == "representation")
    got = shares(seen)
    ratio = dict(
        zip(got["level_code"], got["caseload_share"] / got["population_share"], strict=True)
    )
    for row in represented.frame.iter_rows(named=True):
        assert ratio[row["level_code"]] == pytest.approx(row["value"], rel=1e-9)
