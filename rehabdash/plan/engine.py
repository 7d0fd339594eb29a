"""The data-plan engine: a filter in, every indicator and finding out (issue 10).

:class:`PlanEngine` holds one store's :class:`~rehabdash.queries.referrals.ReferralSource`
and keeps what it has computed, keyed by the store's fingerprint (it changes whenever a
batch is committed, superseded or rolled back) and the frozen filter:

* the resolved :class:`Scope` of the last few filters (a new breakdown reuses it);
* each breakdown's indicators inside its scope's cache;
* the last few whole plans (a warm plan is a dictionary look-up).

The dashboard asks for one breakdown (:meth:`PlanEngine.breakdown`); the export and
``rehabdash plan`` ask for the whole plan (:meth:`PlanEngine.plan`). Both return the same
:class:`Indicator` objects, so what the board reads is what the lead saw.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from rehabdash.codes.characteristics import CHARACTERISTICS, DEFAULT_PAIRS
from rehabdash.plan.access import access_indicators
from rehabdash.plan.breakdown import Breakdown, breakdown
from rehabdash.plan.consequences import consequences_indicators
from rehabdash.plan.filters import PlanFilter
from rehabdash.plan.findings import Finding, find
from rehabdash.plan.improvement import TREND_BREAKDOWNS, improvement_indicators
from rehabdash.plan.need import AREA_LEVELS, need_by_area, need_by_group
from rehabdash.plan.quality import quality_indicators
from rehabdash.plan.result import Indicator, pair_key
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries.referrals import ReferralSource

__all__ = ["DEFAULT_BREAKDOWNS", "Plan", "PlanEngine", "Progress"]

Progress = Callable[[float, str], None]
#: Every single characteristic, then the default pairs (issue 10).
DEFAULT_BREAKDOWNS: tuple[str, ...] = (
    *CHARACTERISTICS,
    *(pair_key(a, b) for a, b in DEFAULT_PAIRS),
)
#: Trends count people seen within this many days of referral (a fixed follow-up).
TREND_SEEN_WITHIN = 28


class Cancelled(Exception):
    """The caller asked the plan to stop."""


@dataclass(frozen=True)
class Plan:
    """A computed plan: its scope, every indicator by key, and the findings."""

    filter: PlanFilter
    fingerprint: str
    scope: Scope = field(repr=False)
    indicators: dict[str, Indicator] = field(repr=False)
    findings: tuple[Finding, ...] = ()
    breakdowns: tuple[str, ...] = ()

    def get(self, metric: str, breakdown_key: str) -> Indicator | None:
        return self.indicators.get(f"{metric}/{breakdown_key}")

    def section(self, name: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.definition.section == name]

    def long_frame(self) -> pl.DataFrame:
        """Every indicator's rows in one frame (the export's input)."""
        frames = [i.frame for i in self.indicators.values() if i.frame.height]
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _breakdown_indicators(scope: Scope, bd: Breakdown) -> list[Indicator]:
    key = ("indicators", bd.key)
    if key not in scope.cache:
        out = access_indicators(scope, bd)
        out += consequences_indicators(scope, bd)
        out += need_by_group(scope, bd)
        scope.cache[key] = out
    return scope.cache[key]  # type: ignore[return-value]


class PlanEngine:
    """Computes plans for one store and keeps them while the store is unchanged."""

    def __init__(self, source: ReferralSource, keep: int = 4) -> None:
        self.source = source
        self._keep = keep
        self._scopes: OrderedDict[tuple[str, PlanFilter], Scope] = OrderedDict()
        self._plans: OrderedDict[tuple[str, PlanFilter, tuple[str, ...]], Plan] = OrderedDict()

    def scope(self, flt: PlanFilter, fingerprint: str | None = None) -> Scope:
        fingerprint = fingerprint or self.source.fingerprint()
        key = (fingerprint, flt)
        if key not in self._scopes:
            self._scopes[key] = resolve_scope(self.source, flt, fingerprint)
            while len(self._scopes) > self._keep:
                self._scopes.popitem(last=False)
        self._scopes.move_to_end(key)
        return self._scopes[key]

    def breakdown(self, flt: PlanFilter, key: str) -> list[Indicator]:
        """The indicators of one breakdown (access, consequences, need by group)."""
        return _breakdown_indicators(self.scope(flt), breakdown(key))

    def plan(
        self,
        flt: PlanFilter,
        breakdowns: Sequence[str] | None = None,
        *,
        progress: Progress | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> Plan:
        """The whole plan: every breakdown (default: DEFAULT_BREAKDOWNS), the area
        tables, the improvement series and gaps, recording quality and the findings."""
        report = progress or (lambda _f, _m: None)
        fingerprint = self.source.fingerprint()
        keys = tuple(breakdown(k).key for k in (breakdowns or DEFAULT_BREAKDOWNS))
        cache_key = (fingerprint, flt, keys)
        if cache_key in self._plans:
            return self._plans[cache_key]
        report(0.0, "Reading referrals…")
        scope = self.scope(flt, fingerprint)
        indicators: dict[str, Indicator] = {}
        steps = len(keys) + len(AREA_LEVELS) + 2
        done = 0

        def add(items: Iterable[Indicator], message: str) -> None:
            nonlocal done
            if cancel is not None and cancel():
                raise Cancelled("the plan was cancelled")
            for item in items:
                indicators[item.key] = item
            done += 1
            report(done / steps, message)

        for key in keys:
            add(_breakdown_indicators(scope, breakdown(key)), f"Breakdown {key}")
        for level in AREA_LEVELS:
            add(need_by_area(scope, level), f"Areas: {level}")
        # Seen within 28 days of referral: people referred late in the period have had
        # less time to be seen before the extract, which would fake a fall at its end.
        add(
            improvement_indicators(scope, TREND_BREAKDOWNS, seen_within=TREND_SEEN_WITHIN),
            "Trends and gaps",
        )
        add(quality_indicators(scope, self.source.engine), "Recording quality")
        findings = find(indicators, scope)
        result = Plan(flt, fingerprint, scope, indicators, tuple(findings), keys)
        self._plans[cache_key] = result
        while len(self._plans) > self._keep:
            self._plans.popitem(last=False)
        report(1.0, "Plan ready")
        return result
