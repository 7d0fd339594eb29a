"""Filters every query shares: only live (committed) batches, and the rehab team types.

A superseded batch stays in the store for audit but is never counted (DESIGN 3).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select

from rehabdash.store.schema import import_batch, referral

__all__ = ["REHAB_TEAM_TYPES", "in_period", "live_referrals", "rehab_teams"]

# CSDS "service or team type referred to" codes that are rehabilitation (DESIGN 5.8).
REHAB_TEAM_TYPES: tuple[str, ...] = (
    "04",
    "20",
    "21",
    "23",
    "25",
    "26",
    "29",
    "30",
    "33",
    "45",
    "46",
    "48",
    "50",
    "51",
    "52",
    "53",
    "54",
)


def live_referrals() -> ColumnElement[bool]:
    """Referral rows whose batch is committed (not superseded or rolled back)."""
    live = select(import_batch.c.id).where(import_batch.c.status == "committed")
    return referral.c.batch_id.in_(live.scalar_subquery())


def rehab_teams() -> ColumnElement[bool]:
    """Rehab team types; a referral with no team type recorded counts (an extract from a
    rehab service often omits the column)."""
    return or_(referral.c.team_type.in_(REHAB_TEAM_TYPES), referral.c.team_type.is_(None))


def in_period(start: object, end: object) -> ColumnElement[bool]:
    return and_(referral.c.referral_date >= start, referral.c.referral_date <= end)
