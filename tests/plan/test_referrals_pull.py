"""The plan's referral pull: the same rows on every path, live batches only, kept while
the store is unchanged and pulled again when it changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from plan_store import LSOAS, referral_rows, write_store
from polars.testing import assert_frame_equal
from sqlalchemy import update
from sqlalchemy.engine import Engine

from rehabdash.queries.frames import fetch_frame
from rehabdash.queries.referrals import (
    PLAN_COLUMNS,
    SCHEMA,
    PullScope,
    ReferralSource,
    _query,
    pull_referrals,
    store_fingerprint,
)
from rehabdash.store.schema import import_batch


def _rows(n: int) -> pl.DataFrame:
    # Outcome and first-contact columns are blank for the first 2,000 rows: a driver
    # that types a column from its first rows would get them wrong.
    late = [None] * 2000 + [1.5] * (n - 2000)
    return referral_rows(
        person_key=[f"p{i}" for i in range(n)],
        referral_date=[date(2024, 4, 1 + i % 28) for i in range(n)],
        first_contact_date=[None] * 2000 + [date(2024, 6, 1)] * (n - 2000),
        outcome_start=late,
        outcome_end=[None] * 2000 + [4.0] * (n - 2000),
        outcome_tool=[None] * 2000 + ["MSK-HQ"] * (n - 2000),
        age=[None] * 2000 + [70] * (n - 2000),
        lsoa=[LSOAS[i % 2] for i in range(n)],
        contacts_attended=[None] * 2000 + [3] * (n - 2000),
    )


def _cursor(engine: Engine, scope: PullScope | None = None) -> pl.DataFrame:
    with engine.connect() as conn:
        return fetch_frame(conn, _query(scope or PullScope()), SCHEMA)


def test_fast_path_matches_the_driver_cursor(store_url: str) -> None:
    engine = write_store(store_url, _rows(2500))
    fast = pull_referrals(engine).sort("person_key")
    slow = _cursor(engine).sort("person_key")
    assert fast.columns == list(PLAN_COLUMNS)
    assert dict(fast.schema) == SCHEMA
    assert_frame_equal(fast, slow)
    assert fast["outcome_start"].drop_nulls().to_list() == [1.5] * 500
    assert fast["first_contact_date"].null_count() == 2000


def test_period_window_keeps_referrals_still_open_at_its_start(store_url: str) -> None:
    rows = referral_rows(
        referral_date=[date(2023, 1, 5), date(2023, 2, 1), date(2024, 5, 1), date(2025, 5, 1)],
        first_contact_date=[None, date(2023, 3, 1), None, None],
    )
    engine = write_store(store_url, rows)
    window = PullScope(date(2024, 4, 1), date(2025, 3, 31), ("26",))
    got = pull_referrals(engine, window)
    # Waiting since 2023 (still open), received in the period: kept. Seen before the
    # period, or received after it: not.
    assert sorted(got["referral_date"].to_list()) == [date(2023, 1, 5), date(2024, 5, 1)]
    assert_frame_equal(got.sort("referral_date"), _cursor(engine, window).sort("referral_date"))


def test_superseded_batches_are_not_pulled_and_the_fingerprint_moves(tmp_path: Path) -> None:
    engine = write_store(f"sqlite:///{tmp_path / 's.db'}", _rows(2100))
    source = ReferralSource(engine)
    before = source.fingerprint()
    first = source.frame(PullScope(), before)
    assert source.frame(PullScope(), before) is first  # kept, not pulled again
    with engine.begin() as conn:
        conn.execute(update(import_batch).values(status="superseded"))
    after = store_fingerprint(engine)
    assert after != before
    assert source.frame(PullScope(), after).height == 0


def test_the_driver_cursor_in_parts_gives_the_same_frame(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Parts of 700 rows: the first three have no outcome, contact or age at all, and the
    # frame must still be typed by the schema, not by what a part happens to hold.
    from rehabdash.queries import frames

    engine = write_store(store_url, _rows(2500))
    whole = _cursor(engine).sort("person_key")
    monkeypatch.setattr(frames, "FETCH_ROWS", 700)
    parts = _cursor(engine).sort("person_key")
    assert dict(parts.schema) == SCHEMA
    assert_frame_equal(parts, whole)
    assert parts.height == 2500
