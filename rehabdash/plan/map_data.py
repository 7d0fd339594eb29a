"""What the Neighbourhoods page's map draws, made from the plan's area tables (issue 14).

Qt-free: the page hands over the indicators of ``areas:<level>`` (and ``distance``) and
the scope's reference frames, and draws the :class:`MapData` it gets back. One row per
area of the scope, every area once, drawn from the shipped boundaries
(:mod:`rehabdash.refdata.boundaries`) of the activity's LSOA vintage:

* LSOAs on their own vintage's boundaries; MSOAs (2021) and local authorities (LAD 2024
  outlines, matched by code: a local authority whose code changed since is not drawn
  and is counted in ``unmapped``);
* a neighbourhood is drawn as the outline of its LSOAs (dissolved: their shared edges
  taken out), one shape;
* the local authorities (their parts inside the scope) and the scope's whole area are
  outlined on top, dissolved from the same LSOAs; the live service sites marked.

The shading value is observed ÷ expected people seen (age-sex adjusted); the hover text
and the table carry the rest of the area's numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from rehabdash.plan.places import area_title
from rehabdash.plan.result import ALL, Indicator
from rehabdash.refdata.boundaries import Shapes, boundaries, dissolve

__all__ = [
    "MAP_LEVELS",
    "PCN_COLUMNS",
    "TABLE_COLUMNS",
    "MapData",
    "area_table",
    "map_data",
]

#: (level, label) of the levels a map can show; a neighbourhood needs an imported lookup.
MAP_LEVELS: tuple[tuple[str, str], ...] = (
    ("lsoa", "LSOA"),
    ("msoa", "MSOA"),
    ("neighbourhood", "Neighbourhood"),
    ("lad", "Local authority"),
)
#: The table's columns: (metric, field) -> header, in order after code and area.
TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("area_people_seen", "value", "People seen"),
    ("area_expected_seen", "value", "Expected"),
    ("area_oe", "value", "Observed ÷ expected"),
    ("area_oe", "lower", "O/E lower 95%"),
    ("area_oe", "upper", "O/E upper 95%"),
    ("area_seen_rate", "value", "Seen per 1,000"),
    ("area_wait_median", "value", "Median wait (days)"),
    ("area_dna_rate", "value", "DNA %"),
    ("area_core20_share", "value", "Core20 %"),
    ("site_distance", "value", "Nearest site (km)"),
)

#: The PCN table's columns (a PCN has no resident population: no rates by population).
PCN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("area_people_seen", "value", "People seen"),
    ("area_contacts", "value", "Contacts attended"),
    # The headline numbers first, on screen at 1366 wide; their intervals after.
    ("area_wait_median", "value", "Median wait (days)"),
    ("area_wait_within_18w", "value", "Seen within 18 weeks %"),
    ("area_dna_rate", "value", "DNA %"),
    ("area_wait_median", "lower", "Median wait: lower 95%"),
    ("area_wait_median", "upper", "Median wait: upper 95%"),
    ("area_dna_rate", "lower", "DNA %: lower 95%"),
    ("area_dna_rate", "upper", "DNA %: upper 95%"),
)


@dataclass(frozen=True, eq=False)
class MapData:
    level: str
    title: str
    shapes: Shapes  # the areas to draw, in table order
    outlines: tuple[tuple[str, Shapes], ...]
    values: pl.DataFrame  # code, value, lower, upper, text: the map's input
    table: pl.DataFrame  # code, Area, then TABLE_COLUMNS' headers, Compared with expected
    sites: pl.DataFrame  # name, site_type, latitude, longitude
    unmapped: int  # areas of the table with no boundary to draw


_NO_GROUPS = pl.DataFrame(schema={"lsoa": pl.String, "code": pl.String, "name": pl.String})


def _known(shapes: Shapes, codes: Iterable[str]) -> Shapes:
    have = set(shapes.codes)
    return shapes.subset([c for c in codes if c in have])


def _grouped(lsoas: Shapes, groups: pl.DataFrame, code: str, name: str) -> Shapes:
    """The outline of each group of LSOAs (``groups``: lsoa, ``code``, ``name``); LSOAs
    in no group are left out."""
    placed = groups.drop_nulls(code).filter(pl.col("lsoa").is_in(list(lsoas.codes)))
    members = lsoas.subset(placed["lsoa"].to_list())
    group_of = dict(placed.select("lsoa", code).iter_rows())
    names = dict(placed.select(code, name).unique(code).iter_rows())
    return dissolve(members, group_of, {k: str(v) for k, v in names.items()})


def area_table(
    indicators: Iterable[Indicator],
    columns: Iterable[tuple[str, str, str]] = TABLE_COLUMNS,
) -> pl.DataFrame:
    """code, Area, one column per header of ``columns`` ((metric, field, header)) and the
    nearest site: one row per area of the indicators (of one level), "All" and "Not
    known" left out."""
    by_metric = {i.metric: i.frame for i in indicators}
    area = by_metric.get("area_people_seen")
    if area is None:
        return pl.DataFrame()
    base = area.filter(~pl.col("level_code").is_in([ALL, "Not known"])).select(
        pl.col("level_code").alias("code"), pl.col("level").alias("Area")
    )
    for metric, field, header in columns:
        frame = by_metric.get(metric)
        if frame is None:
            continue
        part = frame.select(pl.col("level_code").alias("code"), pl.col(field).alias(header))
        base = base.join(part.unique("code"), on="code", how="left")
    if "site_distance" in by_metric:
        near = by_metric["site_distance"].select(
            pl.col("level_code").alias("code"),
            pl.col("note").str.strip_prefix("nearest: ").alias("Nearest site"),
        )
        base = base.join(near, on="code", how="left")
    return base


def _compared(table: pl.DataFrame) -> pl.Expr:
    low, high = pl.col("O/E lower 95%"), pl.col("O/E upper 95%")
    return (
        pl.when(high < 1)
        .then(pl.lit("Fewer seen than expected"))
        .when(low > 1)
        .then(pl.lit("More seen than expected"))
        .when(pl.col("Observed ÷ expected").is_not_null())
        .then(pl.lit("Not significantly different"))
        .otherwise(pl.lit("No ratio"))
        .alias("Compared with expected")
    )


def _text(table: pl.DataFrame) -> pl.Expr:
    """One line of an area's numbers for the hover."""

    def num(column: str, digits: int = 0) -> pl.Expr:
        if column not in table.columns:
            return pl.lit("–")
        value = pl.col(column).round(digits)
        shown = value.cast(pl.Int64) if digits == 0 else value
        return shown.cast(pl.String).fill_null("[x]")

    parts = [
        pl.col("Area"),
        pl.lit(": observed ÷ expected "),
        num("Observed ÷ expected", 2),
        pl.lit(" ("),
        num("O/E lower 95%", 2),
        pl.lit(" to "),
        num("O/E upper 95%", 2),
        pl.lit("); "),
        num("People seen"),
        pl.lit(" seen, "),
        num("Expected", 1),
        pl.lit(" expected; "),
        num("Seen per 1,000", 1),
        pl.lit(" per 1,000; median wait "),
        num("Median wait (days)"),
        pl.lit(" days; DNA "),
        num("DNA %", 1),
        pl.lit("%; Core20 "),
        num("Core20 %"),
        pl.lit("%"),
    ]
    if "Nearest site (km)" in table.columns:
        parts += [pl.lit("; nearest site "), num("Nearest site (km)", 1), pl.lit(" km")]
    return pl.concat_str(parts).alias("text")


def map_data(
    indicators: Iterable[Indicator],
    level: str,
    lsoas: pl.DataFrame,
    neighbourhoods: pl.DataFrame | None,
    sites: pl.DataFrame | None,
    outer: str = "ICB",
) -> MapData:
    """The map of ``level`` from the area indicators (``areas:<level>``, and for LSOAs
    ``site_distance/lsoa``) and the scope's reference frames (PlanEngine.reference);
    ``outer`` names the outline of all the scope's areas ("ICB", or the filter's area)."""
    vintage = int(lsoas["vintage"][0]) if lsoas.height else 2021
    items = [
        i
        for i in indicators
        if i.breakdown_key == level
        and (i.metric.startswith("area_") or i.metric == "site_distance")
    ]
    table = area_table(items)
    if table.height:
        table = table.with_columns(_compared(table))
    codes = table["code"].to_list() if table.height else []
    # The scope's LSOAs on their vintage's boundaries: neighbourhoods and the outlines
    # are dissolved from them, so they follow the scope (only the parts of a local
    # authority inside it) and share its edges exactly.
    home = _known(boundaries("lsoa", vintage), lsoas["lsoa"].to_list())
    if level == "lsoa":
        shapes = home.subset([c for c in codes if c in set(home.codes)])
    elif level == "msoa":
        shapes = _known(boundaries("msoa", 2021), codes)
    elif level == "lad":
        shapes = _known(boundaries("lad", 2021), codes)
    else:
        groups = neighbourhoods if neighbourhoods is not None else _NO_GROUPS
        shapes = _grouped(home, groups.filter(pl.col("code").is_in(codes)), "code", "name")
    outlines: list[tuple[str, Shapes]] = []
    if level != "lad":
        lads = lsoas.select("lsoa", "lad_code", pl.col("lad_name").fill_null(pl.col("lad_code")))
        outlines.append(("Local authority", _grouped(home, lads, "lad_code", "lad_name")))
    whole = lsoas.select("lsoa", pl.lit("all").alias("code"), pl.lit(outer).alias("name"))
    outlines.append((outer, _grouped(home, whole, "code", "name")))
    drawn = set(shapes.codes)
    values = (
        table.select(
            "code",
            pl.col("Observed ÷ expected").alias("value"),
            pl.col("O/E lower 95%").alias("lower"),
            pl.col("O/E upper 95%").alias("upper"),
            _text(table),
        )
        if table.height
        else pl.DataFrame(schema={"code": pl.String, "value": pl.Float64})
    )
    no_sites = pl.DataFrame(
        schema={"name": pl.String, "site_type": pl.String, "latitude": pl.Float64,
                "longitude": pl.Float64}
    )  # fmt: skip
    title = area_title(level, vintage, neighbourhoods)
    return MapData(
        level=level,
        title=title,
        shapes=shapes,
        outlines=tuple(o for o in outlines if len(o[1])),
        values=values,
        table=table,
        sites=sites if sites is not None else no_sites,
        unmapped=sum(1 for c in codes if c not in drawn),
    )


def _codes(lsoas: pl.DataFrame, column: str) -> list[str]:
    if column not in lsoas.columns:
        return []
    return [str(c) for c in lsoas[column].drop_nulls().unique().to_list()]
