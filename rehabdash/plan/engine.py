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
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial

import polars as pl

from rehabdash.codes.characteristics import CHARACTERISTICS, DEFAULT_PAIRS
from rehabdash.plan.access import access_indicators
from rehabdash.plan.breakdown import Breakdown, breakdown, people_cells
from rehabdash.plan.consequences import consequences_indicators
from rehabdash.plan.consequences import prepare as prepare_consequences
from rehabdash.plan.distance import distance_indicators, site_points
from rehabdash.plan.filters import PlanFilter
from rehabdash.plan.findings import Finding, find
from rehabdash.plan.improvement import (
    TREND_BREAKDOWNS,
    TREND_SEEN_WITHIN,
    improvement_indicators,
    series_indicators,
)
from rehabdash.plan.need import need_by_area, need_by_group
from rehabdash.plan.places import AREA_LEVELS
from rehabdash.plan.populations import group_population
from rehabdash.plan.quality import quality_indicators, recording_caveat
from rehabdash.plan.result import ALL, Indicator, pair_key
from rehabdash.plan.scope import Scope, person_ids, resolve_scope
from rehabdash.plan.spc_chart import derived_spc
from rehabdash.queries.referrals import ReferralSource

__all__ = [
    "DEFAULT_BREAKDOWNS",
    "EXTRAS",
    "REFERENCES",
    "SECTIONS",
    "Plan",
    "PlanEngine",
    "Progress",
]

Progress = Callable[[float, str], None]
#: Every single characteristic, then the default pairs (issue 10).
DEFAULT_BREAKDOWNS: tuple[str, ...] = (
    *CHARACTERISTICS,
    *(pair_key(a, b) for a, b in DEFAULT_PAIRS),
)


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


#: The sections a breakdown's indicators come from, in the order a plan lists them.
SECTIONS: tuple[str, ...] = ("access", "consequences", "need")
_SECTION_INDICATORS: dict[str, Callable[[Scope, Breakdown], list[Indicator]]] = {
    "access": access_indicators,
    "consequences": consequences_indicators,
    "need": need_by_group,
}


def _breakdown_indicators(
    scope: Scope,
    bd: Breakdown,
    pool: ThreadPoolExecutor | None = None,
    sections: Sequence[str] = SECTIONS,
) -> list[Indicator]:
    """The indicators of ``sections`` (access, consequences, need by group) of one
    breakdown, each section's kept in the scope's cache; with a ``pool``, every section
    but the first runs on it meanwhile (polars lets go of Python while it works)."""
    missing = [s for s in sections if ("indicators", s, bd.key) not in scope.cache]
    later: dict[str, Future[list[Indicator]]] = {}
    if pool is not None:
        later = {s: pool.submit(_SECTION_INDICATORS[s], scope, bd) for s in missing[1:]}
    for section in missing:
        items = later[section].result() if section in later else None
        items = items if items is not None else _SECTION_INDICATORS[section](scope, bd)
        scope.cache[("indicators", section, bd.key)] = _with_recording_caveats(scope, bd, items)
    return [i for s in sections for i in scope.cache[("indicators", s, bd.key)]]  # type: ignore[attr-defined]


#: What a page may ask for beside one breakdown's sections: the trends and gaps, recording
#: quality (it reads the store: rows rejected per batch), each area level's table, and
#: access by distance to the nearest service site.
EXTRAS: tuple[str, ...] = (
    "trends",
    "quality",
    *(f"areas:{level}" for level in AREA_LEVELS),
    "distance",
)


#: The reference frames a page may ask for beside indicators (PlanEngine.reference).
REFERENCES: tuple[str, ...] = ("lsoas", "neighbourhoods", "sites")


def _extra(scope: Scope, name: str, engine: object) -> list[Indicator]:
    """One of :data:`EXTRAS`, kept in the scope's cache (a plan and a page share it)."""

    def make() -> list[Indicator]:
        if name == "trends":
            return _trends(scope)
        if name == "quality":
            return quality_indicators(scope, engine)  # type: ignore[arg-type]
        if name == "distance":
            return distance_indicators(scope)
        if name.startswith("areas:") and name in EXTRAS:
            return need_by_area(scope, name.split(":", 1)[1])  # type: ignore[arg-type]
        raise ValueError(f"{name!r}: ask for one of {', '.join(EXTRAS)}")

    return scope.kept(("extra", name), make)


def _shared(scope: Scope) -> None:
    """What every breakdown reads, made once before they run side by side: the people,
    the consequences base and its "All" rows, and people by sex and age band."""
    _ = scope.people
    prepare_consequences(scope)
    people_cells(scope, Breakdown(ALL, ALL, ()))


def _with_recording_caveats(scope: Scope, bd: Breakdown, items: list[Indicator]) -> list[Indicator]:
    """Each indicator of a breakdown whose characteristic is recorded for fewer than 80%
    of people referred says so (the CSDS publication threshold)."""
    caveats = [c for char in bd.parts if (c := recording_caveat(scope, char.key))]
    if not caveats:
        return items
    return [Indicator(i.key, i.definition.with_caveats(caveats), i.frame) for i in items]


def _trends(scope: Scope) -> list[Indicator]:
    """Monthly series with SPC and the recent trend, the gaps, and quarterly series.

    Seen within 28 days of referral: people referred late in the period have had less
    time to be seen before the extract, which would fake a fall at its end."""
    out = improvement_indicators(scope, TREND_BREAKDOWNS, seen_within=TREND_SEEN_WITHIN)
    for key in TREND_BREAKDOWNS:
        out += series_indicators(scope, breakdown(key), "quarter", seen_within=TREND_SEEN_WITHIN)
    # An SPC chart of every series (counts, quarters), not only the monthly rate's, so the
    # Trends page and the workbook draw the same charts.
    return out + derived_spc(out)


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
            kept = list(self._scopes.values())
            self._scopes[key] = resolve_scope(self.source, flt, fingerprint, kept=kept)
            while len(self._scopes) > self._keep:
                self._scopes.popitem(last=False)
        self._scopes.move_to_end(key)
        return self._scopes[key]

    def breakdown(
        self,
        flt: PlanFilter,
        key: str,
        sections: Sequence[str] = SECTIONS,
        *,
        fingerprint: str | None = None,
    ) -> list[Indicator]:
        """The indicators of one breakdown: those of ``sections`` (default: access,
        consequences and need by group; a dashboard page asks for its own). With the
        store's ``fingerprint`` (read earlier) the store is not asked for it again, so a
        kept scope's breakdown reads nothing from the database."""
        unknown = [s for s in sections if s not in SECTIONS]
        if unknown:
            raise ValueError(f"section {unknown[0]!r}: use one of {', '.join(SECTIONS)}")
        scope = self.scope(flt, fingerprint)
        bd = breakdown(key)
        # The sections start at once: what they share (the people, the "All" cells) is
        # made by the first to ask (Scope.kept), while the others do what they can without.
        with ThreadPoolExecutor(max_workers=2) as pool:
            if len(sections) == 1:  # a page's one section: its people and populations beside
                pool.submit(lambda: scope.people)
                if sections[0] != "consequences":
                    pool.submit(group_population, scope, bd.parts)
            return _breakdown_indicators(scope, bd, pool, sections)

    def extra(
        self, flt: PlanFilter, name: str, *, fingerprint: str | None = None
    ) -> list[Indicator]:
        """The indicators of one of :data:`EXTRAS` ("trends", "quality", "areas:msoa")."""
        if name not in EXTRAS:
            raise ValueError(f"{name!r}: ask for one of {', '.join(EXTRAS)}")
        return _extra(self.scope(flt, fingerprint), name, self.source.engine)

    def reference(
        self, flt: PlanFilter, name: str, *, fingerprint: str | None = None
    ) -> pl.DataFrame | None:
        """One of the scope's reference frames (:data:`REFERENCES`), for a map: "lsoas"
        (the scope's LSOAs: lsoa, lad_code, icb_code, ..., and its LSOA vintage),
        "neighbourhoods" (the lookup on that vintage) or "sites"; None if not imported."""
        scope = self.scope(flt, fingerprint)
        if name == "lsoas":
            return scope.lookup.with_columns(pl.lit(scope.vintage).alias("vintage"))
        if name == "neighbourhoods":
            return scope.neighbourhoods
        if name == "sites":
            return site_points(scope.sites) if scope.sites is not None else None
        raise ValueError(f"{name!r}: ask for one of {', '.join(REFERENCES)}")

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
        trends = partial(_extra, scope, "trends", None)
        tasks: list[tuple[Callable[[], list[Indicator]], str]] = [
            *(
                (partial(_breakdown_indicators, scope, breakdown(k)), f"Breakdown {k}")
                for k in keys
            ),
            *(
                (partial(_extra, scope, f"areas:{level}", None), f"Areas: {level}")
                for level in AREA_LEVELS
            ),
            (partial(_extra, scope, "distance", None), "Distance to a site"),
            (trends, "Trends and gaps"),
            (partial(_extra, scope, "quality", self.source.engine), "Recording quality"),
        ]
        results: dict[int, list[Indicator]] = {}

        def finished(index: int, items: list[Indicator]) -> None:
            if cancel is not None and cancel():
                raise Cancelled("the plan was cancelled")
            results[index] = items
            report(len(results) / len(tasks), tasks[index][1])

        # Three threads on two cores: polars lets go of Python while it works, so while one
        # thread is in Python between small steps the others' polars keeps both cores busy
        # (a fourth gains no time and holds more memory at once).
        # The longest tasks (trends, then recording quality) go first, so that no one task
        # is left running alone at the end; trends beside the making of what every
        # breakdown reads (people, each referral's person, the consequences base).
        _ = person_ids(scope)  # trends and people both group by it: made once, up front
        trend_index, quality_index = len(tasks) - 2, len(tasks) - 1
        pool = ThreadPoolExecutor(max_workers=3)
        try:
            running = {pool.submit(trends): trend_index}
            _shared(scope)
            order = [quality_index, *range(trend_index)]
            running |= {pool.submit(tasks[i][0]): i for i in order}
            for future in as_completed(running):
                finished(running[future], future.result())
        finally:
            pool.shutdown(cancel_futures=True)
        # In the order of the tasks, whatever order they finished in: the export's order.
        indicators = {i.key: i for index in sorted(results) for i in results[index]}
        findings = find(indicators, scope)
        result = Plan(flt, fingerprint, scope, indicators, tuple(findings), keys)
        self._plans[cache_key] = result
        while len(self._plans) > self._keep:
            self._plans.popitem(last=False)
        report(1.0, "Plan ready")
        return result
