"""What the dashboard's filter bar can offer, read from the store (issue 11 item 1).

Only values that exist in live batches: the financial years the referrals span (with
their quarters), the providers and services with referrals, and the areas of the live
area lookup (local authorities, sub-ICB locations, ICBs, PCNs). One pass over the
referrals' provider and service pair; the year span walks the referral-date index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rehabdash.queries.periods import Period, financial_year

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["FilterOptions", "filter_options"]


@dataclass(frozen=True)
class FilterOptions:
    """Each filter's values: period labels newest first, codes with their names."""

    years: tuple[Period, ...] = ()
    newest: date | None = None  # the newest referral: no quarter after it is offered
    providers: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    areas: tuple[tuple[str, str], ...] = ()  # ("lad:E06000001", "Hartlepool (local authority)")

    @property
    def periods(self) -> tuple[str, ...]:
        """Each financial year, then its quarters: "2024-25", "2024-25 Q1", ..."""
        out: list[str] = []
        for year in self.years:
            out.append(year.label)
            starts = (date(year.start.year + (m < 4), m, 1) for m in (4, 7, 10, 1))
            out += [
                f"{year.label} Q{q}"
                for q, start in enumerate(starts, 1)
                if self.newest is None or start <= self.newest
            ]
        return tuple(out)


def _day(value: object) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _years(first: date, last: date) -> tuple[Period, ...]:
    out, year = [], financial_year(last)
    while year.end >= first:
        out.append(year)
        year = financial_year(date(year.start.year - 1, 4, 1))
    return tuple(out)


def filter_options(engine: Engine) -> FilterOptions:
    """The filter values the store's live batches can answer."""
    # SQLAlchemy here, not above: the window imports FilterOptions before it is shown.
    from sqlalchemy import select

    from rehabdash.queries.live import live_referrals
    from rehabdash.store.batches import live_batches
    from rehabdash.store.schema import area_lookup, neighbourhood, referral

    live = live_referrals()
    date_col = referral.c.referral_date
    with engine.connect() as conn:
        newest = conn.execute(
            select(date_col).where(live).order_by(date_col.desc()).limit(1)
        ).scalar()
        if newest is None:
            return FilterOptions()
        oldest = conn.execute(select(date_col).where(live).order_by(date_col).limit(1)).scalar()
        pairs = conn.execute(
            select(referral.c.provider_code, referral.c.service_name)
            .where(live)
            .group_by(referral.c.provider_code, referral.c.service_name)
        ).all()
        lookup = live_batches("lookup").scalar_subquery()
        areas: list[tuple[str, str]] = []
        for kind, code, name, what in (
            ("lad", area_lookup.c.lad_code, area_lookup.c.lad_name, "local authority"),
            ("sicb", area_lookup.c.sicb_code, area_lookup.c.sicb_name, "sub-ICB location"),
            ("pcn", area_lookup.c.pcn_code, None, "primary care network"),
        ):
            columns = [code] if name is None else [code, name]
            rows = conn.execute(
                select(*columns)
                .where(area_lookup.c.batch_id.in_(lookup), code.is_not(None))
                .group_by(*columns)
                .order_by(columns[-1])
            ).all()
            areas += [
                (f"{kind}:{r[0]}", f"{r[1] if len(r) > 1 and r[1] else r[0]} ({what})")
                for r in rows
            ]
        # The ICB's own neighbourhoods, localities and hub catchments (rehabdash import areas).
        own = live_batches("areas").scalar_subquery()
        named = conn.execute(
            select(neighbourhood.c.code, neighbourhood.c.name, neighbourhood.c.area_type)
            .where(neighbourhood.c.batch_id.in_(own))
            .group_by(neighbourhood.c.code, neighbourhood.c.name, neighbourhood.c.area_type)
            .order_by(neighbourhood.c.name)
        ).all()
        areas += [(f"neighbourhood:{code}", f"{name} ({kind})") for code, name, kind in named]
    return FilterOptions(
        years=_years(_day(oldest), _day(newest)),
        newest=_day(newest),
        providers=tuple(sorted({str(p) for p, _ in pairs if p})),
        services=tuple(sorted({str(s) for _, s in pairs if s})),
        areas=tuple(areas),
    )
