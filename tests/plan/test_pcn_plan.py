"""A plan for one PCN's patients (the PCN page's drill, issue 14): a PCN has no resident
population, so what needs one (rates, O/E, the SII and rate-ratio gaps) is not available,
and everything else is still worked out: never a failure."""

from __future__ import annotations

import pytest

from rehabdash.demo import build_demo
from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.result import NOT_AVAILABLE
from rehabdash.queries.referrals import ReferralSource
from rehabdash.refdata import gp_practices
from rehabdash.store import open_store


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> PlanEngine:
    folder = tmp_path_factory.mktemp("pcn")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REHABDASH_HOME", str(folder / "home"))
        store = open_store(f"sqlite:///{folder / 'demo.db'}")
        build_demo(store, rows=20_000, seed=8)
        return PlanEngine(ReferralSource(store))


def test_a_pcns_plan_has_its_gaps_not_available(engine: PlanEngine) -> None:
    everyone = engine.scope(parse_filter(period="2024-25"))
    practice = everyone.people["gp_practice"].drop_nulls().mode().sort()[0]
    pcn = gp_practices().filter(practice_code=practice)["pcn_code"][0]
    flt = parse_filter(period="2024-25", area=f"pcn:{pcn}")
    plan = engine.plan(flt)
    assert plan.scope.denominator is None
    seen = plan.get("people_seen", "sex")
    assert seen is not None
    assert seen.frame["value"].sum() > 0  # counts are there
    for key in ("gap_sii/imd_decile", "gap_rate_ratio_q1_q5/imd_quintile"):
        gap = plan.indicators[key]
        assert set(gap.frame["flag"]) == {NOT_AVAILABLE}, key
        assert gap.frame["value"].null_count() == gap.frame.height
