"""A scope's people: one row per person referred in the period, their latest referral's
characteristics (the last of the latest date), and their aggregates. Most people have
one referral and skip the group-by (latest_rows' ``alone``): every row here is worked
out by hand, and equals the group-by's for every person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from plan_store import LSOAS, referral_rows, write_store
from polars.testing import assert_frame_equal

from rehabdash.plan import parse_filter
from rehabdash.plan.scope import latest_rows, resolve_scope
from rehabdash.queries.referrals import ReferralSource

D = date


def _scope(tmp_path: Path) -> object:
    rows = referral_rows(
        # a: two in the period on the same latest date (the later row is theirs), one before
        # b: one, seen; c: one before the period only (not a person of it); d: three, one seen
        person_key=["a", "a", "a", "b", "c", "d", "d", "d"],
        referral_date=[D(2024, 3, 1), D(2024, 7, 1), D(2024, 7, 1), D(2024, 5, 2),
                       D(2024, 1, 5), D(2024, 4, 9), D(2025, 2, 1), D(2024, 9, 9)],
        first_contact_date=[None, None, None, D(2024, 5, 20), None, None, D(2025, 2, 8), None],
        contacts_attended=[0, 0, 0, 2, 0, 0, 1, 0],
        religion=["1", "2", "3", "9", "1", "2", "2", "4"],
        sex=["1", "1", "1", "2", "2", "1", "1", "1"],
        lsoa=[LSOAS[0]] * 8,
    )  # fmt: skip
    engine = write_store(f"sqlite:///{tmp_path / 'p.db'}", rows)
    return resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))


def test_each_person_is_their_latest_referral_with_their_counts(tmp_path: Path) -> None:
    scope = _scope(tmp_path)
    people = scope.people.sort("religion")  # type: ignore[attr-defined]
    # a's latest: the third row (same date as the second, later in the rows), religion 3
    # d's latest: 2025-02-01 (religion 2), seen then; b: their one, seen
    assert people["religion"].to_list() == ["2", "3", "9"]
    assert people["referrals"].to_list() == [3, 2, 1]
    assert people["seen"].to_list() == [True, False, True]
    assert people["accepted"].to_list() == [True, True, True]


def test_people_of_one_referral_are_as_the_group_by_makes_them(tmp_path: Path) -> None:
    scope = _scope(tmp_path)
    aggs = [pl.len().alias("referrals"), pl.col("seen").any(), pl.col("accepted").any()]
    alone = [pl.lit(1).alias("referrals"), pl.col("seen"), pl.col("accepted")]
    grouped = latest_rows(scope, (), *aggs)  # type: ignore[arg-type]
    skipped = latest_rows(scope, (), *aggs, alone=alone)  # type: ignore[arg-type]
    assert sorted(grouped["person_key"].to_list()) == ["a", "b", "d"]
    assert grouped["row"].is_sorted()  # in the order of the scope's rows
    assert grouped.filter(pl.col("person_key") == "a")["referrals"].item() == 2
    assert_frame_equal(grouped, skipped)
