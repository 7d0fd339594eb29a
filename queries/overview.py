"""Headline figures for the Overview: referrals, people referred and seen, rate per 1,000.

For the latest financial year in the store, rehab team types, live batches only.
"People seen" are people with at least one referral in the year that had an attended
contact (a first contact date, or attended contacts counted). The denominator is the
store's population for the newest year on or before the financial year's start.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from rehabdash.queries.frames import referral_frame
from rehabdash.queries.live import live_referrals, rehab_teams
from rehabdash.queries.periods import Period, financial_year
from rehabdash.queries.summaries import Headline, Monthly, Overview
from rehabdash.stats import rate
from rehabdash.store.batches import live_batches
from rehabdash.store.schema import population, referral

__all__ = ["Headline", "Overview", "latest_period", "overview"]


_COLUMNS = ("person_key", "referral_date", "first_contact_date", "contacts_attended")


def latest_period(engine: Engine) -> Period | None:
    with engine.connect() as conn:
        # Walks the referral_date index from the newest end: fast however large the store.
        newest = conn.execute(
            select(referral.c.referral_date)
            .where(live_referrals(), rehab_teams())
            .order_by(referral.c.referral_date.desc())
            .limit(1)
        ).scalar()
    if newest is None:
        return None
    if isinstance(newest, str):  # SQLite returns aggregate dates as text
        newest = date.fromisoformat(newest)
    return financial_year(newest)


def _population(engine: Engine, period: Period) -> tuple[float | None, int | None]:
    live = live_batches().scalar_subquery()
    with engine.connect() as conn:
        year = conn.execute(
            select(func.max(population.c.year)).where(
                population.c.batch_id.in_(live), population.c.year <= period.start.year
            )
        ).scalar()
        if year is None:
            return None, None
        total = conn.execute(
            select(func.sum(population.c.count)).where(
                population.c.batch_id.in_(live), population.c.year == year
            )
        ).scalar()
    return (float(total) if total is not None else None), int(year)


def _rate_interval(seen: int, population: float | None) -> tuple[float | None, float | None]:
    """95% interval of people seen per 1,000 (Byar's, exact below 10 events; DESIGN 7.2)."""
    if not population:
        return None, None
    frame = pl.DataFrame({"x": [seen], "n": [population]})
    row = rate(frame, "x", "n", multiplier=1000, confidence=0.95).row(0, named=True)
    return row["lower"], row["upper"]


def _seen_flag() -> pl.Expr:
    return pl.col("first_contact_date").is_not_null() | (
        pl.col("contacts_attended").fill_null(0) > 0
    )


def overview(engine: Engine, period: Period | None = None) -> Overview | None:
    """Headline counts and the monthly series for ``period`` (default: the latest
    financial year), from one pass over the rows; None if the store has no activity."""
    period = period or latest_period(engine)
    if period is None:
        return None
    rows = referral_frame(engine, _COLUMNS, period).with_columns(_seen_flag().alias("seen"))
    counts = rows.select(
        pl.len().alias("referrals"),
        pl.col("person_key").n_unique().alias("people"),
        pl.col("person_key").filter(pl.col("seen")).n_unique().alias("seen"),
    ).row(0)
    monthly = (
        rows.group_by(pl.col("referral_date").dt.truncate("1mo").alias("month"))
        .agg(pl.len().alias("referrals"), pl.col("seen").sum())
        .sort("month")
    )
    pop, year = _population(engine, period)
    lower, upper = _rate_interval(int(counts[2]), pop)
    head = Headline(period, int(counts[0]), int(counts[1]), int(counts[2]), pop, year, lower, upper)
    series = Monthly(
        monthly["month"].to_list(), monthly["referrals"].to_list(), monthly["seen"].to_list()
    )
    return Overview(head, series)
