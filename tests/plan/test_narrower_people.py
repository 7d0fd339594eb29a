"""A narrower filter's people (one provider of a kept scope) are taken from the kept
scope's people: a person with all their rows in the narrower scope is the same person
there. Someone with rows on both sides (seen by two providers) is worked out again from
their rows here. Either way the people, their codes and every breakdown must be exactly
those worked out from nothing (a new engine, nothing kept)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from plan_store import LSOAS, referral_rows, write_store
from polars.testing import assert_frame_equal

from rehabdash.codes.characteristics import CHARACTERISTICS
from rehabdash.plan import parse_filter
from rehabdash.plan import scope as scope_module
from rehabdash.plan.breakdown import people_codes
from rehabdash.plan.engine import PlanEngine
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store

D = date
ONE, TWO = "RY6", "RXF"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    rows = referral_rows(
        # a: seen by both providers in the period; their latest is with TWO (religion 3),
        #    with ONE it is the 2024-07-01 referral (religion 2)
        # b: two referrals with ONE; c: one with TWO; d: one with ONE, and one with TWO
        #    before the period (open at its start): d has rows on both sides too, but
        #    only ONE's is in the period
        # e: with ONE before the period only (not a person of it)
        person_key=["a", "a", "a", "b", "b", "c", "d", "d", "e"],
        provider_code=[ONE, ONE, TWO, ONE, ONE, TWO, ONE, TWO, ONE],
        referral_date=[D(2024, 5, 1), D(2024, 7, 1), D(2024, 9, 1), D(2024, 4, 9),
                       D(2025, 2, 1), D(2024, 6, 6), D(2024, 8, 8), D(2024, 1, 2),
                       D(2024, 1, 5)],
        first_contact_date=[D(2024, 5, 9), None, None, None, D(2025, 2, 8), None,
                            D(2024, 8, 20), None, None],
        contacts_attended=[1, 0, 0, 0, 1, 0, 2, 0, 0],
        religion=["1", "2", "3", "9", "2", "4", "1", "5", "1"],
        sex=["1", "1", "1", "2", "2", "1", "2", "2", "1"],
        age=[70, 70, 71, 40, 41, 55, 30, 30, 80],
        lsoa=[LSOAS[0]] * 9,
    )  # fmt: skip
    url = f"sqlite:///{tmp_path_factory.mktemp('narrower') / 'p.db'}"
    write_store(url, rows).dispose()
    return url


def _fresh(url: str) -> PlanEngine:
    return PlanEngine(ReferralSource(open_store(url)))


@pytest.mark.parametrize("few", [512, 0])  # the people worked out again: slotted in, sorted in
@pytest.mark.parametrize("provider", [ONE, TWO])
def test_a_providers_people_are_those_made_afresh(
    store_url: str, provider: str, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scope_module, "FEW_TO_PLACE", few)
    kept = _fresh(store_url)
    whole = kept.plan(parse_filter(period="2024-25"), ["religion"])
    assert sorted(whole.scope.people["religion"].to_list()) == ["1", "2", "3", "4"]  # d b a c
    flt = parse_filter(period="2024-25", providers=provider)
    narrower = kept.scope(flt)
    fresh = _fresh(store_url).scope(flt)
    assert_frame_equal(narrower.people, fresh.people)
    religion = CHARACTERISTICS["religion"]
    assert_frame_equal(
        people_codes(narrower, religion).cast(pl.String).to_frame(),
        people_codes(fresh, religion).cast(pl.String).to_frame(),
    )
    # By hand: with ONE, a's latest is 2024-07-01 (religion 2), b's 2025-02-01 (2), d's
    # their own (1); with TWO, a's latest is theirs (3), c (4); d was not referred in it.
    want = {ONE: (["2", "2", "1"], [2, 2, 1]), TWO: (["3", "4"], [1, 1])}[provider]
    assert narrower.people["religion"].to_list() == want[0]
    assert narrower.people["referrals"].to_list() == want[1]


def test_a_narrower_people_copy_no_rows_and_breakdowns_match(store_url: str) -> None:
    kept = _fresh(store_url)
    kept.plan(parse_filter(period="2024-25"), ["religion"])
    flt = parse_filter(period="2024-25", providers=ONE)
    narrower = kept.scope(flt)
    _ = narrower.people
    # The people came from the kept scope's: the narrower scope's rows were not copied.
    assert narrower.rows.height == 6  # a, a, b, b, d and e (open at the start)
    assert narrower.rows._frame is None
    for key in ("religion", "sex", "age_band×sex"):
        borrowed = kept.breakdown(flt, key)
        made = _fresh(store_url).breakdown(flt, key)
        for a, b in zip(borrowed, made, strict=True):
            assert a.definition == b.definition, a.key
            assert_frame_equal(a.frame, b.frame, rel_tol=1e-12, abs_tol=1e-12)
