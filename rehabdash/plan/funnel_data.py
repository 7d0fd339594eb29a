"""What the Need page's funnel plot draws, without Qt (issue 11; DESIGN 7.3 and 7.8).

From the area tables of :func:`rehabdash.plan.need.need_by_area` (``areas:msoa``,
``areas:lad``, ``areas:lsoa``): each area with an O/E is a point at (expected people
seen, O/E) with its class against the funnel limits; the 95% and 99.8% limits are lines
through each area's own limits (the engine works them out at each area's expected
count), sorted by expected; areas without a number are counted and named, not drawn.
The outlying areas' table is :func:`rehabdash.plan.need.outlying_areas`, in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from rehabdash.plan.chart_data import number
from rehabdash.plan.need import OUTLIER_CLASSES, outlying_areas
from rehabdash.plan.result import ALL, FLAGS, Indicator

__all__ = [
    "CLASS_SHORT",
    "CLASS_WORDS",
    "OUTLIER_HEADER",
    "FunnelData",
    "FunnelPoint",
    "funnel_data",
    "outlier_table",
]

#: Each outlier class in words a lead reads, for the legend and the details line.
CLASS_WORDS: dict[float, str] = {
    2.0: "more seen than expected (beyond the 99.8% limit)",
    1.0: "more seen than expected (beyond the 95% limit)",
    0.0: "within the limits",
    -1.0: "fewer seen than expected (beyond the 95% limit)",
    -2.0: "fewer seen than expected (beyond the 99.8% limit)",
}
#: The same, short, for a table's cell.
CLASS_SHORT: dict[float, str] = {
    2.0: "More than expected (99.8%)",
    1.0: "More than expected (95%)",
    0.0: "Within the limits",
    -1.0: "Fewer than expected (95%)",
    -2.0: "Fewer than expected (99.8%)",
}
_METRICS = (
    "area_oe",
    "area_expected_seen",
    "area_funnel_95",
    "area_funnel_998",
    "area_outlier",
    "area_unmet_need",
)


@dataclass(frozen=True)
class FunnelPoint:
    """One area as drawn."""

    code: str
    name: str
    observed: float
    expected: float
    oe: float
    lower: float | None
    upper: float | None
    outlier: float  # a key of OUTLIER_CLASSES
    unmet: float | None
    unmet_lower: float | None
    unmet_upper: float | None
    limits: tuple[float | None, float | None, float | None, float | None]  # 95% lo/hi, 99.8%

    @property
    def where(self) -> str:
        return CLASS_WORDS.get(self.outlier, "")

    def details(self) -> list[str]:
        """Its numbers for the details line."""
        ci = (
            f" (95% CI {self.lower:.2f} to {self.upper:.2f})"
            if self.lower is not None and self.upper is not None
            else ""
        )
        unmet = ""
        if self.unmet:
            unmet = f"unmet need {self.unmet:,.0f} people"
            if self.unmet_lower is not None and self.unmet_upper is not None:
                unmet += f" (95% CI {self.unmet_lower:,.0f} to {self.unmet_upper:,.0f})"
        return [
            f"O/E {self.oe:.2f}{ci}",
            f"observed {self.observed:,.0f}",
            f"expected {self.expected:,.1f}",
            self.where,
            unmet,
        ]


@dataclass(frozen=True)
class FunnelData:
    """The points, the limit lines and what is left out, for one area level."""

    level: str  # "msoa", "lad", "lsoa"
    title: str  # the level's title, "MSOA 2021 of residence"
    points: tuple[FunnelPoint, ...]  # in the engine's order (by name)
    centre: float  # the scope's own O/E: 1 by construction
    expected: tuple[float, ...]  # x of the limit lines, ascending
    lower_95: tuple[float, ...]
    upper_95: tuple[float, ...]
    lower_998: tuple[float, ...]
    upper_998: tuple[float, ...]
    left_out: tuple[tuple[str, str], ...]  # (name, why) of areas not drawn
    caveats: tuple[str, ...]

    def point(self, code: str) -> FunnelPoint | None:
        return next((p for p in self.points if p.code == code), None)

    def default_highlight(self) -> str | None:
        """The first area with the largest unmet need; with none, the largest area."""
        if not self.points:
            return None
        most = max(self.points, key=lambda p: p.unmet or 0.0)
        if most.unmet:
            return most.code
        return max(self.points, key=lambda p: p.expected).code

    def table(self) -> list[list[str]]:
        """Every point drawn, header first (the chart's table view and copy)."""
        rows = [
            [
                "Area",
                "Code",
                "Observed",
                "Expected",
                "O/E",
                "Lower 95%",
                "Upper 95%",
                "95% limits",
                "99.8% limits",
                "Where",
                "Unmet need",
            ]
        ]
        for p in self.points:
            lo95, hi95, lo998, hi998 = p.limits
            rows.append(
                [
                    p.name,
                    p.code,
                    number(p.observed),
                    number(p.expected),
                    number(p.oe),
                    number(p.lower),
                    number(p.upper),
                    f"{number(lo95)} to {number(hi95)}",
                    f"{number(lo998)} to {number(hi998)}",
                    CLASS_SHORT.get(p.outlier, ""),
                    people(p.unmet),
                ]
            )
        return rows


def people(value: float | None) -> str:
    """A number of people as a table writes it: whole people ("" for none)."""
    return "" if value is None else f"{value:,.0f}"


def _by_metric(indicators: Iterable[Indicator], level: str) -> dict[str, Indicator]:
    return {i.metric: i for i in indicators if i.metric in _METRICS and i.breakdown_key == level}


def funnel_data(indicators: Iterable[Indicator], level: str) -> FunnelData:
    """The funnel plot of area ``level`` from the engine's area indicators."""
    found = _by_metric(indicators, level)
    oe = found.get("area_oe")
    if oe is None:
        return FunnelData(level, "", (), 1.0, (), (), (), (), (), (), ())
    keys = ["level_code"]
    frame = oe.frame.select(
        "level_code",
        "level",
        "value",
        "lower",
        "upper",
        "numerator",
        "denominator",
        "flag",
        "note",
    )
    parts = {
        "area_expected_seen": {"expected": "value"},
        "area_funnel_95": {"lo95": "lower", "hi95": "upper"},
        "area_funnel_998": {"lo998": "lower", "hi998": "upper"},
        "area_outlier": {"outlier": "value"},
        "area_unmet_need": {"unmet": "value", "unmet_lo": "lower", "unmet_hi": "upper"},
    }
    for metric, columns in parts.items():
        part = found.get(metric)
        if part is not None:
            frame = frame.join(part.frame.select(*keys, **columns), on=keys, how="left")
        else:
            frame = frame.with_columns(pl.lit(None, pl.Float64).alias(c) for c in columns)
    everyone = frame.filter(pl.col("level_code") == ALL)
    areas = frame.filter(pl.col("level_code") != ALL)
    drawn = areas.filter(
        pl.col("value").is_not_null(),
        pl.col("expected").fill_null(0) > 0,
        pl.col("outlier").is_not_null(),
    )
    points = tuple(
        FunnelPoint(
            code=r["level_code"],
            name=r["level"],
            observed=float(r["numerator"] or 0.0),
            expected=float(r["expected"]),
            oe=float(r["value"]),
            lower=r["lower"],
            upper=r["upper"],
            outlier=float(r["outlier"]),
            unmet=r["unmet"],
            unmet_lower=r["unmet_lo"],
            unmet_upper=r["unmet_hi"],
            limits=(r["lo95"], r["hi95"], r["lo998"], r["hi998"]),
        )
        for r in drawn.iter_rows(named=True)
    )
    left = areas.join(drawn.select(keys), on=keys, how="anti")
    left_out = tuple(
        (r["level"], FLAGS.get(r["flag"] or "", "") + (f": {r['note']}" if r["note"] else ""))
        for r in left.iter_rows(named=True)
    )
    lines = (
        drawn.filter(pl.col("lo95").is_not_null(), pl.col("hi998").is_not_null())
        .sort("expected")
        .unique("expected", keep="first", maintain_order=True)
    )
    centre = everyone["value"][0] if everyone.height and everyone["value"][0] is not None else 1.0
    return FunnelData(
        level=level,
        title=str(oe.frame["breakdown"][0]) if oe.frame.height else level,
        points=points,
        centre=float(centre),
        expected=tuple(lines["expected"].to_list()),
        lower_95=tuple(lines["lo95"].to_list()),
        upper_95=tuple(lines["hi95"].to_list()),
        lower_998=tuple(lines["lo998"].to_list()),
        upper_998=tuple(lines["hi998"].to_list()),
        left_out=left_out,
        caveats=tuple(
            dict.fromkeys(c for m in _METRICS if m in found for c in found[m].definition.caveats)
        ),
    )


OUTLIER_HEADER = (
    "Area",
    "Code",
    "Observed",
    "Expected",
    "O/E (95% CI)",
    "Where",
    "Unmet need (95% CI)",
)


def outlier_table(indicators: Iterable[Indicator], level: str) -> pl.DataFrame:
    """The outlying areas of ``level`` (outside the 95% limits), furthest below expected
    first, as text columns: :data:`OUTLIER_HEADER`."""
    items = [i for i in indicators if i.breakdown_key == level]
    table = outlying_areas(items)
    by_text = {v: k for k, v in OUTLIER_CLASSES.items()}
    rows = []
    for r in table.iter_rows(named=True):
        ci = (
            f" ({r['lower']:.2f} to {r['upper']:.2f})"
            if r["lower"] is not None and r["upper"] is not None
            else ""
        )
        unmet = people(r["unmet_need"])
        if r["unmet_need"] and r["unmet_lower"] is not None and r["unmet_upper"] is not None:
            unmet += f" ({r['unmet_lower']:,.0f} to {r['unmet_upper']:,.0f})"
        rows.append(
            [
                r["area_name"],
                r["area_code"],
                number(r["observed"]),
                f"{r['expected']:,.1f}" if r["expected"] is not None else "",
                (f"{r['ratio']:.2f}" if r["ratio"] is not None else "") + ci,
                CLASS_SHORT.get(by_text.get(r["outlier"], 0.0), r["outlier"] or ""),
                unmet,
            ]
        )
    return pl.DataFrame(rows, schema=dict.fromkeys(OUTLIER_HEADER, pl.String), orient="row")
