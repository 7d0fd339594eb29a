"""The plan engine: the whole plan from one filter, kept while the store is unchanged,
with progress, cancel and the recording caveat on every indicator that needs it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash.plan import parse_filter
from rehabdash.plan.engine import DEFAULT_BREAKDOWNS, Cancelled, PlanEngine
from rehabdash.queries.referrals import ReferralSource


def _engine(tmp_path: Path) -> PlanEngine:
    n = 60
    rows = referral_rows(
        sex=["1", "2"] * (n // 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[i % 2] for i in range(n)],
        referral_date=[
            date(2024, 4 + i % 12, 1) if i % 12 < 9 else date(2025, i % 12 - 8, 1) for i in range(n)
        ],
        first_contact_date=[date(2025, 3, 30)] * n,
        ethnic_category=["A"] * 30 + [None] * 30,  # half recorded: below the 80% threshold
        provider_code=["RY6", "TAD"] * (n // 2),
    )
    pop = population_rows({(lsoa, sex, "70-74"): 500 for lsoa in LSOAS[:2] for sex in ("1", "2")})
    engine = write_store(
        f"sqlite:///{tmp_path / 's.db'}",
        rows,
        people=pop,
        lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 10}),
    )
    return PlanEngine(ReferralSource(engine))


def test_whole_plan_has_every_section_and_is_kept(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    flt = parse_filter(period="2024-25")
    seen: list[float] = []
    plan = engine.plan(flt, progress=lambda f, _m: seen.append(f))
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    sections = {i.definition.section for i in plan.indicators.values()}
    assert sections == {"access", "consequences", "need", "improvement", "quality"}
    for key in DEFAULT_BREAKDOWNS:
        assert f"people_seen/{key}" in plan.indicators
    assert "people_seen_monthly/All" in plan.indicators
    assert "people_seen_quarterly/imd_quintile" in plan.indicators
    assert engine.plan(flt) is plan  # kept while the store is unchanged


def test_incomplete_recording_is_a_caveat_of_the_breakdown(tmp_path: Path) -> None:
    plan = _engine(tmp_path).plan(parse_filter(period="2024-25"), ["ethnicity", "sex"])
    caveats = plan.indicators["seen_rate/ethnicity"].definition.caveats
    assert any("recorded for only 50.0% of people referred" in c for c in caveats)
    assert not any(
        "recorded for only" in c for c in plan.indicators["seen_rate/sex"].definition.caveats
    )


def test_new_breakdown_after_a_filter_change(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    engine.plan(parse_filter(period="2024-25"), ["sex"])
    religion = engine.breakdown(parse_filter(period="2024-25", providers="TAD"), "religion")
    people = {i.metric: i for i in religion}["people_referred"].row("All")
    assert people is not None
    assert people["value"] == 30


def test_a_plan_can_be_cancelled(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with pytest.raises(Cancelled):
        engine.plan(parse_filter(period="2024-25"), cancel=lambda: True)


def test_a_filter_with_the_same_rows_borrows_them_and_gives_the_same_plan(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    first = engine.plan(parse_filter(period="2024-25"), ["sex", "ethnicity"])
    # The default IMD edition named and every age: the very same referrals.
    same = parse_filter(period="2024-25", age="0-120", imd_edition="2019")
    second = engine.plan(same, ["sex", "ethnicity"])
    assert second.scope.referrals is first.scope.referrals
    assert list(second.indicators) == list(first.indicators)  # the order of the tasks
    for key in ("wait_median/sex", "dna_rate/ethnicity", "people_seen/sex"):
        assert second.indicators[key].frame.equals(first.indicators[key].frame), key
