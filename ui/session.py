"""The open store and the dashboard's filter, shared by every page; Qt-free (DESIGN 2).

Pages never read the store: they ask the session for a breakdown, and the session asks
the plan engine. What touches the database (the store's fingerprint, the default
period, a first pull of referrals) runs on the task runner's database lane; a breakdown
of referrals already pulled runs on the compute lane (:meth:`Session.lane`), so a
chart does not wait behind an import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rehabdash.plan.engine import PlanEngine
    from rehabdash.plan.filters import PlanFilter
    from rehabdash.plan.result import Indicator

__all__ = ["Session"]


@dataclass
class Session:
    """One store (its SQLAlchemy engine once open), its plan engine and the filter."""

    url: str
    engine: Any = None
    filter: PlanFilter | None = None  # None until refresh(): the latest financial year
    fingerprint: str | None = None
    _plan: PlanEngine | None = field(default=None, repr=False)

    def opened(self, engine: Any) -> None:
        """The store is open: computations start afresh on it."""
        self.engine, self._plan, self.fingerprint = engine, None, None

    def changed(self) -> None:
        """The store may have changed (an import): the fingerprint is read again, on the
        database lane, before the next breakdown."""
        self.fingerprint = None

    @property
    def plan(self) -> PlanEngine:
        if self.engine is None:
            raise ValueError("the store is not open yet")
        if self._plan is None:
            from rehabdash.plan.engine import PlanEngine  # polars: loaded on first use
            from rehabdash.queries.referrals import ReferralSource

            self._plan = PlanEngine(ReferralSource(self.engine))
        return self._plan

    def refresh(self) -> str:
        """Read the store's fingerprint (and, the first time, the default period): on the
        database lane. Returns the fingerprint."""
        if self.filter is None:
            from rehabdash.plan import parse_filter
            from rehabdash.queries.overview import latest_period

            latest = latest_period(self.engine)
            if latest is None:
                raise ValueError("the store has no referrals yet: import an activity extract")
            self.filter = parse_filter(period=latest.label)
        self.fingerprint = self.plan.source.fingerprint()
        return self.fingerprint

    def lane(self) -> Literal["database", "compute"]:
        """Where the next breakdown runs: on the compute lane when its referrals are
        already pulled for the store as it is, else on the database lane."""
        if self.filter is None or self.fingerprint is None or self._plan is None:
            return "database"
        from rehabdash.plan.scope import pull_scope

        pull = pull_scope(self.filter, self._plan.source.dialect)
        return "compute" if self._plan.source.holds(pull, self.fingerprint) else "database"

    def breakdown(self, key: str, sections: tuple[str, ...]) -> list[Indicator]:
        """The indicators of ``sections`` for breakdown ``key`` under the filter (reading
        the fingerprint first when the session has none)."""
        if self.filter is None or self.fingerprint is None:
            self.refresh()
        assert self.filter is not None
        return self.plan.breakdown(self.filter, key, sections, fingerprint=self.fingerprint)
