"""The open store and the dashboard's filter, shared by every page; Qt-free (DESIGN 2).

Pages never read the store: they hand the session a :class:`PageRequest`, and the session asks
the plan engine. What touches the database (the store's fingerprint, the default
period, a first pull of referrals) runs on the task runner's database lane; a breakdown
of referrals already pulled runs on the compute lane (:meth:`Session.lane`), so a
chart does not wait behind an import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from rehabdash.plan.engine import PlanEngine
    from rehabdash.plan.filters import PlanFilter
    from rehabdash.plan.findings import Finding
    from rehabdash.plan.result import Indicator

__all__ = ["DEMO_LABEL", "PageRequest", "PageResult", "Session"]

#: What every page says while the demo store is open (issue 11 item 5).
DEMO_LABEL = "Demo data (synthetic)"


@dataclass(frozen=True)
class PageRequest:
    """What a page asks the plan for, Qt-free: one breakdown's ``sections``, named
    ``extras`` of the engine ("trends", "quality", "areas:msoa"), or the whole plan."""

    breakdown: str | None = None
    sections: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    whole_plan: bool = False
    #: Reference frames of the scope beside the indicators ("lsoas", "neighbourhoods",
    #: "sites": rehabdash.plan.engine.REFERENCES), for a map.
    references: tuple[str, ...] = ()
    #: The area kinds a page drills from ("lsoa", "pcn"…): while the filter is drilled to
    #: an area of one of them, the page asks with the filter before the drill, so a map
    #: still shows all its areas (Session.drill).
    undrilled: tuple[str, ...] = ()

    @property
    def reads_store(self) -> bool:
        """Whether it reads the store beyond the pulled referrals (rows rejected)."""
        return self.whole_plan or "quality" in self.extras


@dataclass(frozen=True)
class PageResult:
    """What the plan returned for a request under a filter: a page draws only this."""

    request: PageRequest
    filter: PlanFilter
    indicators: tuple[Indicator, ...]
    findings: tuple[Finding, ...] = ()
    prepared: Any = None  # what the page's prepare_result made of it, on the worker
    people: int | None = None  # people referred in the filter's scope (0: nobody matches)
    #: The reference frames asked for, by name (None: not imported).
    references: dict[str, Any] = field(default_factory=dict)

    def get(self, metric: str, breakdown_key: str | None = None) -> Indicator | None:
        """The indicator of ``metric`` (for ``breakdown_key``, else the first found)."""
        return next(
            (
                i
                for i in self.indicators
                if i.metric == metric and breakdown_key in (None, i.breakdown_key)
            ),
            None,
        )


@dataclass
class Session:
    """One store (its SQLAlchemy engine once open), its plan engine and the filter."""

    url: str
    engine: Any = None
    filter: PlanFilter | None = None  # None until refresh(): the latest financial year
    fingerprint: str | None = None
    demo: bool = False  # the demo store: every page says so
    no_activity: bool = False  # the store holds no referrals yet: pages ask for nothing
    #: Each area the filter bar offers, by its filter value ("lad:E08000033"): its name.
    area_names: dict[str, str] = field(default_factory=dict)
    #: The map's drill: (the area value drilled to, the filter's area before: "" whole).
    drill: tuple[str, str] | None = None
    _plan: PlanEngine | None = field(default=None, repr=False)

    def _drilled(self, flt: PlanFilter | None) -> bool:
        """Whether ``flt``'s area is the one the map or a table drilled to."""
        if self.drill is None or flt is None or flt.area is None:
            return False
        # Case apart: the filter keeps codes in capitals, a lookup's code may not be.
        return f"{flt.area.kind}:{flt.area.code}".upper() == self.drill[0].upper()

    def drilled_code(self) -> str | None:
        """The code of the area the filter is drilled to, while it is."""
        flt = self.filter
        if flt is None or flt.area is None or not self._drilled(flt):
            return None
        return flt.area.code

    def undrilled(self, flt: PlanFilter, kinds: tuple[str, ...]) -> PlanFilter:
        """``flt`` with its area as before the drill, while it is drilled to an area of
        one of ``kinds``."""
        if not self._drilled(flt) or flt.area is None or flt.area.kind not in kinds:
            return flt
        assert self.drill is not None
        from dataclasses import replace

        from rehabdash.plan import parse_filter

        before = self.drill[1] or None
        return replace(flt, area=parse_filter(period=flt.period.label, area=before).area)

    def describe(self, flt: PlanFilter) -> str:
        """The filter in one line, an area by its name where the store's lookup has one."""
        text = flt.describe()
        if flt.area is not None:
            name = self.area_names.get(f"{flt.area.kind}:{flt.area.code}")
            if name:
                text = text.replace(flt.area.label, name)
        return text

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

    def lane(self, request: PageRequest | None = None) -> Literal["database", "compute"]:
        """Where the next request runs: on the compute lane when its referrals are
        already pulled for the store as it is (and it reads nothing else), else on the
        database lane."""
        if request is not None and request.reads_store:
            return "database"
        if self.filter is None or self.fingerprint is None or self._plan is None:
            return "database"
        from rehabdash.plan.scope import pull_scope

        pull = pull_scope(self.filter, self._plan.source.dialect)
        return "compute" if self._plan.source.holds(pull, self.fingerprint) else "database"

    def fetch(
        self,
        request: PageRequest,
        progress: Callable[[float, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> PageResult:
        """What ``request`` asks for under the session's filter."""
        if self.filter is None or self.fingerprint is None:
            self.refresh()
        flt = self.filter
        assert flt is not None
        if request.undrilled:
            flt = self.undrilled(flt, request.undrilled)
        items: list[Indicator] = []
        findings: tuple[Finding, ...] = ()
        if request.whole_plan:
            plan = self.plan.plan(flt, progress=progress, cancel=cancelled)
            items += plan.indicators.values()
            findings = plan.findings
        else:
            if request.breakdown is not None and request.sections:
                # The filter read once, above: it may change on the GUI thread meanwhile.
                items += self.plan.breakdown(
                    flt, request.breakdown, request.sections, fingerprint=self.fingerprint
                )
            for name in request.extras:
                items += self.plan.extra(flt, name, fingerprint=self.fingerprint)
        people = self.plan.scope(flt, self.fingerprint).people.height
        references = {
            name: self.plan.reference(flt, name, fingerprint=self.fingerprint)
            for name in request.references
        }
        return PageResult(
            request, flt, tuple(items), findings, people=people, references=references
        )
