"""Filters every query shares: only live (committed) batches, and the rehab team types.

A superseded batch stays in the store for audit but is never counted (DESIGN 3).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from rehabdash.codes.team_type import REHAB_CODES
from rehabdash.store.batches import live_batches
from rehabdash.store.schema import referral

__all__ = ["REHAB_TEAM_TYPES", "in_period", "live_referrals", "rehab_teams"]

#: CSDS "service or team type referred to" codes that are rehabilitation (DESIGN 5.8),
#: as the code list defines them.
REHAB_TEAM_TYPES: tuple[str, ...] = tuple(sorted(REHAB_CODES))


def live_referrals() -> ColumnElement[bool]:
    """Referral rows whose batch is committed (not superseded or rolled back)."""
    return referral.c.batch_id.in_(live_batches().scalar_subquery())


def rehab_teams() -> ColumnElement[bool]:
    """Rehab team types; a referral with no team type recorded counts (an extract from a
    rehab service often omits the column)."""
    return or_(referral.c.team_type.in_(REHAB_TEAM_TYPES), referral.c.team_type.is_(None))


def in_period(start: object, end: object) -> ColumnElement[bool]:
    return and_(referral.c.referral_date >= start, referral.c.referral_date <= end)
