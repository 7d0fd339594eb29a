"""Null calibration: on the no-inequity demo the findings flag about 5% of comparisons.

The no-inequity demo (``build_demo(plant=False)``) treats every group alike: each person's
ethnic category, religion, disability, sexual orientation and partnership status is
drawn from their LSOA's Census 2021 shares, the shares the plan's denominators use, and
access, waits and drop-outs do not depend on them or on deprivation. Only need by age and
sex is planted, so age band and sex are left out here, and so are waits by age (the team
mix changes with age). Sixteen seeds of 50,000 referrals each, 2024-25: every comparison
:func:`rehabdash.plan.findings.candidates` tests for those groups, significant or not
(from the plan's own pieces, ``PlanEngine.breakdown`` for each group and ``gap_change``
for the gaps, without the plan's area tables and series, which no comparison here uses).

* The share of age-sex adjusted comparisons flagged (each group's O/E, quintile 1 ÷ 5,
  the SII, the two gaps' change) is about the nominal 5%, overall and for no
  characteristic more (99.9% Wilson limits, rehabdash.stats.proportion); the same
  counting on a planted demo flags far more, so the count is not vacuous.
* Waits are crude medians compared by non-overlapping 95% intervals, a conservative test
  (about 0.6% for two equal intervals); groups whose LSOAs are younger do wait a little
  longer (fewer intermediate-care referrals), so they are checked separately: at most 5%.
* Bias: each level's log O/E averaged over the seeds, against its standard error from the
  plan's intervals; the sum of squares over a characteristic's levels is chi-squared.

A bias once found here and fixed in the demo: rehabdash/demo/activity.py made the first
referral of every LSOA x sex x age band x ethnic group cell a new person and each later
one a repeat with chance 0.15, so large cells (White British, the least deprived LSOAs)
had more referrals per person, and the plan counts people. Ethnicity and ethnic group
failed the chi-squared test (p = 6e-6 and 3e-5 on these seeds) and were marked xfail.
Each person now has 1 + Geometric referrals whatever their cell (tests/test_demo.py
checks it), and both pass: p = 0.007 and 0.005 on these seeds, 0.48 and 0.37 on seeds
301-316.

Known residual, from the plan, not the demo: the demo records ethnicity for 74% (NLO) to
90% (RY6) of people by provider, and the plan scales every level's expected count by one
completeness for the whole scope (rehabdash.plan.standardise.scale_to_recorded), so a
group living mostly where recording is good looks over-served (by hand +3.3% for Black
African, N; -1.3% for Pakistani, J). At 50,000 rows it is too small to fail this test
(hence p = 0.007, above 0.001 with little margin, on these seeds); at 200,000 rows (seeds
201-208) it shows: Black people +2.7% (z = 3.1), ethnicity chi-squared p = 0.0003, and
10% of ethnicity and 12% of ethnic group comparisons flagged (19% and 25% before the
demo's fix). Deprivation, biased slightly before (quintile chi-squared p = 7e-5 at
200,000 rows), now has p = 0.98.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from scipy import stats as sps

from rehabdash.codes.characteristics import UNKNOWN_LEVELS
from rehabdash.demo import build_demo
from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.findings import candidates
from rehabdash.plan.improvement import TREND_SEEN_WITHIN, gap_change
from rehabdash.plan.result import ALL, Indicator
from rehabdash.queries.referrals import ReferralSource
from rehabdash.stats import proportion
from rehabdash.store import open_store

ROWS = 50_000
NULL_SEEDS = tuple(range(101, 117))
PLANTED_SEED = 7
GROUPS: tuple[str, ...] = (
    "ethnicity",
    "ethnic_group",
    "religion",
    "disability",
    "sexual_orientation",
    "marital_status",
)
DEPRIVATION = ("imd_decile", "imd_quintile")
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Run:
    """One demo's tested comparisons and its O/E and crude rates by level."""

    comparisons: pl.DataFrame  # seed, indicator, characteristic, kind, level_code, significant
    levels: pl.DataFrame  # seed, characteristic, metric, level_code, level, value, lower, upper


def _run(folder: Path, seed: int, plant: bool) -> Run:
    store = open_store(f"sqlite:///{folder}/demo_{seed}.db")
    build_demo(store, rows=ROWS, seed=seed, plant=plant)
    engine = PlanEngine(ReferralSource(store))
    flt = parse_filter(period="2024-25")
    scope = engine.scope(flt)
    indicators: dict[str, Indicator] = {}
    for key in GROUPS + DEPRIVATION:
        indicators.update((i.key, i) for i in engine.breakdown(flt, key))
    indicators.update((i.key, i) for i in gap_change(scope, seen_within=TREND_SEEN_WITHIN))
    tested = candidates(indicators, scope)
    store.dispose()
    comparisons = pl.DataFrame(
        {
            "seed": [seed] * len(tested),
            "indicator": [f.indicator for f in tested],
            "level_code": [f.level_code for f in tested],
            "significant": [f.significant for f in tested],
        },
        schema_overrides={"seed": pl.Int64},
    ).with_columns(
        pl.col("indicator").str.split("/").list.get(1).alias("characteristic"),
        pl.when(pl.col("indicator").str.starts_with("wait_median/"))
        .then(pl.lit("wait"))
        .otherwise(pl.lit("adjusted"))
        .alias("kind"),
    )
    frames = [
        indicators[f"{metric}/{key}"]
        .frame.select("level_code", "level", "value", "lower", "upper")
        .with_columns(
            pl.lit(seed).alias("seed"),
            pl.lit(key).alias("characteristic"),
            pl.lit(metric).alias("metric"),
        )
        for key in GROUPS + DEPRIVATION
        for metric in ("seen_oe", "seen_rate")
    ]
    levels = pl.concat(frames, how="vertical_relaxed")
    return Run(comparisons, levels)


@pytest.fixture(scope="module")
def null_runs(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("demo_null")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REHABDASH_HOME", str(folder))
        mp.delenv("REHABDASH_PSEUDONYM_KEY", raising=False)
        runs = []
        for seed in NULL_SEEDS:
            runs.append(_run(folder, seed, plant=False))
            (folder / f"demo_{seed}.db").unlink()
    return Run(pl.concat([r.comparisons for r in runs]), pl.concat([r.levels for r in runs]))


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("demo_planted")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REHABDASH_HOME", str(folder))
        mp.delenv("REHABDASH_PSEUDONYM_KEY", raising=False)
        return _run(folder, PLANTED_SEED, plant=True)


def _flag_rates(comparisons: pl.DataFrame, *by: str, confidence: float = 0.999) -> pl.DataFrame:
    """Comparisons (n), flagged (x) and the flagged share with Wilson limits, by ``by``."""
    counts = comparisons.with_columns(
        pl.col("significant").cast(pl.Int64).alias("x"), pl.lit(1).alias("n")
    )
    if not by:
        counts = counts.with_columns(pl.lit("all").alias("all"))
        by = ("all",)
    return proportion(counts, "x", "n", group_by=list(by), confidence=confidence).sort(*by)


def test_flagged_share_of_adjusted_comparisons_is_nominal(null_runs: Run) -> None:
    """About 5% of the age-sex adjusted comparisons flagged, overall (99.9% Wilson limits
    around 0.05) and for no characteristic more than that."""
    adjusted = null_runs.comparisons.filter(pl.col("kind") == "adjusted")
    assert set(adjusted["characteristic"]) == set(GROUPS + DEPRIVATION)
    assert adjusted.height > 600  # about 43 comparisons a seed
    overall = _flag_rates(adjusted).row(0, named=True)
    assert overall["lower"] <= 0.05 <= overall["upper"], overall
    assert 0.02 < overall["value"] < 0.08, overall
    for row in _flag_rates(adjusted, "characteristic").iter_rows(named=True):
        assert row["lower"] <= 0.05, row


def test_wait_comparisons_flag_no_more_than_nominal(null_runs: Run) -> None:
    """Median waits by group (not by age): non-overlapping intervals are a conservative
    test; a group's younger LSOAs shift its crude median a little. At most 5% flagged."""
    waits = null_runs.comparisons.filter(pl.col("kind") == "wait")
    assert waits.height > 300
    assert set(waits["characteristic"]) == set(GROUPS + DEPRIVATION)
    overall = _flag_rates(waits).row(0, named=True)
    assert overall["value"] <= 0.05, overall
    for row in _flag_rates(waits, "characteristic").iter_rows(named=True):
        assert row["lower"] <= 0.05, row


def test_the_same_counting_flags_the_planted_demo(planted_run: Run) -> None:
    """Not vacuous: with the inequities planted the same comparisons are flagged far above
    5% (Pakistani people, deprivation and its gaps, disabled people's waits)."""
    comparisons = planted_run.comparisons
    adjusted = _flag_rates(comparisons.filter(pl.col("kind") == "adjusted")).row(0, named=True)
    assert adjusted["lower"] > 0.10, adjusted
    flagged = comparisons.filter("significant")
    found = set(zip(flagged["indicator"], flagged["level_code"], strict=True))
    assert ("seen_oe/ethnicity", "J") in found
    assert ("seen_oe/imd_quintile", "1/5") in found
    assert ("sii/imd_decile", ALL) in found
    assert ("wait_median/disability", "Disabled") in found


def _bias(levels: pl.DataFrame, key: str) -> tuple[float, int, pl.DataFrame]:
    """chi-squared, degrees of freedom and the per-level z of a characteristic's log O/E
    averaged over the seeds (standard error from the plan's 95% limits)."""
    oe = levels.filter(
        pl.col("characteristic") == key,
        pl.col("metric") == "seen_oe",
        pl.col("level_code") != ALL,
        ~pl.col("level").is_in(list(UNKNOWN_LEVELS.values())),
        pl.col("value") > 0,
        pl.col("lower") > 0,
    )
    per_level = (
        oe.with_columns(
            pl.col("value").log().alias("log_oe"),
            ((pl.col("upper").log() - pl.col("lower").log()) / (2 * Z95)).alias("se"),
        )
        .group_by("level_code")
        .agg(
            pl.col("log_oe").mean().alias("mean"),
            ((pl.col("se") ** 2).mean() / pl.len()).sqrt().alias("se"),
            pl.len().alias("seeds"),
        )
        .with_columns((pl.col("mean") / pl.col("se")).alias("z"))
        .sort("level_code")
    )
    assert (per_level["seeds"] == len(NULL_SEEDS)).all(), per_level
    return float((per_level["z"] ** 2).sum()), per_level.height, per_level


@pytest.mark.parametrize("key", GROUPS + DEPRIVATION)
def test_no_group_is_systematically_over_or_under_served(null_runs: Run, key: str) -> None:
    """Each level's O/E averaged over 16 seeds is 1 within its standard error: the sum of
    z squared over the levels is chi-squared (p above 0.001)."""
    chi2, df, per_level = _bias(null_runs.levels, key)
    assert df >= 2
    p = float(sps.chi2.sf(chi2, df))
    assert p > 0.001, (key, round(chi2, 1), df, p, per_level)


def test_every_group_is_seen_about_as_expected(null_runs: Run) -> None:
    """A coarse guard: every group's O/E averaged over the seeds within 15% of 1 (a wrong
    denominator is out by far more: "Other religion" was once seen at six times the rate
    of everyone)."""
    oe = null_runs.levels.filter(
        pl.col("metric") == "seen_oe",
        pl.col("level_code") != ALL,
        ~pl.col("level").is_in(list(UNKNOWN_LEVELS.values())),
        pl.col("value") > 0,
    )
    mean = oe.group_by("characteristic", "level_code").agg(pl.col("value").log().mean().exp())
    assert mean.height > 45
    for key, level, value in mean.iter_rows():
        assert 0.85 < value < 1.15, (key, level, value)


def test_religion_rates_are_like_everyone_elses(null_runs: Run) -> None:
    """Crude people seen per 1,000: no religion group above 1.3 times everyone's (averaged
    over the seeds; the groups' age structures differ only through their LSOAs)."""
    rates = null_runs.levels.filter(
        pl.col("characteristic") == "religion",
        pl.col("metric") == "seen_rate",
        pl.col("value").is_not_null(),
        ~pl.col("level").is_in(list(UNKNOWN_LEVELS.values())),
    )
    mean = dict(rates.group_by("level_code").agg(pl.col("value").mean()).iter_rows())
    assert len(mean) >= 9
    for group, value in mean.items():
        assert value < 1.3 * mean[ALL], (group, value, mean[ALL])
