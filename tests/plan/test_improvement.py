"""Section 4 (performance on improvements) on hand-built stores: monthly and quarterly
counts, annualised rates, SPC flags, the recent trend and the baseline-vs-latest gaps,
each worked out by hand or by an independent formula here."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store
from scipy import stats as sps

from rehabdash import refdata
from rehabdash.codes.ethnicity import BROAD_GROUPS
from rehabdash.plan import parse_filter
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.disclosure import apply_disclosure
from rehabdash.plan.improvement import (
    METRICS,
    gap_change,
    improvement_indicators,
    recent_trend,
    series_indicators,
    spc_flags,
)
from rehabdash.plan.result import COLUMNS, Indicator, conform
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries.referrals import ReferralSource
from rehabdash.refdata.census import census_shares

Z = 1.959963984540054
BY_KEY = {m.key: m for m in METRICS}
MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def _scope(
    url: str,
    refs: pl.DataFrame,
    pop: pl.DataFrame,
    deciles: dict[str, int],
    period: str = "2024-25",
) -> Scope:
    engine = write_store(url, refs, people=pop, lookup=lookup_rows(deciles))
    return resolve_scope(ReferralSource(engine), parse_filter(period=period))


def _exact(x: int) -> tuple[float, float]:
    """Exact Poisson limits of a count below 10 (DESIGN 7.2)."""
    lower = sps.chi2.ppf(0.025, 2 * x) / 2 if x else 0.0
    return lower, sps.chi2.ppf(0.975, 2 * x + 2) / 2


def _cell(ind: Indicator, level: str, period: str) -> dict[str, object]:
    rows = ind.frame.filter(pl.col("level_code") == level, pl.col("period") == period)
    assert rows.height == 1, (level, period)
    return rows.row(0, named=True)


# Four people by sex. p1 (sex 1) twice in April, seen once; p2 (sex 2) April unseen and May
# seen; p3 (sex 2) June seen; p4 (sex 1) March 2025 seen, first contact 40 days later;
# p5 April as sex 1 then (later, the latest) as sex 2, unseen; p6 before the period.
_SERIES_REFS: dict[str, list[object]] = dict(
    person_key=["p1", "p1", "p2", "p2", "p3", "p4", "p5", "p5", "p6"],
    sex=["1", "1", "2", "2", "2", "1", "1", "2", "1"],
    referral_date=[
        date(2024, 4, 10),
        date(2024, 4, 25),
        date(2024, 4, 5),
        date(2024, 5, 3),
        date(2024, 6, 30),
        date(2025, 3, 1),
        date(2024, 4, 2),
        date(2024, 4, 20),
        date(2024, 3, 1),
    ],
    first_contact_date=[
        date(2024, 4, 20),
        None,
        None,
        date(2024, 5, 10),
        date(2024, 7, 2),
        date(2025, 4, 10),
        None,
        None,
        None,
    ],
    age=[72] * 9,
    age_band=["70-74"] * 9,
    lsoa=[LSOAS[0]] * 9,
)
_SERIES_POP = population_rows({(LSOAS[0], "1", "70-74"): 2000.0, (LSOAS[0], "2", "70-74"): 2000.0})


def test_monthly_series_counts_each_person_once_a_month(store_url: str) -> None:
    scope = _scope(store_url, referral_rows(**_SERIES_REFS), _SERIES_POP, {LSOAS[0]: 3})
    referred, seen, rate = series_indicators(scope, breakdown("sex"))
    assert [referred.key, seen.key, rate.key] == [
        "people_referred_monthly/sex",
        "people_seen_monthly/sex",
        "seen_rate_monthly/sex",
    ]
    assert list(rate.frame.columns) == [*COLUMNS, "period"]
    every = referred.frame.filter(pl.col("level_code") == "1")["period"].to_list()
    assert every == MONTHS  # every month listed, zeros included
    expected = {  # (level, month): (referred, seen)
        ("1", "2024-04"): (1, 1),
        ("2", "2024-04"): (2, 0),
        ("All", "2024-04"): (3, 1),
        ("2", "2024-05"): (1, 1),
        ("2", "2024-06"): (1, 1),
        ("1", "2025-03"): (1, 1),
        ("All", "2024-09"): (0, 0),
    }
    for (level, month), (n_ref, n_seen) in expected.items():
        assert _cell(referred, level, month)["value"] == n_ref
        assert _cell(seen, level, month)["value"] == n_seen
    assert referred.frame["value"].sum() == 2 * 6  # levels and All: 6 person-months
    # People seen per 1,000 per year: seen ÷ (population × days ÷ 365.25) × 1,000.
    april = _cell(rate, "1", "2024-04")
    years = 2000 * 30 / 365.25
    assert april["denominator"] == pytest.approx(years)
    assert april["value"] == pytest.approx(1 / years * 1000)
    low, high = _exact(1)
    assert (april["lower"], april["upper"]) == pytest.approx(
        (low / years * 1000, high / years * 1000)
    )
    everyone = _cell(rate, "All", "2024-04")
    assert everyone["value"] == pytest.approx(1 / (4000 * 30 / 365.25) * 1000)
    empty = _cell(rate, "1", "2024-09")
    assert (empty["value"], empty["lower"], empty["flag"]) == (0.0, 0.0, None)
    unknown = _cell(rate, "Not known", "2024-04")
    assert unknown["value"] is None
    assert unknown["flag"] == "[z]"
    assert rate.frame["multiplier"].unique().to_list() == [1000.0]
    assert any("less time to be seen" in c for c in rate.definition.caveats)


def test_quarterly_series_and_seen_within(tmp_path: Path) -> None:
    scope = _scope(
        f"sqlite:///{tmp_path / 's.db'}", referral_rows(**_SERIES_REFS), _SERIES_POP, {LSOAS[0]: 3}
    )
    referred, seen, rate = series_indicators(scope, breakdown("sex"), "quarter")
    assert referred.key == "people_referred_quarterly/sex"
    quarters = [f"2024-25 Q{q}" for q in range(1, 5)]
    assert referred.frame.filter(pl.col("level_code") == "All")["period"].to_list() == quarters
    assert _cell(referred, "2", "2024-25 Q1")["value"] == 3  # p2 once, p3, p5
    assert _cell(seen, "2", "2024-25 Q1")["value"] == 2
    assert _cell(seen, "1", "2024-25 Q4")["value"] == 1
    q1 = _cell(rate, "2", "2024-25 Q1")
    assert q1["value"] == pytest.approx(2 / (2000 * 91 / 365.25) * 1000)
    # Seen within 28 days: p4 (first contact after 40 days) no longer counts.
    late = series_indicators(scope, breakdown("sex"), "quarter", seen_within=28)[1]
    assert _cell(late, "1", "2024-25 Q4")["value"] == 0
    assert _cell(late, "2", "2024-25 Q1")["value"] == 2
    assert any("within 28 days" in c for c in late.definition.caveats)


def test_part_months_of_a_custom_range(tmp_path: Path) -> None:
    scope = _scope(
        f"sqlite:///{tmp_path / 's.db'}",
        referral_rows(**_SERIES_REFS),
        _SERIES_POP,
        {LSOAS[0]: 3},
        period="2024-05-15..2024-07-31",
    )
    rate = series_indicators(scope, breakdown("All"))[2]
    assert rate.frame["period"].to_list() == ["2024-05", "2024-06", "2024-07"]
    may = _cell(rate, "All", "2024-05")
    assert may["denominator"] == pytest.approx(4000 * 17 / 365.25)
    counts = series_indicators(scope, breakdown("All"), "quarter")[0]
    assert counts.frame["note"].to_list() == [
        "part quarter: 47 of 91 days in the period",
        "part quarter: 31 of 92 days in the period",
    ]
    gaps = gap_change(scope)  # no two complete quarters
    assert all(g.frame["flag"].to_list() == ["[x]"] * g.frame.height for g in gaps)
    assert gaps[0].frame["period"].to_list() == ["baseline", "latest", "change"]
    assert gaps[0].frame["note"][0] == (
        "not available: the period has fewer than two complete quarters"
    )


def _series(
    values: list[float], periods: list[str] | None = None, level: str = "All"
) -> pl.DataFrame:
    periods = periods or MONTHS[: len(values)]
    return pl.DataFrame(
        {
            "breakdown_key": "All",
            "breakdown": "All people",
            "level_code": level,
            "level": level,
            "period": periods,
            "value": values,
        }
    )


def _indicator(frame: pl.DataFrame, key: str = "seen_rate_monthly") -> Indicator:
    metric = BY_KEY[key]
    return Indicator(f"{key}/All", metric.definition(), conform(frame, metric))


def test_spc_flags_limits_and_verdicts_by_hand() -> None:
    values = [10.0, 16.0] * 5 + [10.0, 40.0]
    short = _series([20.0, 21.0, 19.0, 20.0, 22.0, 20.0], level="B")
    gap = _series([1.0, None, 2.0], level="C")  # type: ignore[list-item]
    series = _indicator(pl.concat([_series(values), short, gap]))
    chart = spc_flags(series, "up")
    assert chart.key == "spc_seen_rate_monthly/All"
    frame = chart.frame.filter(pl.col("level_code") == "All")
    # Mean 15; moving ranges 6 (ten) and 30: 30 >= 3.267 × 90/11 is screened out, so the
    # mean moving range is 6 and the limits 15 ± 2.66 × 6.
    spread = 2.66 * 6
    assert frame["lower"].to_list() == pytest.approx([15 - spread] * 12)
    assert frame["upper"].to_list() == pytest.approx([15 + spread] * 12)
    assert frame["note"].to_list() == ["common cause variation"] * 11 + [
        "special cause improvement (outside the process limits)"
    ]
    assert frame["method"][0] == "XmR (Making Data Count); latest point: special cause improvement"
    assert frame["flag"].to_list() == [None] * 12
    down = spc_flags(series, "down").frame.filter(pl.col("level_code") == "All")
    assert down["note"][-1] == "special cause concern (outside the process limits)"
    few = chart.frame.filter(pl.col("level_code") == "B")
    assert few["flag"].to_list() == ["[u]"] * 6
    assert few["note"][0] == "common cause variation; fewer than 12 points"
    missing = chart.frame.filter(pl.col("level_code") == "C")
    assert missing["note"].to_list() == ["no chart: the series has missing values"] * 3
    assert missing["lower"].to_list() == [None] * 3
    target = spc_flags(series, "up", target=15 - spread - 1).frame
    assert target["method"][0].endswith("; assurance: always meets")
    with pytest.raises(ValueError, match="SPC chart needs a series"):
        spc_flags(Indicator("seen_rate/All", series.definition, series.frame.drop("period")))


def test_recent_trend_slope_and_marker() -> None:
    def series(xs: list[float], level: str) -> pl.DataFrame:
        frame = _series(xs, level=level)
        return frame.with_columns(pl.Series("numerator", xs), pl.lit(1000.0).alias("denominator"))

    frame = pl.concat(
        [
            series([100.0, 200.0, 300.0, 400.0, 500.0, 600.0], "Up"),
            series([100.0] * 6, "Flat"),
            series([100.0] * 4, "Short"),
        ]
    )
    marks = recent_trend(_indicator(frame))
    assert marks.key == "trend_seen_rate_monthly/All"
    up = marks.row("Up")
    assert up is not None
    # Exactly linear rates: the weighted slope is the line's, 0.1 per month × 1,000.
    assert up["value"] == pytest.approx(100.0)
    assert up["note"] == (
        "Increasing and getting better (significant trend, no outliers; 2024-05 to 2024-09)"
    )
    assert up["period"] == "2024-09"
    flat = marks.row("Flat")
    assert flat is not None
    assert flat["value"] == pytest.approx(0.0)
    assert str(flat["note"]).startswith("No significant change")
    short = marks.row("Short")
    assert short is not None
    assert short["flag"] == "[x]"
    assert str(short["note"]).startswith("Cannot be calculated (fewer than 5 periods")
    with pytest.raises(ValueError, match="rate series"):
        recent_trend(_indicator(frame, "people_seen_monthly"))


def _ten_lsoas() -> list[str]:
    lookup = refdata.lsoa_lookup(2011).filter(pl.col("lad_code") == "E08000032")
    return lookup.sort("lsoa")["lsoa"].head(10).to_list()


def _gap_scope(tmp_path: Path, baseline: list[int], latest: list[int]) -> Scope:
    """Ten LSOAs, deciles 1-10, 1,000 people each; baseline[d] people seen in decile d+1
    on 15 April 2024, latest[d] on 14 February 2025."""
    lsoas = _ten_lsoas()
    days = ((date(2024, 4, 15), baseline), (date(2025, 2, 14), latest))
    rows = [
        (lsoa, day)
        for day, counts in days
        for lsoa, n in zip(lsoas, counts, strict=True)
        for _ in range(n)
    ]
    refs = referral_rows(
        person_key=[f"p{i}" for i in range(len(rows))],
        lsoa=[r[0] for r in rows],
        referral_date=[r[1] for r in rows],
        first_contact_date=[r[1] + timedelta(days=5) for r in rows],
        sex=["1"] * len(rows),
        age=[72] * len(rows),
        age_band=["70-74"] * len(rows),
    )
    pop = population_rows({(a, s, "70-74"): 500.0 for a in lsoas for s in ("1", "2")})
    deciles = {a: d for d, a in enumerate(lsoas, start=1)}
    return _scope(f"sqlite:///{tmp_path / 'gaps.db'}", refs, pop, deciles)


@pytest.mark.parametrize(
    ("baseline", "latest", "verdict"),
    [
        ([100] * 10, [40, 40] + [100] * 8, "worsening"),
        ([100] * 10, [100] * 10, "no significant change"),
        ([40, 40] + [100] * 8, [100] * 10, "improving"),
    ],
)
def test_rate_ratio_and_sii_gap_by_hand(
    tmp_path: Path, baseline: list[int], latest: list[int], verdict: str
) -> None:
    rr, sii_gap, _ = gap_change(_gap_scope(tmp_path, baseline, latest))
    assert (rr.key, sii_gap.key) == ("gap_rate_ratio_q1_q5/imd_quintile", "gap_sii/imd_decile")
    assert rr.frame["period"].to_list() == ["baseline 2024-25 Q1", "latest 2024-25 Q4", "change"]
    # Quintiles 1 and 5 have 2,000 people each and the same days: the ratio is of counts.
    x1a, x2a = baseline[0] + baseline[1], baseline[8] + baseline[9]
    x1b, x2b = latest[0] + latest[1], latest[8] + latest[9]
    se_a, se_b = math.sqrt(1 / x1a + 1 / x2a), math.sqrt(1 / x1b + 1 / x2b)
    base, last, change = rr.frame.iter_rows(named=True)
    assert base["value"] == pytest.approx(x1a / x2a)
    assert base["lower"] == pytest.approx(x1a / x2a * math.exp(-Z * se_a))
    assert last["upper"] == pytest.approx(x1b / x2b * math.exp(Z * se_b))
    ratio, se = (x1b / x2b) / (x1a / x2a), math.hypot(se_a, se_b)
    assert change["value"] == pytest.approx(ratio)
    assert (change["lower"], change["upper"]) == pytest.approx(
        (ratio * math.exp(-Z * se), ratio * math.exp(Z * se))
    )
    assert change["note"] == verdict
    # SII point estimates: weighted least squares of each decile's rate on its mid-rank.
    ranks, weights = np.arange(0.05, 1.0, 0.1), np.full(10, 0.1)
    for row, counts, days in ((0, baseline, 91), (1, latest, 90)):
        y = np.array(counts) / (1000 * days / 365.25) * 1000
        slope = np.polyfit(ranks, y, 1, w=np.sqrt(weights))[0]
        assert sii_gap.frame["value"][row] == pytest.approx(slope, abs=1e-6)
    sii_change = sii_gap.frame.row(2, named=True)
    assert sii_change["value"] == pytest.approx(
        sii_gap.frame["value"][1] - sii_gap.frame["value"][0]
    )
    assert sii_change["note"] == verdict


def test_representation_gap_by_hand(tmp_path: Path) -> None:
    # Baseline: 300 White (A) and 20 Asian (H) people seen; latest: 300 and 100. Asian
    # people are about 2% of these LSOAs' residents: over-represented, and more so later.
    groups = [("A", 300, 300), ("H", 20, 100)]
    rows = [
        (code, day)
        for code, a, b in groups
        for day, n in ((date(2024, 5, 1), a), (date(2025, 3, 3), b))
        for _ in range(n)
    ]
    n = len(rows)
    refs = referral_rows(
        ethnic_category=[r[0] for r in rows],
        referral_date=[r[1] for r in rows],
        first_contact_date=[r[1] + timedelta(days=3) for r in rows],
        lsoa=[LSOAS[i % 4] for i in range(n)],
        sex=["2"] * n,
        age=[80] * n,
        age_band=["80-84"] * n,
    )
    pop = population_rows({(a, "2", "80-84"): 250.0 for a in LSOAS})
    scope = _scope(
        f"sqlite:///{tmp_path / 'r.db'}", refs, pop, dict(zip(LSOAS, [1, 4, 7, 10], strict=True))
    )
    rep = gap_change(scope)[2]
    assert rep.key == "gap_representation/ethnic_group"
    # The groups' shares of the population: census shares of each LSOA, 250 people each.
    shares = census_shares("ethnic_group", 2011).filter(pl.col("area_code").is_in(list(LSOAS)))
    shares = shares.with_columns(
        pl.col("nhs").replace_strict(BROAD_GROUPS, default=None).alias("g")
    )
    by_group = shares.filter(pl.col("g").is_in(["White", "Mixed", "Asian", "Black", "Other"]))
    sums = by_group.group_by("g").agg((pl.col("share") * 250).sum())
    pop_share = {g: s / sums["share"].sum() for g, s in sums.iter_rows()}

    def wilson(x: int, total: int) -> tuple[float, float, float]:
        root = Z * math.sqrt(Z**2 + 4 * x * (1 - x / total))
        den = 2 * (total + Z**2)
        return x / total, (2 * x + Z**2 - root) / den, (2 * x + Z**2 + root) / den

    for group, (a, b) in {"White": (300, 300), "Asian": (20, 100)}.items():
        frame = rep.frame.filter(pl.col("level_code") == group)
        base, last, change = frame.iter_rows(named=True)
        va, la, ua = (v / pop_share[group] for v in wilson(a, 320))
        vb, lb, ub = (v / pop_share[group] for v in wilson(b, 400))
        assert (base["value"], base["lower"], base["upper"]) == pytest.approx((va, la, ua))
        assert (last["value"], last["lower"], last["upper"]) == pytest.approx((vb, lb, ub))
        se = math.hypot(math.log(ua / la), math.log(ub / lb)) / (2 * Z)
        assert change["value"] == pytest.approx(vb / va)
        assert change["upper"] == pytest.approx(vb / va * math.exp(Z * se))
        significant = change["lower"] > 1 or change["upper"] < 1
        away = abs(math.log(vb)) > abs(math.log(va))
        expected = (
            ("worsening" if away else "improving") if significant else "no significant change"
        )
        assert change["note"] == expected
    assert rep.frame.filter(pl.col("level_code").is_in(["White", "Asian"]))["note"].to_list() == [
        None,
        None,
        "worsening",
        None,
        None,
        "worsening",
    ]  # White 1.00 -> 0.80, Asian 2.6 -> 10: both further from 1
    nobody = rep.frame.filter(pl.col("level_code") == "Black")
    assert nobody["value"].to_list()[:2] == [0.0, 0.0]  # a true zero share
    assert nobody["flag"].to_list() == [None, None, "[x]"]  # no change on the log scale
    assert "Not known" not in rep.frame["level_code"].to_list()


def test_metric_keys_are_unique() -> None:
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys))
    assert all(m.section == "improvement" for m in METRICS)
    assert {
        "gap_rate_ratio_q1_q5",
        "gap_sii",
        "gap_representation",
        "spc_seen_rate_monthly",
        "trend_seen_rate_monthly",
        "seen_rate_quarterly",
    } <= set(keys)


def test_improvement_indicators_on_a_store(tmp_path: Path) -> None:
    scope = _scope(
        f"sqlite:///{tmp_path / 's.db'}", referral_rows(**_SERIES_REFS), _SERIES_POP, {LSOAS[0]: 3}
    )
    out = improvement_indicators(scope, ["imd_quintile", breakdown("sex")])
    assert [i.key for i in out] == [
        *(
            f"{m}/{bd}"
            for bd in ("imd_quintile", "sex")
            for m in (
                "people_referred_monthly",
                "people_seen_monthly",
                "seen_rate_monthly",
                "spc_seen_rate_monthly",
                "trend_seen_rate_monthly",
            )
        ),
        "gap_rate_ratio_q1_q5/imd_quintile",
        "gap_sii/imd_decile",
        "gap_representation/ethnic_group",
    ]
    spc = out[3].frame.filter(pl.col("level_code") == "2")  # decile 3 is quintile 2
    assert spc.height == 12
    assert spc["value"].null_count() == 0
    unknown = out[3].frame.filter(pl.col("level_code") == "Not known")
    assert unknown["note"][0] == "no chart: the series has missing values"
    # One decile of ten has people: no SII, so the SII rows are not available.
    assert out[-2].frame["flag"].to_list() == ["[x]"] * 3


def test_spc_points_are_disclosed_like_the_series(tmp_path: Path) -> None:
    scope = _scope(
        f"sqlite:///{tmp_path / 's.db'}", referral_rows(**_SERIES_REFS), _SERIES_POP, {LSOAS[0]: 3}
    )
    seen, rate = series_indicators(scope, breakdown("sex"))[1:]
    for series in (seen, rate):
        chart = spc_flags(series)
        published = apply_disclosure(chart.frame, "hes")
        april = published.filter(pl.col("level_code") == "1", pl.col("period") == "2024-04")
        assert april["value"].to_list() == [None]  # one person: suppressed, not charted exactly
        assert april["flag"].to_list() == ["[c]"]
