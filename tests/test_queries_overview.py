"""Overview figures from the store equal the same figures counted directly from the rows."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest
from sqlalchemy import update

from rehabdash.demo import build_demo
from rehabdash.queries.live import REHAB_TEAM_TYPES
from rehabdash.queries.overview import overview
from rehabdash.queries.periods import financial_year
from rehabdash.store import open_store
from rehabdash.store.schema import import_batch


def test_financial_year_boundaries() -> None:
    assert financial_year(date(2025, 3, 31)).label == "2024-25"
    assert financial_year(date(2025, 4, 1)).label == "2025-26"
    assert financial_year(date(2000, 1, 1)).start == date(1999, 4, 1)


def test_overview_matches_direct_count(store_url: str) -> None:
    engine = open_store(store_url)
    data = build_demo(engine, rows=20_000, seed=9)
    result = overview(engine)
    assert result is not None
    h = result.headline
    assert h.period.label == "2024-25"

    rows = data.referrals.filter(
        pl.col("referral_date").is_between(date(2024, 4, 1), date(2025, 3, 31)),
        pl.col("team_type").is_in(REHAB_TEAM_TYPES) | pl.col("team_type").is_null(),
    )
    seen = rows.filter(
        pl.col("first_contact_date").is_not_null() | (pl.col("contacts_attended") > 0)
    )
    assert h.referrals == rows.height
    assert h.people_referred == rows["person_id"].n_unique()
    assert h.people_seen == seen["person_id"].n_unique()
    assert h.population == data.population["count"].sum()
    assert h.population_year == 2020
    assert h.seen_per_1000 == seen["person_id"].n_unique() / data.population["count"].sum() * 1000
    # Byar's interval for the rate, written out here from DESIGN 7.2
    x, n, z = h.people_seen, h.population, 1.959963984540054
    low = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3 / n * 1000
    high = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3 / n * 1000
    assert h.seen_per_1000_lower == pytest.approx(low, rel=1e-12)
    assert h.seen_per_1000_upper == pytest.approx(high, rel=1e-12)
    assert sum(result.monthly.referrals) == rows.height
    assert len(result.monthly.months) == 12
    engine.dispose()


def test_superseded_batches_are_not_counted(store_url: str) -> None:
    engine = open_store(store_url)
    build_demo(engine, rows=2_000, seed=1)
    with engine.begin() as conn:
        conn.execute(
            update(import_batch)
            .where(import_batch.c.kind == "activity")
            .values(status="superseded")
        )
    assert overview(engine) is None
    engine.dispose()


def test_empty_store_has_no_overview(store_url: str) -> None:
    engine = open_store(store_url)
    assert overview(engine) is None
    engine.dispose()
