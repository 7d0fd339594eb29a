"""What the data plan returns: an :class:`Indicator` is a tidy frame plus its meaning.

The dashboard and the workbook only draw what the plan returns, so each result carries
its own definition (title, numerator, denominator with source and year, method, unit,
which direction is better, caveats, the batches it read; issue 10 item 5).

Every indicator frame has the columns of :data:`COLUMNS` (the long format of the CSV
export), one row per value, plus at most the optional ``period`` (a month or quarter of
a series) and ``area`` (an area code) columns. Three empty states are kept apart
(DESIGN 8, the Analysis Function shorthand):

* a true zero is ``value`` 0 with no flag;
* a suppressed value has ``value`` null and flag ``[c]`` (only disclosure control sets it);
* not available (``[x]``: no denominator, too few for the method) or not applicable
  (``[z]``: a rate for "Not known", which is not a group of people) have ``value`` null;
* ``[u]`` marks a value that is shown but of low reliability (few events, or poor recording).

``value_kind`` tells disclosure control how a value was made (see :data:`VALUE_KINDS`);
``denominator_is_count`` whether the denominator counts patients or contacts (then it is
rounded and suppressed like any count) or is a population estimate (never suppressed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import polars as pl

__all__ = [
    "ALL",
    "COLUMNS",
    "FLAGS",
    "LOW_RELIABILITY",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "SUPPRESSED",
    "VALUE_KINDS",
    "Definition",
    "Indicator",
    "Metric",
    "Polarity",
    "conform",
    "conform_each",
    "empty_frame",
    "pair_key",
]

SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE, LOW_RELIABILITY = "[c]", "[x]", "[z]", "[u]"
FLAGS: Mapping[str, str] = {
    SUPPRESSED: "suppressed to protect confidentiality",
    NOT_AVAILABLE: "not available",
    NOT_APPLICABLE: "not applicable",
    LOW_RELIABILITY: "low reliability",
}
#: The level (and level code, and breakdown key) of the row for everyone in scope.
ALL = "All"

#: How ``value`` relates to ``numerator`` and ``denominator`` (for disclosure control):
#: "count": value is the numerator, a count of people, referrals or contacts;
#: "ratio": value = numerator / denominator × multiplier (a crude rate, a proportion);
#: "simple": a statistic of ``numerator`` people (mean, median, centile);
#: "complex": standardised or modelled (DSR, ISR, SII, HEAT, SPC), not suppressed.
VALUE_KINDS = ("count", "ratio", "simple", "complex")

#: The columns every indicator frame has, in this order.
COLUMNS: dict[str, pl.DataType] = {
    "breakdown_key": pl.String(),  # "ethnic_group", "ethnic_group×imd_quintile" or "All"
    "breakdown": pl.String(),  # its title
    "level_code": pl.String(),  # "J", "Asian|1" for a pair, "All"
    "level": pl.String(),  # "Pakistani (J)", "Asian; Quintile 1", "All"
    "metric": pl.String(),  # the metric key (rehabdash.plan.metrics)
    "value": pl.Float64(),
    "lower": pl.Float64(),
    "upper": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "unit": pl.String(),
    "method": pl.String(),
    "flag": pl.String(),  # None, "[c]", "[x]", "[z]" or "[u]"
    "note": pl.String(),
    "value_kind": pl.String(),  # one of VALUE_KINDS
    "multiplier": pl.Float64(),  # for "ratio" values: value = numerator / denominator × this
    "denominator_is_count": pl.Boolean(),
}
OPTIONAL_COLUMNS: dict[str, pl.DataType] = {"period": pl.String(), "area": pl.String()}

Polarity = Literal["higher", "lower", "neither"]


def pair_key(first: str, second: str) -> str:
    """The breakdown key of an intersection of two characteristics."""
    return f"{first}×{second}"


def empty_frame(*, series: bool = False, areas: bool = False) -> pl.DataFrame:
    schema = dict(COLUMNS)
    if series:
        schema["period"] = pl.String()
    if areas:
        schema["area"] = pl.String()
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class Metric:
    """A measure the plan reports, defined once; each section module declares its own and
    :mod:`rehabdash.plan.metrics` gathers them."""

    key: str
    title: str
    numerator: str
    denominator: str
    method: str
    unit: str  # "people", "referrals", "per 1,000", "%", "ratio", "days", ...
    section: str
    value_kind: str  # one of VALUE_KINDS
    polarity: Polarity = "neither"
    multiplier: float = 1.0
    denominator_is_count: bool = False

    def definition(
        self,
        *,
        denominator: str | None = None,
        caveats: Iterable[str] = (),
        batches: Iterable[int] = (),
    ) -> Definition:
        return Definition(
            title=self.title,
            numerator=self.numerator,
            denominator=denominator or self.denominator,
            method=self.method,
            unit=self.unit,
            polarity=self.polarity,
            section=self.section,
            caveats=tuple(dict.fromkeys(c for c in caveats if c)),
            batches=tuple(sorted(set(batches))),
        )


def conform(frame: pl.DataFrame, metric: Metric) -> pl.DataFrame:
    """``frame`` (with at least breakdown_key, breakdown, level_code, level and value) as an
    indicator frame of ``metric``: missing columns added, types and order fixed."""
    defaults: dict[str, pl.Expr] = {
        "metric": pl.lit(metric.key),
        "unit": pl.lit(metric.unit),
        "value_kind": pl.lit(metric.value_kind),
        "multiplier": pl.lit(metric.multiplier),
        "denominator_is_count": pl.lit(metric.denominator_is_count),
    }
    columns = []
    for name, dtype in {**COLUMNS, **OPTIONAL_COLUMNS}.items():
        if name in frame.columns:
            columns.append(pl.col(name).cast(dtype))
        elif name in COLUMNS:
            columns.append(defaults.get(name, pl.lit(None)).cast(dtype).alias(name))
    return frame.select(columns)


def conform_each(
    frames: dict[str, pl.DataFrame], metrics: dict[str, Metric]
) -> dict[str, pl.DataFrame]:
    """:func:`conform` of each frame (keyed by its metric's key), in one select of them
    all: a page's breakdown has some twenty, each a query of its own otherwise."""
    if not frames:
        return {}
    keys = list(frames)
    named = pl.DataFrame(
        {
            "metric": keys,
            "unit": [metrics[k].unit for k in keys],
            "value_kind": [metrics[k].value_kind for k in keys],
            "multiplier": [float(metrics[k].multiplier) for k in keys],
            "denominator_is_count": [metrics[k].denominator_is_count for k in keys],
        }
    )
    # Each row's metric and its attributes gathered by where it is: not a query per frame.
    place = np.repeat(np.arange(len(keys), dtype=np.uint32), [f.height for f in frames.values()])
    stacked = pl.concat(list(frames.values()), how="diagonal_relaxed").drop(
        named.columns, strict=False
    )
    marked = pl.concat([stacked, named[pl.Series(place)]], how="horizontal")
    every = conform(marked, next(iter(metrics.values())))
    parts = every.partition_by("metric", as_dict=True, maintain_order=True)
    none = every.clear()
    return {key: parts.get((key,), none) for key in frames}


@dataclass(frozen=True)
class Definition:
    """What an indicator means, for a chart's caption and the workbook's methods sheet."""

    title: str
    numerator: str
    denominator: str  # what it is, with its source and year where it is a population
    method: str
    unit: str
    polarity: Polarity = "neither"  # which direction is better
    section: str = ""  # "access", "consequences", "need", "improvement", "quality"
    caveats: tuple[str, ...] = ()
    batches: tuple[int, ...] = ()  # import batches read (activity, population, lookup)

    def with_caveats(self, extra: Iterable[str]) -> Definition:
        more = tuple(c for c in extra if c and c not in self.caveats)
        return replace(self, caveats=self.caveats + more) if more else self


@dataclass(frozen=True)
class Indicator:
    """One metric for one breakdown (with its "All" row): a tidy frame and its meaning."""

    key: str  # "<metric>/<breakdown_key>", unique in a plan
    definition: Definition
    frame: pl.DataFrame = field(compare=False)

    @property
    def metric(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def breakdown_key(self) -> str:
        return self.key.split("/", 1)[1]

    def row(self, level_code: str) -> dict[str, Any] | None:
        """The row of one level (first, if a series or area table has several)."""
        rows = self.frame.filter(pl.col("level_code") == level_code)
        return rows.row(0, named=True) if rows.height else None
