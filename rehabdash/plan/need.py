"""Section 3 of the data plan: provision against need (DESIGN 6, 7.3, 7.8).

Who would have been seen if every group and area were seen at the scope's own rates
for its age and sex, and how far each falls short:

* **Unmet need by group** (:func:`need_by_group`): expected − observed people seen, on
  the same counts as the ``seen_oe`` ratio of :mod:`rehabdash.plan.access`.
* **Provision by area** (:func:`need_by_area`; areas of residence: LSOA, MSOA, local
  authority; or PCN through the GP practice): people seen, expected people seen, the
  indirectly standardised ratio O/E with exact Poisson (O < 10) or Byar's limits (PHE
  Fingertips; PHEindicatormethods ``calculate_ISRatio``), funnel limits around the
  scope's own ratio (1) at 95% and 99.8% (Spiegelhalter 2005, *Funnel plots for comparing
  institutional performance*, Stat Med 24:1185-1202: exact Poisson, optionally with
  multiplicative overdispersion), where each area lies against them, unmet need, and
  contacts attended per 1,000 population.
* :func:`outlying_areas`: the areas outside the limits, furthest below expected first.

Expected counts come from :func:`rehabdash.plan.standardise.reference_rates`: the
scope's own rates of people seen by sex and age band or, with an imported need table,
the relative need by sex and age band scaled so that the scope's expected total is its
observed total. Either way the scope is its own reference and its own ratio is 1.

**Unmet need** is E − O where O is significantly below E (the upper 95% limit of O/E is
below 1), else 0 with a note. Its limits come from the O/E limits with E held fixed:
E × (1 − upper O/E) to E × (1 − lower O/E), that is E less the Poisson limits of O.

Choices, for the methods sheet:

* A person's area is that of their latest referral in the period (``scope.people``);
  contacts are those of the referrals received in the period, each placed by its own
  LSOA or GP practice. People and contacts with no area are the "Not known" row of the
  count tables, so that the areas and "Not known" add up to "All".
* The area reference rates are those of the people seen who live in the scope's areas
  (sex and age band recorded), so the areas' expected counts add up to their observed
  total and the "All" row's O/E is exactly 1: the funnel's centre.
* MSOAs are 2021 MSOAs. An LSOA 2011 goes to the MSOA holding most of its 2021 parts
  (2021 LSOAs have similar populations), a tie to the first MSOA code: only 38 of
  England's 32,844 LSOAs 2011 have parts in two MSOAs. An MSOA's name is the ONS one
  ("Leeds 001"): the name of any of its 2021 LSOAs less the final letter.
* A PCN has no resident population: PCN tables give people seen and contacts; O/E and
  contacts per 1,000 are [x] until a GP-registered population can be imported. The
  PCNs listed are those of the period's referrals (ODS practice lookup, October 2024).
* Contacts cluster within people, so the Poisson interval of contacts per 1,000 is too
  narrow; the definition says so. The O/E and unmet need intervals stay Poisson even
  when the funnel is widened for overdispersion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Literal

import polars as pl

from rehabdash.codes.characteristics import UNKNOWN_LEVELS
from rehabdash.plan import consequences
from rehabdash.plan.breakdown import Breakdown
from rehabdash.plan.places import (
    AREA_LEVELS,
    NOT_KNOWN,
    AreaLevel,
    area_map,
    area_names,
    area_title,
)
from rehabdash.plan.populations import group_population
from rehabdash.plan.result import (
    ALL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    Indicator,
    Metric,
    conform,
)
from rehabdash.plan.scope import Scope
from rehabdash.plan.standardise import (
    expected_by_level,
    observed_expected,
    reference_rates,
    with_all,
    with_oe,
)
from rehabdash.stats import funnel_limits, rate

__all__ = [
    "AREA_LEVELS",
    "METRICS",
    "OUTLIER_CLASSES",
    "OUTLYING_COLUMNS",
    "AreaLevel",
    "homes_of",
    "need_by_area",
    "need_by_group",
    "oe_rows",
    "outlying_areas",
]

#: The value of an ``area_outlier`` row and what it means (also the row's note).
OUTLIER_CLASSES: dict[float, str] = {
    2.0: "above 99.8%",
    1.0: "above 95%",
    0.0: "within",
    -1.0: "below 95%",
    -2.0: "below 99.8%",
}
_SEEN = "people seen (at least one attended contact) in the period"
_SEEN_AS = _SEEN + " with sex and age band recorded"
_EXPECTED = "expected people seen"
_CONTACTS = "contacts attended on the referrals received in the period"
_UNMET = "E − O where the upper 95% limit of O/E is below 1, else 0; limits E × (1 − O/E limits)"
_FUNNEL = "Spiegelhalter exact Poisson limits at the area's E around 1 (value: the centre)"
_POPULATION = "population of the area"
#: Where a PCN's people come from, for its tables' caveats.
PCN_LOOKUP = (
    "people are placed by their GP practice through the NHS England ODS practice → PCN "
    "lookup (ePCN, October 2024); a practice in no PCN then is Not known"
)
#: Core20: the most deprived 20% of areas in England, IMD deciles 1 and 2 (NHS England's
#: Core20PLUS5).
CORE20_DECILES = 2
_CORE20 = "population living in LSOAs in IMD deciles 1 and 2 (England)"
_CORE20_METHOD = (
    "share of the population estimate (no interval: it describes the area's population, "
    "it is not a sample)"
)
_CRUDE = "crude rate; exact Poisson limits below 10 contacts, Byar's from 10"
_ISR = "indirectly standardised ratio; exact Poisson limits below 10, Byar's from 10"
_OUTLIER = (
    "O/E against the funnel limits: 2 above 99.8%, 1 above 95%, 0 within, -1 below 95%, "
    "-2 below 99.8% (the note says which)"
)
_SPECS: tuple[tuple[str, str, str, str, str, str, str, str, float], ...] = (
    # key, title, numerator, denominator, method, unit, value kind, polarity, multiplier
    ("unmet_need", "Unmet need: people expected to be seen but not seen (age-sex adjusted)",
     f"expected − observed {_SEEN_AS}", _EXPECTED, _UNMET, "people", "complex", "lower", 1),
    ("area_people_seen", "People seen, by area", _SEEN, "", "count of distinct people",
     "people", "count", "higher", 1),
    ("area_expected_seen", "Expected people seen (age-sex adjusted), by area",
     "the area's population by sex and age band × the reference rates", _POPULATION,
     "indirect standardisation", "people", "complex", "neither", 1),
    ("area_oe", "People seen: observed ÷ expected (age-sex adjusted), by area", _SEEN_AS,
     _EXPECTED, _ISR, "ratio", "complex", "higher", 1),
    ("area_funnel_95", "Funnel plot: 95% control limits of O/E", _SEEN_AS, _EXPECTED, _FUNNEL,
     "ratio", "complex", "neither", 1),
    ("area_funnel_998", "Funnel plot: 99.8% control limits of O/E", _SEEN_AS, _EXPECTED,
     _FUNNEL, "ratio", "complex", "neither", 1),
    ("area_outlier", "Funnel plot: where the area's O/E lies", _SEEN_AS, _EXPECTED, _OUTLIER,
     "class", "complex", "neither", 1),
    ("area_unmet_need", "Unmet need: people expected to be seen but not seen, by area",
     f"expected − observed {_SEEN_AS}", _EXPECTED, _UNMET, "people", "complex", "lower", 1),
    ("area_seen_rate", "People seen per 1,000 population, by area", _SEEN, _POPULATION,
     _CRUDE.replace("contacts", "people"), "per 1,000", "ratio", "higher", 1000),
    ("area_core20_share", "Share of the population living in the most deprived 20% of "
     "areas nationally (Core20), by area", _CORE20, _POPULATION, _CORE20_METHOD, "%",
     "complex", "neither", 100),
    ("area_contacts", "Contacts attended, by area", _CONTACTS, "", "count", "contacts",
     "count", "neither", 1),
    ("area_contacts_rate", "Contacts attended per 1,000 population, by area", _CONTACTS,
     _POPULATION, _CRUDE, "per 1,000", "ratio", "neither", 1000),
)  # fmt: skip
#: The consequences measures an area table repeats (each as "area_<key>").
AREA_CARE = ("wait_median", "wait_within_18w", "dna_rate")
METRICS: tuple[Metric, ...] = tuple(
    Metric(k, t, n, d, m, u, "need", kind, pol, float(mult))  # type: ignore[arg-type]
    for k, t, n, d, m, u, kind, pol, mult in _SPECS
) + tuple(
    replace(m, key=f"area_{m.key}", title=f"{m.title}, by area", section="need")
    for m in consequences.METRICS
    if m.key in AREA_CARE
)
_BY_KEY = {m.key: m for m in METRICS}
_COUNTS = ("area_people_seen", "area_contacts")
_CARE = tuple(f"area_{k}" for k in AREA_CARE)
_AGAINST_POPULATION = tuple(
    k for k in _BY_KEY if k.startswith("area_") and k not in (*_COUNTS, *_CARE)
)
_HEAD = ("breakdown_key", "breakdown", "level_code", "level", "order")


def _expected_text(scope: Scope) -> str:
    if scope.need_weights is not None:
        return (
            "expected people seen at the imported relative need by sex and age band, scaled "
            "so that the scope's expected total equals its observed total"
        )
    return "expected people seen at the scope's own rates by sex and age band"


def _seen_by_band(people: pl.DataFrame, key: str) -> pl.DataFrame:
    """People seen with sex and age band recorded, by ``key``, sex and age band."""
    recorded = people.filter(
        pl.col("seen"), pl.col("sex").is_in(["1", "2"]), pl.col("age_band").is_not_null()
    )
    return recorded.group_by(key, "sex", "age_band").agg(pl.len().cast(pl.Float64).alias("seen"))


def _with_scope(frame: pl.DataFrame, column: str, total: float) -> pl.DataFrame:
    """level_code, ``column``: the levels and the scope's ``total`` as "All"."""
    everyone = pl.DataFrame({"level_code": [ALL], column: [total]})
    return pl.concat([frame.select("level_code", pl.col(column).cast(pl.Float64)), everyone])


def oe_rows(table: pl.DataFrame) -> pl.DataFrame:
    """The indicator rows (head, value, limits, O, E, method) of :func:`with_oe`'s O/E."""
    return table.select(
        *_HEAD,
        value="oe",
        lower="oe_lower",
        upper="oe_upper",
        numerator="observed",
        denominator="expected",
        method="oe_method",
    )


def _unmet(frame: pl.DataFrame) -> pl.DataFrame:
    """Unmet need (value, lower, upper, numerator O, denominator E) from the O/E columns."""
    e, short = pl.col("expected"), pl.col("oe_upper") < 1
    return frame.with_columns(
        pl.when(short).then(e - pl.col("observed")).otherwise(0.0).alias("value"),
        pl.when(short).then(e * (1 - pl.col("oe_upper"))).alias("lower"),
        pl.when(short).then(e * (1 - pl.col("oe_lower"))).alias("upper"),
        pl.col("observed").alias("numerator"),
        e.alias("denominator"),
        pl.col("oe_method").alias("method"),
        pl.when(~short)
        .then(pl.lit("observed is not significantly below expected: no unmet need estimated"))
        .alias("note"),
    )


def _missing(frame: pl.DataFrame, flag: str | pl.Expr, note: str) -> pl.DataFrame:
    flag_expr = pl.lit(flag) if isinstance(flag, str) else flag
    return frame.with_columns(flag_expr.alias("flag"), pl.lit(note).alias("note"))


def need_by_group(scope: Scope, bd: Breakdown) -> list[Indicator]:
    """Unmet need (key ``unmet_need/<breakdown>``) for each level of ``bd`` and "All".

    O and E are those of access's ``seen_oe``: people seen with sex and age band
    recorded, and the group's population by sex and age band at the scope's own rates
    (pooled over sex or age when the breakdown is by it), need-weighted when a need
    table is imported (the definition says which), the levels' E scaled to the people
    observed in them (people of no level would otherwise make every level look short).
    Unmet need = E − O where O/E is significantly below 1 (its upper 95% limit is below
    1), with limits E × (1 − upper O/E) to E × (1 − lower O/E), i.e. E less the
    exact/Byar's limits of O; otherwise 0 with a note. A level with no expected count
    is [z] for an unknown kind ("Not known", ...), else [x]; a breakdown with no
    population is [x] throughout.
    """
    metric = _BY_KEY["unmet_need"]
    base = bd.level_frame().with_columns(
        pl.lit(bd.key).alias("breakdown_key"), pl.lit(bd.title).alias("breakdown")
    )
    pop = group_population(scope, bd.parts) if scope.denominator is not None else None
    caveats = [*(pop.caveats if pop else ()), *scope.notes]
    if pop is None:
        frame, denominator = _missing(base, NOT_AVAILABLE, "no population for this breakdown"), ""
    else:
        table = base.join(observed_expected(scope, bd, pop.frame), on="level_code", how="left")
        has = pl.col("oe").is_not_null()
        unknown = pl.col("level").is_in(list(UNKNOWN_LEVELS.values()))
        flag = pl.when(unknown).then(pl.lit(NOT_APPLICABLE)).otherwise(pl.lit(NOT_AVAILABLE))
        none = _missing(table.filter(~has), flag, "no expected count for this level")
        frame = pl.concat([_unmet(table.filter(has)), none], how="diagonal_relaxed")
        denominator = f"{_expected_text(scope)}; population: {pop.source}"
    definition = metric.definition(
        denominator=denominator or "no population for this breakdown",
        caveats=caveats,
        batches=scope.batches,
    )
    return [Indicator(f"{metric.key}/{bd.key}", definition, conform(frame.sort("order"), metric))]


# --- areas -----------------------------------------------------------------------------


def _area_map(scope: Scope, level: AreaLevel) -> pl.DataFrame:
    """home, code: the area of each home (an LSOA of the scope; a GP practice for PCNs)."""
    return area_map(scope.lookup, level, scope.vintage, scope.neighbourhoods)


def homes_of(scope: Scope, column: str) -> dict[str, pl.DataFrame]:
    """Per home (``column``: lsoa or gp_practice), kept in the scope's cache: people seen
    ("seen"), people seen by sex and age band ("bands"), contacts attended ("contacts")."""

    def make() -> dict[str, pl.DataFrame]:
        people = scope.people.rename({column: "home"})
        contacts = (
            scope.referrals.lazy()  # the period's rows, two columns read
            .filter(pl.col("in_period"))
            .group_by(pl.col(column).alias("home"))
            .agg(pl.col("contacts_attended").sum().cast(pl.Float64).alias("contacts"))
        )
        return {
            "seen": people.group_by("home").agg(pl.col("seen").sum().cast(pl.Float64)),
            "bands": _seen_by_band(people, "home"),
            "contacts": contacts.collect(engine="in-memory"),
        }

    return scope.kept(("need", "homes", column), make)


def _placed(frame: pl.DataFrame, amap: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (by home) with level_code: the home's area, or "Not known"."""
    joined = frame.join(amap, on="home", how="left")
    return joined.with_columns(pl.col("code").fill_null(NOT_KNOWN).alias("level_code"))


def _area_reference(scope: Scope) -> pl.DataFrame:
    """sex, age_band, rate: the reference rates of the people seen living in the scope's
    areas; kept in the scope's cache."""

    def make() -> pl.DataFrame:
        bands = homes_of(scope, "lsoa")["bands"].filter(pl.col("home").is_in(sorted(scope.areas)))
        return reference_rates(scope, bands)

    return scope.kept(("need", "area_reference"), make)


def _area_table(scope: Scope, level: AreaLevel) -> pl.DataFrame:
    """One row per area, "Not known" and "All" (in that order): level_code, level, order,
    area, seen, contacts, and (residence with a population) population, observed,
    expected."""
    homes = homes_of(scope, "gp_practice" if level == "pcn" else "lsoa")
    amap = _area_map(scope, level)
    if level == "pcn":  # the PCNs of the period's referrals
        amap = amap.filter(pl.col("home").is_in(homes["contacts"]["home"].implode()))
    codes = amap.select(pl.col("code").drop_nulls().unique().alias("level_code"))
    names = area_names(level, scope.vintage, scope.neighbourhoods)
    areas = (
        codes.join(names, on="level_code", how="left")
        .select("level_code", pl.coalesce("name", "level_code").alias("level"))
        .sort("level", "level_code")
    )  # no "area" column: the level is the area, and disclosure links areas to All
    extra = pl.DataFrame({"level_code": [NOT_KNOWN, ALL], "level": [NOT_KNOWN, ALL]})
    table = pl.concat([areas, extra], how="diagonal").with_row_index("order")
    for name in ("seen", "contacts"):
        by_area = _placed(homes[name], amap).group_by("level_code").agg(pl.col(name).sum())
        table = table.join(with_all(by_area, name), on="level_code", how="left")
    table = table.with_columns(pl.col("seen", "contacts").fill_null(0.0))
    if level == "pcn" or scope.denominator is None:
        return table
    pop = (
        scope.denominator.frame.rename({"area_code": "home"})
        .join(amap, on="home", how="inner")
        .group_by(pl.col("code").alias("level_code"), "sex", "age_band")
        .agg(pl.col("count").sum().alias("population"))
    )
    core20 = scope.lookup.filter(pl.col("imd_decile") <= CORE20_DECILES)["lsoa"].implode()
    population = pop.group_by("level_code").agg(pl.col("population").sum())
    # "All" is the scope's whole population, placed in an area of the level or not (an
    # LSOA in no neighbourhood), as its people seen are.
    whole = float(scope.denominator.frame["count"].sum())
    whole_core20 = float(
        scope.denominator.frame.filter(pl.col("area_code").is_in(core20))["count"].sum()
    )
    in_core20 = (
        scope.denominator.frame.filter(pl.col("area_code").is_in(core20))
        .rename({"area_code": "home"})
        .join(amap, on="home", how="inner")
        .group_by(pl.col("code").alias("level_code"))
        .agg(pl.col("count").sum().alias("core20"))
    )
    bands = _placed(homes["bands"], amap).filter(pl.col("code").is_not_null())
    observed = bands.group_by("level_code").agg(pl.col("seen").sum().alias("observed"))
    return (
        table.join(_with_scope(population, "population", whole), on="level_code", how="left")
        .join(_with_scope(in_core20, "core20", whole_core20), on="level_code", how="left")
        .join(with_all(observed, "observed"), on="level_code", how="left")
        .join(expected_by_level(pop, _area_reference(scope)), on="level_code", how="left")
        .with_columns(pl.col("observed").fill_null(0.0))
    )


def _funnel(areas: pl.DataFrame, overdispersion: bool) -> tuple[dict[str, pl.DataFrame], str]:
    """area_funnel_95, area_funnel_998 and area_outlier rows of the areas with an O/E; and
    a caveat giving the overdispersion factor when it was estimated."""
    f = funnel_limits(
        areas.select("observed", "expected"),
        "observed",
        "expected",
        kind="ratio",
        target=1.0,
        overdispersion=overdispersion,
    )
    base = areas.select(
        *_HEAD, pl.col("observed").alias("numerator"), pl.col("expected").alias("denominator")
    ).with_columns(f["method"])
    frames = {
        f"area_funnel_{s}": base.with_columns(
            pl.lit(1.0).alias("value"),
            f[f"lower_{s}"].alias("lower"),
            f[f"upper_{s}"].alias("upper"),
        )
        for s in ("95", "998")
    }
    code = (
        pl.when(pl.col("outlier_998") == "high")
        .then(2.0)
        .when(pl.col("outlier_95") == "high")
        .then(1.0)
        .when(pl.col("outlier_998") == "low")
        .then(-2.0)
        .when(pl.col("outlier_95") == "low")
        .then(-1.0)
        .otherwise(0.0)
    )
    value = f.select(code.alias("value"))["value"]
    label = value.replace_strict(OUTLIER_CLASSES, return_dtype=pl.String).alias("note")
    frames["area_outlier"] = base.with_columns(value, label)
    if not overdispersion:
        return frames, ""
    phi = float(f["overdispersion"][0])
    caveat = f"overdispersion factor φ = {phi:.3g} (Spiegelhalter, 10%-winsorised z-scores)"
    return frames, caveat + ("" if phi > 1 else ": not above 1, so the exact limits are kept")


def _against_population(
    placed: pl.DataFrame, overdispersion: bool
) -> tuple[dict[str, pl.DataFrame], str]:
    """The metrics against population for the areas and "All"; and a funnel caveat."""
    has_pop = pl.col("population").fill_null(0) > 0
    ok = with_oe(placed.filter(has_pop))
    no_pop = _missing(placed.filter(~has_pop).select(_HEAD), NOT_AVAILABLE, "no population")
    parts: dict[str, list[pl.DataFrame]] = {key: [no_pop] for key in _AGAINST_POPULATION}
    r = rate(ok, "contacts", "population", multiplier=1000)
    parts["area_contacts_rate"].append(
        ok.select(*_HEAD, numerator="contacts", denominator="population").with_columns(
            r["value"], r["lower"], r["upper"], r["method"]
        )
    )
    seen = rate(ok, "seen", "population", multiplier=1000)
    parts["area_seen_rate"].append(
        ok.select(*_HEAD, numerator="seen", denominator="population").with_columns(
            seen["value"], seen["lower"], seen["upper"], seen["method"]
        )
    )
    parts["area_core20_share"].append(
        ok.select(
            *_HEAD,
            # No numerator or denominator: population estimates are not counts of
            # people in the data, so disclosure control has nothing to round here.
            (pl.col("core20").fill_null(0.0) / pl.col("population") * 100).alias("value"),
        )
    )
    parts["area_expected_seen"].append(
        ok.select(*_HEAD, value="expected", denominator="population")
    )
    has_oe = pl.col("oe").is_not_null()
    no_oe = _missing(ok.filter(~has_oe).select(_HEAD), NOT_AVAILABLE, "no expected count")
    ok = ok.filter(has_oe)
    parts["area_oe"] += [no_oe, oe_rows(ok)]
    parts["area_unmet_need"] += [no_oe, _unmet(ok).select(*_HEAD, *_VALUES)]
    everyone = ok.filter(pl.col("level_code") == ALL).select(
        *_HEAD, numerator="observed", denominator="expected"
    )
    centre = _missing(everyone, NOT_APPLICABLE, "the funnel's centre: the scope itself")
    areas = ok.filter(pl.col("level_code") != ALL)
    caveat = ""
    for key in ("area_funnel_95", "area_funnel_998", "area_outlier"):
        parts[key] += [no_oe, centre]
    if areas.height:
        funnel, caveat = _funnel(areas, overdispersion)
        for key, frame in funnel.items():
            parts[key].append(frame)
    frames = {k: pl.concat(v, how="diagonal_relaxed").sort("order") for k, v in parts.items()}
    return frames, caveat


_VALUES = ("value", "lower", "upper", "numerator", "denominator", "method", "note")


def _care(scope: Scope, level: AreaLevel, table: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The area_<AREA_CARE> frames: waits and DNA of the referrals placed in each area
    (consequences_by_home: each placed as its person is), "Not known" and "All"."""
    home = "gp_practice" if level == "pcn" else "lsoa"
    head = table.select(*_HEAD).filter(pl.col("level_code") != ALL)
    long = consequences.consequences_by_home(scope, home, _area_map(scope, level), head)
    wanted = long.filter(pl.col("metric").is_in(AREA_CARE))
    return {
        f"area_{key}": frame.drop("metric")
        for (key,), frame in wanted.partition_by("metric", as_dict=True).items()
    }


def need_by_area(
    scope: Scope, level: AreaLevel, *, overdispersion: bool = False
) -> list[Indicator]:
    """Provision against need by area (``level``: one of :data:`AREA_LEVELS`): one
    Indicator per metric of :data:`METRICS` but ``unmet_need``, keys "<metric>/<level>".
    No neighbourhood lookup imported: no neighbourhood tables (an empty list).

    Rows: every area (``level_code`` its code, ``level`` its name where one is known,
    else the code), then "Not known" (people who cannot be placed) and "All" (the
    scope). People seen, contacts, waits (median, % within 18 weeks) and DNA per area;
    with a resident population (not for a PCN: there the rates by population are [x]):
    people seen per 1,000 (crude, exact/Byar's limits), the Core20 share of the
    population, expected people seen (Σ population by sex and age band × the scope's
    reference rates, need-weighted when a need table is imported), O/E with
    exact/Byar's limits (All: 1), funnel limits at 95% and 99.8% around 1
    (``overdispersion``: Spiegelhalter's multiplicative adjustment; the φ used is a
    caveat), the outlier class, unmet need (E − O where the upper limit of O/E is below
    1; limits E × (1 − O/E limits)), contacts per 1,000. An area with no population is
    [x]; the funnel rows of "All" are [z] (it is the centre).
    """
    if level not in AREA_LEVELS:
        raise ValueError(f"area level {level!r}: choose one of {', '.join(AREA_LEVELS)}")
    if level == "neighbourhood" and scope.neighbourhoods is None:
        return []
    title = area_title(level, scope.vintage, scope.neighbourhoods)
    table = _area_table(scope, level).with_columns(
        pl.lit(level).alias("breakdown_key"), pl.lit(title).alias("breakdown")
    )
    frames = {
        "area_people_seen": table.select(*_HEAD, value="seen", numerator="seen"),
        "area_contacts": table.select(*_HEAD, value="contacts", numerator="contacts"),
        **_care(scope, level, table),
    }
    placed = table.filter(pl.col("level_code") != NOT_KNOWN)
    caveats, funnel_caveat = list(scope.notes), ""
    batches = set(scope.batches)
    if level == "msoa" and scope.vintage == 2011:
        caveats.append("each LSOA 2011 is counted in the MSOA 2021 holding most of its 2021 parts")
    if level == "pcn":
        caveats.append(PCN_LOOKUP)
    if level == "neighbourhood" and scope.neighbourhoods is not None:
        batches |= {int(b) for b in scope.neighbourhoods["batch_id"].unique()}
        shown = str(scope.neighbourhoods["area_type"][0])
        if scope.other_area_types:
            others = scope.other_area_types
            caveats.append(
                f"These are the {shown} lookup's areas; the {' and '.join(others)} lookup "
                f"{'is' if len(others) == 1 else 'are'} imported too (filter by one of its areas)"
            )
        unplaced = len(scope.areas - set(scope.neighbourhoods["lsoa"].to_list()))
        if unplaced:
            caveats.append(
                f"{unplaced:,} of the scope's LSOAs are in no {shown} of the lookup: "
                "their people are in the Not known row"
            )
    if level == "pcn" or scope.denominator is None:
        source = "a PCN's registered population is needed" if level == "pcn" else "no population"
        keys = (
            ("area_oe", "area_seen_rate", "area_core20_share", "area_contacts_rate")
            if level == "pcn"
            else _AGAINST_POPULATION
        )
        frames |= {k: _missing(placed.select(_HEAD), NOT_AVAILABLE, source) for k in keys}
    else:
        against, funnel_caveat = _against_population(placed, overdispersion)
        frames |= against
        source = scope.denominator.source
    out = []
    for key, frame in frames.items():
        metric = _BY_KEY[key]
        extra = [funnel_caveat] if "funnel" in key or key == "area_outlier" else []
        if key == "area_contacts_rate":
            denominator = f"{_POPULATION}: {source}"
            extra = [
                "contacts cluster within people: the Poisson interval understates the uncertainty"
            ]
        elif key in ("area_expected_seen", "area_seen_rate", "area_core20_share"):
            denominator = f"{_POPULATION}: {source}"
            if key == "area_core20_share":
                extra = [f"IMD {scope.imd_edition} deciles of the scope's LSOAs"]
        elif key in _CARE:
            denominator = metric.denominator
            extra = ["each referral in its person's area (of their latest referral in the period)"]
        elif key in _COUNTS:
            denominator = ""
        else:
            denominator = f"{_expected_text(scope)}; population: {source}"
            extra.append("All: the people seen living in the scope's areas (O/E 1 by construction)")
        definition = metric.definition(
            denominator=denominator, caveats=[*caveats, *extra], batches=batches
        )
        out.append(Indicator(f"{key}/{level}", definition, conform(frame, metric)))
    return out


#: The columns of :func:`outlying_areas`.
OUTLYING_COLUMNS: dict[str, pl.DataType] = {
    "area_level": pl.String(),
    "area_code": pl.String(),
    "area_name": pl.String(),
    "outlier": pl.String(),
    **{c: pl.Float64() for c in ("observed", "expected", "ratio", "lower", "upper")},
    **{c: pl.Float64() for c in ("lower_95", "upper_95", "lower_998", "upper_998")},
    **{c: pl.Float64() for c in ("unmet_need", "unmet_lower", "unmet_upper")},
}
_OUTLYING_PARTS = {
    "area_oe": {
        "observed": "numerator",
        "expected": "denominator",
        "ratio": "value",
        "lower": "lower",
        "upper": "upper",
    },
    "area_funnel_95": {"lower_95": "lower", "upper_95": "upper"},
    "area_funnel_998": {"lower_998": "lower", "upper_998": "upper"},
    "area_unmet_need": {"unmet_need": "value", "unmet_lower": "lower", "unmet_upper": "upper"},
}


def outlying_areas(
    indicators: Iterable[Indicator], *, limit: Literal["95", "99.8"] = "95"
) -> pl.DataFrame:
    """The areas of ``indicators`` (from :func:`need_by_area`, any levels) outside the
    funnel limits at ``limit`` (95%: every outlier, 99.8%: the extreme ones), with the
    columns of :data:`OUTLYING_COLUMNS`; by area level (LSOA, MSOA, LAD, PCN), then
    furthest below expected first: by E × (1 − O/E) = E − O, people short (negative for
    areas above expected), which a suppressed observed count does not hide."""
    frames: dict[str, list[pl.DataFrame]] = {}
    for ind in indicators:
        if ind.metric == "area_outlier" or ind.metric in _OUTLYING_PARTS:
            frames.setdefault(ind.metric, []).append(ind.frame)
    if "area_outlier" not in frames:
        return pl.DataFrame(schema=OUTLYING_COLUMNS)
    keys = ["breakdown_key", "level_code"]
    table = (
        pl.concat(frames["area_outlier"])
        .filter(pl.col("value").abs() >= (1 if limit == "95" else 2))
        .select(*keys, "level", "value")
    )
    for metric, columns in _OUTLYING_PARTS.items():
        if metric in frames:
            part = pl.concat(frames[metric]).select(*keys, **columns)
            table = table.join(part, on=keys, how="left")
    order = {lv: i for i, lv in enumerate(AREA_LEVELS)}
    table = table.with_columns(
        area_level="breakdown_key",
        area_code="level_code",
        area_name="level",
        outlier=pl.col("value").replace_strict(OUTLIER_CLASSES, return_dtype=pl.String),
        __level=pl.col("breakdown_key").replace_strict(order, default=len(order)),
    )
    table = table.with_columns(
        pl.lit(None, pl.Float64).alias(c) for c in OUTLYING_COLUMNS if c not in table.columns
    )
    short = pl.col("expected") * (1 - pl.col("ratio"))
    return table.sort(
        [pl.col("__level"), short, pl.col("area_code")],
        descending=[False, True, False],
        nulls_last=True,
    ).select([pl.col(c).cast(t) for c, t in OUTLYING_COLUMNS.items()])
