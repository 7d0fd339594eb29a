"""Findings: only what the interval supports, ranked, person-first, never about "not
known", each pointing at its indicator; worked out by hand on a small store."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store
from scipy.stats import norm

from rehabdash.plan import parse_filter
from rehabdash.plan.access import access_indicators
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.findings import candidates, find
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries.referrals import ReferralSource


def _scope(tmp_path: Path, deprived: int, least: int, ethnicity: str = "99") -> Scope:
    """Men and women aged 70-74, half each: ``deprived`` people seen in an IMD decile 1
    LSOA and ``least`` in a decile 10 LSOA, each with 500 men and 500 women."""
    n = deprived + least
    rows = referral_rows(
        sex=["1", "2"] * (n // 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[0]] * deprived + [LSOAS[1]] * least,
        first_contact_date=[date(2024, 7, 1)] * n,
        ethnic_category=[ethnicity] * n,
    )
    pop = population_rows({(lsoa, sex, "70-74"): 500 for lsoa in LSOAS[:2] for sex in ("1", "2")})
    engine = write_store(
        f"sqlite:///{tmp_path / 's.db'}",
        rows,
        people=pop,
        lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 10}),
    )
    return resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))


def _indicators(scope: Scope) -> dict[str, object]:
    out = {}
    for key in ("imd_quintile", "imd_decile", "sex", "ethnicity", "age_band"):
        out.update({i.key: i for i in access_indicators(scope, breakdown(key))})
    return out


def test_deprivation_gap_is_stated_with_its_interval(tmp_path: Path) -> None:
    scope = _scope(tmp_path, deprived=20, least=60)
    found = find(_indicators(scope), scope)  # type: ignore[arg-type]
    # O/E quintile 1 = 20 / 40, quintile 5 = 60 / 40: ratio 1/3 with the log interval.
    z = norm.ppf(0.975)
    spread = z * math.sqrt(1 / 20 + 1 / 60)
    low, high = math.exp(math.log(1 / 3) - spread), math.exp(math.log(1 / 3) + spread)
    gap = [f for f in found if f.indicator == "seen_oe/imd_quintile"]
    assert len(gap) == 1
    assert gap[0].text == (
        "People living in the most deprived fifth of areas were 67% less likely to be seen "
        "by community rehab than people in the least deprived fifth, after allowing for age "
        f"and sex (ratio 0.33, 95% CI {low:.2f} to {high:.2f})."
    )
    assert gap[0].filter == scope.filter.describe()
    # Men and women are seen alike: no sentence about them.
    assert not [f for f in found if "Women" in f.text or "Men" in f.text]
    # Everyone's ethnicity is "not known": never written up as a group of people.
    assert not [f for f in found if "Not known" in f.text or "not known" in f.text]


def test_nothing_is_claimed_without_a_difference(tmp_path: Path) -> None:
    scope = _scope(tmp_path, deprived=40, least=40)
    tested = candidates(_indicators(scope), scope)  # type: ignore[arg-type]
    assert [f.indicator for f in tested if f.indicator == "seen_oe/imd_quintile"]
    assert find(_indicators(scope), scope) == []  # type: ignore[arg-type]


def test_findings_are_ranked_by_the_size_of_the_gap(tmp_path: Path) -> None:
    scope = _scope(tmp_path, deprived=20, least=60, ethnicity="A")
    found = find(_indicators(scope), scope)  # type: ignore[arg-type]
    sizes = [f.size for f in found]
    assert sizes == sorted(sizes, reverse=True)
    assert all(f.significant for f in found)


def test_a_group_of_low_reliability_makes_no_finding(tmp_path: Path) -> None:
    """An O/E far from 1 whose row is flagged [u] (few people) is not a finding; the same
    numbers unflagged are one."""
    import polars as pl

    from rehabdash.plan.result import Indicator

    scope = _scope(tmp_path, deprived=20, least=60, ethnicity="J")
    indicators = _indicators(scope)
    oe = indicators["seen_oe/ethnicity"]
    assert isinstance(oe, Indicator)
    far = pl.col("level_code") == "J"

    def with_flag(flag: str | None) -> Indicator:
        frame = oe.frame.with_columns(
            pl.when(far).then(pl.lit(0.2)).otherwise(pl.col("value")).alias("value"),
            pl.when(far).then(pl.lit(0.05)).otherwise(pl.col("lower")).alias("lower"),
            pl.when(far).then(pl.lit(0.5)).otherwise(pl.col("upper")).alias("upper"),
            pl.when(far).then(pl.lit(flag)).otherwise(pl.col("flag")).alias("flag"),
        )
        return Indicator(oe.key, oe.definition, frame)

    def ethnic_findings(item: Indicator) -> list[object]:
        found = find({**indicators, oe.key: item}, scope)  # type: ignore[dict-item]
        return [f for f in found if f.indicator == oe.key and f.level_code == "J"]

    assert len(ethnic_findings(with_flag(None))) == 1
    assert ethnic_findings(with_flag("[u]")) == []
