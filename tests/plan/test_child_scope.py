"""A filter narrowed from a kept scope (one provider of the whole ICB) borrows that
scope's masks, lookup, population and consequences base: its breakdown must be exactly
the one worked out from nothing (a new engine, nothing kept)."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from rehabdash.demo import build_demo
from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.scope import PARENT
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("child")
    url = f"sqlite:///{folder / 'demo.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REHABDASH_HOME", str(folder / "home"))
        store = open_store(url)
        build_demo(store, rows=20_000, seed=11)
        store.dispose()
    return url


@pytest.mark.parametrize("key", ["religion", "ethnicity×imd_quintile", "sex"])
def test_a_providers_breakdown_is_the_same_borrowed_or_made_afresh(
    store_url: str, key: str
) -> None:
    kept = PlanEngine(ReferralSource(open_store(store_url)))
    whole = kept.plan(parse_filter(period="2024-25"), ["sex"])
    provider = whole.scope.people["provider_code"].mode().sort()[0]
    flt = parse_filter(period="2024-25", providers=provider)
    child = kept.scope(flt)
    assert PARENT in child.cache  # it was made of the whole ICB's rows and base
    borrowed = kept.breakdown(flt, key)
    assert PARENT not in child.cache  # the parent's base is let go once used
    fresh = PlanEngine(ReferralSource(open_store(store_url))).breakdown(flt, key)
    assert [i.key for i in borrowed] == [i.key for i in fresh]
    for a, b in zip(borrowed, fresh, strict=True):
        assert a.definition == b.definition, a.key
        assert_frame_equal(a.frame, b.frame, rel_tol=1e-12, abs_tol=1e-12)
    waits = {i.metric: i for i in borrowed}["wait_median"].frame
    assert waits["value"].drop_nulls().len() > 1  # the comparison had waits to compare
