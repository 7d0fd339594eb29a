"""Section 1 of the data plan: who is and isn't accessing community rehab (DESIGN 6).

For a breakdown (one characteristic or a pair) and the "All" row: referrals, people
referred and seen; people referred and seen per 1,000 of the group's population (crude,
exact Poisson / Byar's limits); the age-sex standardised rate (DSR, ESP 2013) where the
group's age structure is known; observed vs expected people seen, age-sex adjusted
(ISR against the scope's own age-sex rates, need-weighted when a need table is
imported), so an older group is not called well served merely for its age;
representation (share of people seen ÷ share of population, and ÷ share of expected
need); pathway stages and the self-referral share; SII and RII across IMD deciles or
quintiles; WHO HEAT measures for unordered characteristics. Every interval comes from
:mod:`rehabdash.stats`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import polars as pl

from rehabdash.plan.breakdown import Breakdown, people_cells, seen_by_band
from rehabdash.plan.populations import GroupPopulation, group_population
from rehabdash.plan.result import (
    ALL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    Indicator,
    Metric,
    conform_each,
)
from rehabdash.plan.scope import Scope
from rehabdash.plan.standardise import observed_expected, standard_weights
from rehabdash.stats import dsr, heat, proportion, rate, sii

__all__ = ["METRICS", "access_indicators"]

_SEEN = "people seen (at least one attended contact) in the period"
_REFERRED = "people referred in the period"


def _m(
    key: str,
    title: str,
    numerator: str,
    denominator: str,
    method: str,
    unit: str,
    kind: str,
    **kw: object,
) -> Metric:
    return Metric(key, title, numerator, denominator, method, unit, "access", kind, **kw)  # type: ignore[arg-type]


METRICS: tuple[Metric, ...] = (
    _m(
        "referrals",
        "Referrals received",
        "referrals received in the period",
        "",
        "count",
        "referrals",
        "count",
    ),
    _m(
        "people_referred",
        "People referred",
        _REFERRED,
        "",
        "count of distinct people",
        "people",
        "count",
    ),
    _m(
        "people_seen",
        "People seen",
        _SEEN,
        "",
        "count of distinct people",
        "people",
        "count",
        polarity="higher",
    ),
    _m(
        "referred_rate",
        "People referred per 1,000 population",
        _REFERRED,
        "population of the group",
        "crude rate; exact Poisson limits below 10 people, Byar's from 10",
        "per 1,000",
        "ratio",
        polarity="higher",
        multiplier=1000.0,
    ),
    _m(
        "seen_rate",
        "People seen per 1,000 population",
        _SEEN,
        "population of the group",
        "crude rate; exact Poisson limits below 10 people, Byar's from 10",
        "per 1,000",
        "ratio",
        polarity="higher",
        multiplier=1000.0,
    ),
    _m(
        "seen_dsr",
        "People seen per 1,000, age-sex standardised",
        _SEEN,
        "population of the group by age band and sex",
        "directly standardised rate, European Standard Population 2013 (half to each sex); "
        "Dobson limits",
        "per 1,000",
        "complex",
        polarity="higher",
        multiplier=1000.0,
    ),
    _m(
        "seen_oe",
        "People seen: observed ÷ expected (age-sex adjusted)",
        _SEEN + " with age and sex recorded",
        "expected people seen at the scope's own age-sex rates, scaled to the people whose "
        "characteristic is recorded",
        "indirectly standardised ratio; exact Poisson limits below 10, Byar's from 10",
        "ratio",
        "complex",
        polarity="higher",
    ),
    _m(
        "representation",
        "Representation: share of people seen ÷ share of population",
        "the group's share of people seen (among people whose level has a population)",
        "the group's share of the population",
        "ratio of shares; Wilson limits of the seen share",
        "ratio",
        "complex",
        polarity="higher",
    ),
    _m(
        "representation_need",
        "Representation against need: share of people seen ÷ share of expected need",
        "the group's share of people seen",
        "the group's share of expected people seen (age-sex need)",
        "ratio of shares; Wilson limits of the seen share",
        "ratio",
        "complex",
        polarity="higher",
    ),
    _m(
        "accepted_share",
        "Referrals accepted (people)",
        "people with a referral not rejected",
        _REFERRED,
        "proportion; Wilson score limits",
        "%",
        "ratio",
        polarity="higher",
        multiplier=100.0,
        denominator_is_count=True,
    ),
    _m(
        "seen_share",
        "People referred who were seen",
        _SEEN,
        _REFERRED,
        "proportion; Wilson score limits",
        "%",
        "ratio",
        polarity="higher",
        multiplier=100.0,
        denominator_is_count=True,
    ),
    _m(
        "discharged_share",
        "People referred who were seen and discharged",
        "people seen and discharged by the period end",
        _REFERRED,
        "proportion; Wilson score limits",
        "%",
        "ratio",
        polarity="higher",
        multiplier=100.0,
        denominator_is_count=True,
    ),
    _m(
        "self_referral_share",
        "People who referred themselves",
        "people with a self-referral (CSDS B1/B2 or 'self')",
        _REFERRED,
        "proportion; Wilson score limits",
        "%",
        "ratio",
        polarity="higher",
        multiplier=100.0,
        denominator_is_count=True,
    ),
    _m(
        "sii",
        "Slope index of inequality: people seen per 1,000, age-sex standardised",
        "people seen per 1,000 (DSR, ESP 2013) by deprivation quantile",
        "population of each quantile",
        "SII (PHE method), limits by simulation; positive: more seen in less deprived areas",
        "per 1,000",
        "complex",
        polarity="lower",
        multiplier=1000.0,
    ),
    _m(
        "rii",
        "Relative index of inequality: people seen per 1,000, age-sex standardised",
        "fitted rate in the least deprived area",
        "fitted rate in the most deprived area",
        "RII (PHE method), limits by simulation",
        "ratio",
        "complex",
        polarity="lower",
    ),
)
_BY_KEY = {m.key: m for m in METRICS}
HEAT_MEASURES = ("d", "r", "paf", "bgv", "cov", "mdmw", "idisw", "ti", "mld")


def _heat_metric(measure: str) -> Metric:
    return _m(
        f"heat_{measure}",
        f"HEAT {measure.upper()}: people seen per 1,000, age-sex standardised",
        "people seen per 1,000 by group (DSR where the age structure is known, else O/E × "
        "the crude rate of everyone)",
        "population of each group",
        "WHO Health Equity Assessment Toolkit summary measure",
        "measure",
        "complex",
        polarity="lower",  # every HEAT measure is a gap: smaller is better
    )


HEAT_METRICS = tuple(_heat_metric(m) for m in HEAT_MEASURES)


_COUNTS: tuple[str, ...] = ("referrals", "people_referred", "people_seen", "accepted")
_COUNTS += ("discharged", "self_referred")


def _counts(scope: Scope, bd: Breakdown) -> pl.DataFrame:
    """One row per level and "All": the counts every access metric uses."""
    cells = people_cells(scope, bd)
    sums = [pl.col(c).sum() for c in _COUNTS]
    everyone = cells.select(sums).with_columns(pl.lit(ALL).alias("level_code"))
    counts = everyone
    if bd.parts:  # the "All" breakdown is its one row
        by_level = cells.group_by("level_code").agg(sums)
        counts = pl.concat([by_level, everyone.select(by_level.columns)])
    frame = bd.level_frame().join(counts, on="level_code", how="left")
    return frame.with_columns(pl.col(_COUNTS).fill_null(0).cast(pl.Float64)).with_columns(
        pl.lit(bd.key).alias("breakdown_key"), pl.lit(bd.title).alias("breakdown")
    )


def _stat(frame: pl.DataFrame, out: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with value, lower, upper, method from a stats result in the same order."""
    return frame.with_columns(
        out["value"].alias("value"),
        out["lower"].alias("lower"),
        out["upper"].alias("upper"),
        out["method"].alias("method"),
    )


def _rates(
    counts: pl.DataFrame, pops: pl.DataFrame | None, numerators: dict[str, str]
) -> dict[str, pl.DataFrame]:
    """Each metric of ``numerators`` (its key: the count column) per its multiplier of the
    level's population, by level: one call of stats.rate for those of one multiplier."""
    head = ("breakdown_key", "breakdown", "level_code", "level", "order")
    if pops is None:
        return {
            key: counts.select(
                *head,
                pl.col(column).alias("numerator"),
                pl.lit(None, pl.Float64).alias("denominator"),
                pl.lit(NOT_AVAILABLE).alias("flag"),
                pl.lit("no population for this breakdown").alias("note"),
            )
            for key, column in numerators.items()
        }
    with_pop = counts.join(pops, on="level_code", how="left")
    frame = pl.concat(
        [
            with_pop.select(
                *head,
                pl.col(column).alias("numerator"),
                pl.col("population").alias("denominator"),
                pl.lit(rank, dtype=pl.UInt32).alias("__rank"),
            )
            for rank, column in enumerate(numerators.values())
        ]
    )
    has = pl.col("denominator").fill_null(0) > 0
    ok = frame.filter(has)
    times = [_BY_KEY[key].multiplier for key in numerators]
    done = []
    for multiplier in dict.fromkeys(times):
        ranks = [r for r, m in enumerate(times) if m == multiplier]
        part = ok.filter(pl.col("__rank").is_in(ranks))
        done.append(_stat(part, rate(part, "numerator", "denominator", multiplier=multiplier)))
    missing = frame.filter(~has).with_columns(
        pl.when(pl.col("level").is_in(["Not known", "Blank", "Invalid", "Not stated"]))
        .then(pl.lit(NOT_APPLICABLE))
        .otherwise(pl.lit(NOT_AVAILABLE))
        .alias("flag"),
        pl.lit("no population for this level").alias("note"),
    )
    return _by_rank(pl.concat([*done, missing], how="diagonal_relaxed"), numerators)


def _by_rank(every: pl.DataFrame, keys: Iterable[str]) -> dict[str, pl.DataFrame]:
    """The rows of each of ``keys`` (``__rank``: its place in them), in level order."""
    every = every.sort("__rank", "order")
    parts = every.partition_by("__rank", as_dict=True, include_key=False)
    empty = every.clear().drop("__rank")
    return {key: parts.get((rank,), empty) for rank, key in enumerate(keys)}


def _proportions(counts: pl.DataFrame, numerators: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Each metric of ``numerators`` (its key: the count column) as a share of the people
    referred, by level: one Wilson call for them all (x/n × 1, then × the multiplier:
    the same numbers as a call per metric)."""
    head = ("breakdown_key", "breakdown", "level_code", "level", "order")
    frame = pl.concat(
        [
            counts.select(
                *head,
                pl.col(column).alias("numerator"),
                pl.col("people_referred").alias("denominator"),
                pl.lit(rank, dtype=pl.UInt32).alias("__rank"),
                pl.lit(_BY_KEY[key].multiplier, dtype=pl.Float64).alias("__times"),
            )
            for rank, (key, column) in enumerate(numerators.items())
        ]
    )
    has = pl.col("denominator") > 0
    ok = frame.filter(has)
    ok = _stat(ok, proportion(ok, "numerator", "denominator"))
    ok = ok.with_columns(pl.col("value", "lower", "upper") * pl.col("__times"))
    none = frame.filter(~has).with_columns(
        pl.lit(NOT_APPLICABLE).alias("flag"), pl.lit("nobody referred").alias("note")
    )
    every = pl.concat([ok, none], how="diagonal_relaxed").drop("__times")
    return _by_rank(every, numerators)


def _level_populations(pop: GroupPopulation | None) -> pl.DataFrame | None:
    if pop is None:
        return None
    by_level = pop.frame.group_by("level_code").agg(pl.col("population").sum())
    total = by_level.select(pl.col("population").sum()).with_columns(
        pl.lit(ALL).alias("level_code")
    )
    return pl.concat([by_level, total.select(by_level.columns)])


def _standardised(
    scope: Scope, bd: Breakdown, pop: GroupPopulation, counts: pl.DataFrame
) -> list[pl.DataFrame]:
    """seen_oe, representation_need and (age structure known) seen_dsr frames."""
    observed = seen_by_band(scope, bd)
    base = counts.select("breakdown_key", "breakdown", "level_code", "level", "order")
    table = base.join(
        observed_expected(scope, bd, pop.frame).rename({"observed": "seen"}),
        on="level_code",
        how="left",
    )
    has = pl.col("expected").fill_null(0) > 0
    ok = table.filter(has)
    stat = {"oe": "value", "oe_lower": "lower", "oe_upper": "upper", "oe_method": "method"}
    oe = ok.rename(stat).with_columns(
        pl.col("seen").alias("numerator"), pl.col("expected").alias("denominator")
    )
    oe = pl.concat(
        [
            oe,
            table.filter(~has).with_columns(
                pl.lit(NOT_APPLICABLE).alias("flag"), pl.lit("no expected count").alias("note")
            ),
        ],
        how="diagonal_relaxed",
    ).sort("order")
    ok = ok.drop(*stat)
    frames = [oe.with_columns(pl.lit("seen_oe").alias("metric"))]
    valid = ok.filter(pl.col("level_code") != ALL)
    if valid.height:
        total_seen, total_expected = valid["seen"].sum(), valid["expected"].sum()
        if total_seen > 0 and total_expected > 0:
            share = proportion(
                valid.with_columns(pl.lit(float(total_seen)).alias("__n")), "seen", "__n"
            )
            exp_share = valid["expected"] / total_expected
            rep = valid.with_columns(
                (share["value"] / exp_share).alias("value"),
                (share["lower"] / exp_share).alias("lower"),
                (share["upper"] / exp_share).alias("upper"),
                pl.col("seen").alias("numerator"),
                pl.lit(float(total_seen)).alias("denominator"),
                pl.lit("Wilson").alias("method"),
            )
            frames.append(rep.with_columns(pl.lit("representation_need").alias("metric")))
    if pop.age_structure_known:
        frames.append(
            _dsr(base, observed, pop.frame).with_columns(pl.lit("seen_dsr").alias("metric"))
        )
    return frames


def _dsr(base: pl.DataFrame, observed: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    everyone = (
        pop.group_by("sex", "age_band")
        .agg(pl.col("population").sum())
        .with_columns(pl.lit(ALL).alias("level_code"))
    )
    pops = pl.concat([pop, everyone.select(pop.columns)]).filter(pl.col("population") > 0)
    obs_all = (
        observed.group_by("sex", "age_band")
        .agg(pl.col("seen").sum())
        .with_columns(pl.lit(ALL).alias("level_code"))
    )
    obs = pl.concat([observed, obs_all.select(observed.columns)])
    cells = (
        pops.join(obs, on=["level_code", "sex", "age_band"], how="left")
        .with_columns(
            pl.col("seen").fill_null(0.0), (pl.col("sex") + " " + pl.col("age_band")).alias("band")
        )
        .join(standard_weights(), on="age_band", how="left")
    )
    out = dsr(
        cells,
        "seen",
        "population",
        "weight",
        group_by="level_code",
        age_band="band",
        multiplier=1000,
    )
    frame = base.join(
        out.select(
            "level_code",
            "value",
            "lower",
            "upper",
            "method",
            pl.col("observed").alias("numerator"),
            pl.col("population").alias("denominator"),
            pl.col("reason").alias("note"),
        ),
        on="level_code",
        how="left",
    )
    return frame.with_columns(
        pl.when(pl.col("value").is_null()).then(pl.lit(NOT_AVAILABLE)).otherwise(None).alias("flag")
    ).sort("order")


def _representation(counts: pl.DataFrame, pops: pl.DataFrame) -> pl.DataFrame | None:
    frame = counts.join(pops, on="level_code", how="inner").filter(
        pl.col("level_code") != ALL, pl.col("population") > 0
    )
    seen_total, pop_total = frame["people_seen"].sum(), frame["population"].sum()
    if frame.height == 0 or seen_total <= 0:
        return None
    share = proportion(
        frame.with_columns(pl.lit(float(seen_total)).alias("__n")), "people_seen", "__n"
    )
    pop_share = frame["population"] / pop_total
    return frame.select("breakdown_key", "breakdown", "level_code", "level", "order").with_columns(
        (share["value"] / pop_share).alias("value"),
        (share["lower"] / pop_share).alias("lower"),
        (share["upper"] / pop_share).alias("upper"),
        frame["people_seen"].alias("numerator"),
        pl.lit(float(seen_total)).alias("denominator"),
        pl.lit("Wilson").alias("method"),
    )


def _standardised_rates(bd: Breakdown, frames: dict[str, pl.DataFrame]) -> pl.DataFrame | None:
    """Each valid level's age-sex standardised people seen per 1,000, with its limits and
    population: the DSR where the level's age structure is known, else the indirectly
    standardised rate (O/E × the crude rate of everyone). Inequality summaries are made
    of these, so a younger group is not called under-served for its age."""
    char = bd.single
    if char is None or "value" not in frames["seen_rate"].columns:
        return None
    pops = frames["seen_rate"].select("level_code", "denominator")
    levels = pl.col("level_code").is_in(list(char.levels))
    if "seen_dsr" in frames:
        rates = frames["seen_dsr"].drop("denominator").join(pops, on="level_code")
    elif "seen_oe" in frames:
        everyone = frames["seen_rate"].filter(pl.col("level_code") == ALL)["value"]
        if everyone.len() == 0 or everyone[0] is None:
            return None
        crude = float(everyone[0])
        rates = (
            frames["seen_oe"]
            .drop("denominator")
            .join(pops, on="level_code")
            .with_columns(pl.col("value", "lower", "upper") * crude)
        )
    else:
        return None
    return rates.filter(levels, pl.col("value").is_not_null(), pl.col("denominator") > 0)


def _inequality(bd: Breakdown, rates: pl.DataFrame | None) -> dict[str, pl.DataFrame]:
    """SII and RII (ordered) or HEAT measures (unordered) of standardised rates."""
    char = bd.single
    if char is None or rates is None:
        return {}
    levels = list(char.levels)
    valid = rates
    head = {"breakdown_key": bd.key, "breakdown": bd.title, "level_code": ALL, "level": ALL}
    out: dict[str, pl.DataFrame] = {}
    if char.ordered:
        if valid.height < 5 or valid.height != len(levels):
            return out
        fitted = sii(
            valid.with_columns(pl.col("level_code").cast(pl.Int64).alias("q")),
            "q",
            "denominator",
            "value",
            "lower",
            "upper",
            value_type="rate",
            seed=20251030,
            repetitions=20_000,
        ).row(0, named=True)
        for name in ("sii", "rii"):
            out[name] = pl.DataFrame(
                [
                    {
                        **head,
                        "value": fitted[name],
                        "lower": fitted[f"{name}_lower"],
                        "upper": fitted[f"{name}_upper"],
                        "method": fitted["method"],
                    }
                ]
            )
        return out
    if valid.height < 2:
        return out
    measures = heat(valid, "level_code", "value", "denominator")
    for row in measures.iter_rows(named=True):
        if row["measure"] in HEAT_MEASURES:
            finite = row["estimate"] is not None and math.isfinite(row["estimate"])
            # R and MLD divide by a group's rate: a group with nobody seen makes them
            # infinite, which is no number to publish.
            extra = {} if finite else {"flag": NOT_AVAILABLE, "note": _NO_FINITE_HEAT}
            out[f"heat_{row['measure']}"] = pl.DataFrame(
                [
                    {
                        **head,
                        "value": row["estimate"] if finite else None,
                        "lower": row["lower"] if finite else None,
                        "upper": row["upper"] if finite else None,
                        "method": "WHO HEAT",
                        **extra,
                    }
                ]
            )
    return out


_NO_FINITE_HEAT = "not available: a group has a rate of 0, so the measure has no finite value"


def access_indicators(scope: Scope, bd: Breakdown) -> list[Indicator]:
    """Every access metric for one breakdown, each with its "All" row."""
    counts = _counts(scope, bd)
    pop = group_population(scope, bd.parts)
    pops = _level_populations(pop)
    caveats = [*(pop.caveats if pop else ()), *scope.notes]
    denominator = pop.source if pop else "no population for this breakdown"
    frames: dict[str, pl.DataFrame] = {}
    for key in ("referrals", "people_referred", "people_seen"):
        frames[key] = counts.select(
            "breakdown_key",
            "breakdown",
            "level_code",
            "level",
            "order",
            pl.col(key).alias("value"),
            pl.col(key).alias("numerator"),
        )
    frames |= _rates(counts, pops, {"referred_rate": "people_referred", "seen_rate": "people_seen"})
    frames |= _proportions(
        counts,
        {
            "accepted_share": "accepted",
            "seen_share": "people_seen",
            "discharged_share": "discharged",
            "self_referral_share": "self_referred",
        },
    )
    if pop is not None and pops is not None:
        represented = _representation(counts, pops)
        if represented is not None:
            frames["representation"] = represented
        for frame in _standardised(scope, bd, pop, counts):
            frames[frame["metric"][0]] = frame.drop("metric")
    frames.update(_inequality(bd, _standardised_rates(bd, frames)))
    metrics = {**_BY_KEY, **{m.key: m for m in HEAT_METRICS}}
    conformed = conform_each(frames, metrics)
    out = []
    for key in frames:
        metric = metrics[key]
        definition = metric.definition(
            denominator=denominator if metric.unit not in ("people", "referrals") else "",
            caveats=caveats,
            batches=scope.batches,
        )
        out.append(Indicator(f"{key}/{bd.key}", definition, conformed[key]))
    return out
