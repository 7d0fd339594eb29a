"""Known truth: the data plan recovers every inequity the demo ICB plants, and says so.

One planted demo store (200,000 referrals, seed 2025, SQLite) and one whole plan for
2024-25. For each inequity of rehabdash.demo.truth the test works out, by hand, what the
truth implies for the plan's own estimate, and asserts that value lies inside the plan's
interval (see Intervals below); then that a finding states it.

The by-hand model is the generator's (rehabdash/demo/activity.py and pathway.py):

* people referred from LSOA l, sex s, age band a are proportional to the population ×
  BASE_RATE_PER_1000[a] × FEMALE_FACTOR (women) × access_factor(decile) × the LSOA's
  census ethnic mix with UNDER_REFERRAL_FACTOR for Pakistani (J) people, and for deciles
  1-2 the last-quarter shock (9 months at 1 and 3 at SHOCK_FACTOR in the year);
* a referral is seen unless rejected (5%, everyone alike) or the person drops out
  (0.03 + 0.04 × deprivation, deprivation = (10 - decile) / 9);
* an ethnic category is recorded for ETHNICITY_VALID_SHARE of the provider's people;
* waits are lognormal (spread 0.6) and a referral counts as seen only if its wait ends by
  the extract (2025-04-30), which cuts off long waits of late referrals;
* the plan's expected count is the population × the scope's own age-sex rates (indirect
  standardisation), which the test reproduces with the truth's intensities.

Two mechanics of the generator are measured from its clear rows (DemoData.referrals,
never from the plan): people seen per seen referral by group (a person counts once, as
seen if any of their referrals is, so groups with more drop-outs have a few more people
per seen referral), and the share of referrals seen by the extract in each month (waits
make the latest months' referrals less likely to be seen, so the last-quarter shock
removes fewer people seen than referrals). The first is small now that referrals per
person are drawn alike in every cell (activity.py: 1 + Geometric); for quintile 1 ÷ 5 on
seed 2025 the two are 1.008 and a shock of 0.955 in place of 0.950, and without either
the by-hand ratio would be 0.630 in place of 0.638 (the plan's: 0.638, 99% CI 0.619 to
0.657).

Intervals: the ratio of two groups' O/E is the findings' own (rehabdash.stats.rate_ratio
of the observed and expected counts), asserted at 99%: the by-hand truth was checked on
eight seeds (2025 and 1-7: mean z +0.30 for deprivation, +0.42 for J, -0.19 for sex;
largest |z| 1.96), and with five checks at 95% one seed in four would fail one by chance.
The gap's change is asserted inside the plan's own 95% interval. Median waits are whole
days, so the ratio of two medians is checked against the ratio of their limits (lower ÷
upper to upper ÷ lower), which holds whenever both medians lie in their intervals; an
interval treating each median as normal is narrower than the one-day steps of the medians.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
import pytest

from rehabdash.demo import build_demo, truth
from rehabdash.demo.generate import DemoData
from rehabdash.demo.pathway import provider_for_lad
from rehabdash.demo.recording import DEFAULT_VALID_SHARE, ETHNICITY_VALID_SHARE
from rehabdash.plan import parse_filter
from rehabdash.plan.engine import Plan, PlanEngine
from rehabdash.plan.findings import Finding
from rehabdash.plan.result import Indicator
from rehabdash.queries.referrals import ReferralSource
from rehabdash.refdata import AGE_BANDS
from rehabdash.refdata.census import census_shares
from rehabdash.stats import rate_ratio
from rehabdash.store import open_store

ROWS, SEED = 200_000, 2025
PERIOD = "2024-25"
FY_START, FY_END = date(2024, 4, 1), date(2025, 3, 31)
#: pathway.py: a referral is lost to drop-out with chance 0.03 + 0.04 x deprivation.
DROP_OUT, DROP_OUT_SLOPE = 0.03, 0.04
#: pathway.py: waits are lognormal, median MEDIAN_WAIT_DAYS x team factor (1.2 for
#: physiotherapy, team type 26), spread 0.6 on the log scale.
PHYSIO, PHYSIO_FACTOR, WAIT_SPREAD = "26", 1.2, 0.6


@dataclass(frozen=True)
class Planted:
    data: DemoData
    engine: PlanEngine
    plan: Plan


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    folder = tmp_path_factory.mktemp("demo_truth")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REHABDASH_HOME", str(folder))
        mp.delenv("REHABDASH_PSEUDONYM_KEY", raising=False)
        store = open_store(f"sqlite:///{folder / 'demo.db'}")
        data = build_demo(store, rows=ROWS, seed=SEED, plant=True)
        engine = PlanEngine(ReferralSource(store))
        yield Planted(data, engine, engine.plan(parse_filter(period=PERIOD)))
        store.dispose()


# -- the truth, by hand -------------------------------------------------------------------


def _seen_rows(data: DemoData) -> pl.DataFrame:
    """The generator's referrals received in the period by the plan's (rehab) teams, with
    the person's quintile and whether the referral was seen by the extract."""
    return data.referrals.filter(
        pl.col("referral_date").is_between(FY_START, FY_END), pl.col("team_type") != "27"
    ).with_columns(
        ((pl.col("imd_decile") + 1) // 2).alias("quintile"),
        pl.col("first_contact_date").is_not_null().alias("seen"),
    )


def _people_per_seen_referral(data: DemoData, *by: pl.Expr) -> dict[object, float]:
    """Distinct people seen ÷ referrals seen, by group (repeat referrals and drop-outs)."""
    seen = _seen_rows(data).filter("seen")
    out = seen.group_by(*by).agg(pl.col("person_id").n_unique() / pl.len())
    return {row[:-1] if len(row) > 2 else row[0]: row[-1] for row in out.iter_rows()}


def _shock_for_people_seen(data: DemoData) -> float:
    """The last-quarter shock as the year's people seen feel it: months weighted by the
    share of referrals seen by the extract (from deciles the shock leaves alone)."""
    rows = _seen_rows(data).filter(~pl.col("imd_decile").is_in(truth.SHOCK_DECILES))
    by_month = rows.group_by(pl.col("referral_date").dt.truncate("1mo")).agg(pl.col("seen").mean())
    late = by_month["referral_date"] >= truth.SHOCK_QUARTER_START
    share = by_month["seen"].to_numpy()
    late_np = late.to_numpy()
    return float((share[~late_np].sum() + truth.SHOCK_FACTOR * share[late_np].sum()) / share.sum())


def _cells(data: DemoData, shock: float) -> pl.DataFrame:
    """LSOA x sex x age band: population, need (base rate x female factor), the truth's
    relative chance of being referred and seen (``f`` without the ethnic factor, ``F``
    with it), the J and A census shares and the provider's valid-ethnicity share."""
    decile = pl.col("imd_decile").cast(pl.Float64)
    low = truth.DECILE1_TO_DECILE10_ACCESS
    deprivation = (10 - decile) / 9
    j, a = (
        census_shares("ethnic_group", 2011)
        .filter(pl.col("nhs") == code)
        .select(pl.col("area_code").alias("lsoa"), pl.col("share").alias(name))
        for code, name in (("J", "s_j"), ("A", "s_a"))
    )
    providers = provider_for_lad(data.areas["lad_name"].fill_null("Unknown"))
    valid = providers.replace_strict(
        ETHNICITY_VALID_SHARE, default=DEFAULT_VALID_SHARE, return_dtype=pl.Float64
    )
    areas = (
        data.areas.select("lsoa", "imd_decile")
        .with_columns(valid.alias("valid"))
        .join(j, on="lsoa", how="left")
        .join(a, on="lsoa", how="left")
        .with_columns(
            (
                (low + (1 - low) * (decile - 1) / 9)
                * pl.when(pl.col("imd_decile").is_in(truth.SHOCK_DECILES))
                .then(shock)
                .otherwise(1.0)
                * (1 - DROP_OUT - DROP_OUT_SLOPE * deprivation)
            ).alias("f"),
            ((pl.col("imd_decile") + 1) // 2).alias("quintile"),
        )
        .with_columns(
            (pl.col("f") * (1 - (1 - truth.UNDER_REFERRAL_FACTOR) * pl.col("s_j"))).alias("F")
        )
    )
    base = dict(zip(AGE_BANDS, truth.BASE_RATE_PER_1000, strict=True))
    female = pl.when(pl.col("sex") == "2").then(truth.FEMALE_FACTOR).otherwise(1.0)
    cells = data.population.join(areas, on="lsoa").with_columns(
        (pl.col("count") * pl.col("age_band").replace_strict(base, return_dtype=pl.Float64)).alias(
            "need_m"
        )
    )
    cells = cells.with_columns((pl.col("need_m") * female).alias("need"))
    # The scope's own rates by sex and age band: need x the population-weighted intensity.
    return cells.with_columns(
        ((pl.col("count") * pl.col("F")).sum() / pl.col("count").sum())
        .over("sex", "age_band")
        .alias("F_icb")
    )


def _oe(cells: pl.DataFrame, observed: pl.Expr, share: pl.Expr, by: str) -> dict[object, float]:
    """Observed ÷ expected by ``by`` (up to one constant): Σ need x share x ``observed``
    intensity over Σ need x share x the scope's rate."""
    out = cells.group_by(by).agg(
        (pl.col("need") * share * observed).sum() / (pl.col("need") * share * pl.col("F_icb")).sum()
    )
    return dict(out.iter_rows())


# -- reading the plan ---------------------------------------------------------------------


def _ratio(ind: Indicator, first: str, second: str, confidence: float = 0.95) -> dict[str, float]:
    """O/E of ``first`` ÷ O/E of ``second`` with the findings' interval (rate_ratio of the
    observed and expected counts)."""
    a, b = ind.row(first), ind.row(second)
    assert a is not None
    assert b is not None
    frame = pl.DataFrame(
        {
            "x1": [a["numerator"]],
            "n1": [a["denominator"]],
            "x2": [b["numerator"]],
            "n2": [b["denominator"]],
        }
    )
    return (
        rate_ratio(frame, "x1", "n1", "x2", "n2", confidence=confidence)
        .select("value", "lower", "upper")
        .row(0, named=True)
    )


def _finding(plan: Plan, indicator: str, level: str) -> Finding:
    found = [f for f in plan.findings if f.indicator == indicator and f.level_code == level]
    assert len(found) == 1, [(f.indicator, f.level_code) for f in plan.findings]
    assert found[0].significant
    return found[0]


# -- the checks ---------------------------------------------------------------------------


def test_deprivation_gradient_quintile_1_against_5(planted: Planted) -> None:
    """Quintile 1 ÷ 5 of people seen O/E (age-sex adjusted): access (0.70 + 0.30 (d - 1) / 9
    averaged over each quintile's deciles), the shock in deciles 1-2, drop-outs, and the
    Pakistani people of quintile 1's LSOAs seen at 0.60; times people per seen referral."""
    cells = _cells(planted.data, _shock_for_people_seen(planted.data))
    oe = _oe(cells, pl.col("F"), pl.lit(1.0), "quintile")
    people = _people_per_seen_referral(planted.data, pl.col("quintile"))
    by_hand = oe[1] / oe[5] * people[1] / people[5]
    # the planted access alone gives 0.73 for quintiles (the deciles' 0.70 is 1 vs 10)
    assert 0.60 < by_hand < 0.68
    oe_plan = planted.plan.indicators["seen_oe/imd_quintile"]
    plan = _ratio(oe_plan, "1", "5", confidence=0.99)
    assert plan["lower"] < by_hand < plan["upper"], (by_hand, plan)
    stated = _ratio(oe_plan, "1", "5")
    finding = _finding(planted.plan, "seen_oe/imd_quintile", "1/5")
    assert "less likely" in finding.text
    assert (
        f"ratio {stated['value']:.2f}, 95% CI {stated['lower']:.2f} to {stated['upper']:.2f}"
        in finding.text
    )


def test_pakistani_people_seen_less_within_the_same_quintile(planted: Planted) -> None:
    """J ÷ A people seen O/E within IMD quintile 1 (where most J people live): 0.60 x the
    two groups' recorded shares (their providers' valid-ethnicity rates) x people per seen
    referral; the overall J finding says "less often"."""
    cells = _cells(planted.data, _shock_for_people_seen(planted.data))
    observed = pl.col("f") * pl.col("valid")
    oe_j = _oe(cells, observed * truth.UNDER_REFERRAL_FACTOR, pl.col("s_j"), "quintile")
    oe_a = _oe(cells, observed, pl.col("s_a"), "quintile")
    people = _people_per_seen_referral(planted.data, pl.col("quintile"), pl.col("true_ethnicity"))
    by_hand = oe_j[1] / oe_a[1] * people[(1, "J")] / people[(1, "A")]
    assert by_hand == pytest.approx(truth.UNDER_REFERRAL_FACTOR, abs=0.03)
    pair = {
        i.key: i for i in planted.engine.breakdown(planted.plan.filter, "ethnicity×imd_quintile")
    }
    plan = _ratio(pair["seen_oe/ethnicity×imd_quintile"], "J|1", "A|1", confidence=0.99)
    assert plan["lower"] < by_hand < plan["upper"], (by_hand, plan)
    finding = _finding(planted.plan, "seen_oe/ethnicity", "J")
    assert "Pakistani" in finding.text
    assert "less often than expected" in finding.text


def _censored_median(median: float) -> float:
    """The median wait of the referrals seen by the extract: lognormal waits (``median``,
    spread 0.6), each referral day of the year alike, seen when the wait ends by the
    extract (every referral has 30 to 394 days)."""
    w = np.linspace(0.01, 400.0, 40_000)
    z = np.log(w / median) / WAIT_SPREAD
    density = np.exp(-0.5 * z**2) / w
    first, last = (truth.EXTRACT_DATE - FY_END).days, (truth.EXTRACT_DATE - FY_START).days
    days = last - first + 1
    kept = density * np.clip((last - w + 1) / days, 0.0, 1.0)
    cumulative = np.cumsum(kept) / kept.sum()
    return float(np.interp(0.5, cumulative, w))


def test_disabled_people_wait_longer_within_one_team_type(planted: Planted) -> None:
    """Physiotherapy (one team type, so no team mix): Disabled ÷ Not disabled median wait
    = 1.5 before the extract cuts off long waits of late referrals (by hand: 1.46), within
    the ratios of the two medians' 95% limits."""
    flt = parse_filter(period=PERIOD, team_types=PHYSIO)
    waits = {i.key: i for i in planted.engine.breakdown(flt, "disability")}[
        "wait_median/disability"
    ]
    physio = truth.MEDIAN_WAIT_DAYS * PHYSIO_FACTOR
    disabled = _censored_median(physio * truth.DISABILITY_WAIT_FACTOR)
    others = _censored_median(physio)
    assert disabled / others == pytest.approx(1.46, abs=0.01)
    d, n = waits.row("Disabled"), waits.row("Not disabled")
    assert d is not None
    assert n is not None
    # both medians in their 95% intervals => the ratio between the ratios of their limits
    assert d["lower"] / n["upper"] < disabled / others < d["upper"] / n["lower"], (d, n)
    assert d["value"] / n["value"] == pytest.approx(truth.DISABILITY_WAIT_FACTOR, abs=0.1)
    finding = _finding(planted.plan, "wait_median/disability", "Disabled")
    assert "waited longer" in finding.text


def test_the_deprivation_gap_widens_in_the_last_quarter(planted: Planted) -> None:
    """2024-25 Q4 against Q1: quintile 1's people seen within 28 days fall by SHOCK_FACTOR
    and quintile 5's do not, so the rate ratio's change is 0.80: "worsening"."""
    frame = planted.plan.indicators["gap_rate_ratio_q1_q5/imd_quintile"].frame
    change = frame.filter(pl.col("period") == "change").row(0, named=True)
    assert change["note"] == "worsening"
    assert change["lower"] < truth.SHOCK_FACTOR < change["upper"], change
    sii = planted.plan.indicators["gap_sii/imd_decile"].frame
    assert sii.filter(pl.col("period") == "change")["note"].to_list() == ["worsening"]
    finding = _finding(planted.plan, "gap_rate_ratio_q1_q5/imd_quintile", "change")
    assert finding.text.startswith("The deprivation gap widened")


def test_need_women_and_age(planted: Planted) -> None:
    """Women ÷ men seen O/E at the same age (rates pooled over sex): 1.10 by hand from the
    population, need and the truth's intensities; and the age finding (oldest band against
    the lowest rate: BASE_RATE_PER_1000 runs 8 to 210)."""
    cells = _cells(planted.data, _shock_for_people_seen(planted.data))
    cells = cells.with_columns(  # the plan pools the reference rates over sex
        (
            (pl.col("need") * pl.col("F_icb")).sum().over("age_band")
            / pl.col("count").sum().over("age_band")
        ).alias("rate")
    )
    by_sex = cells.group_by("sex").agg(
        (pl.col("need") * pl.col("F")).sum() / (pl.col("count") * pl.col("rate")).sum()
    )
    oe = dict(by_sex.iter_rows())
    people = _people_per_seen_referral(planted.data, pl.col("true_sex"))
    by_hand = oe["2"] / oe["1"] * people["2"] / people["1"]
    assert by_hand == pytest.approx(truth.FEMALE_FACTOR, abs=0.01)
    plan = _ratio(planted.plan.indicators["seen_oe/sex"], "2", "1", confidence=0.99)
    assert plan["lower"] < by_hand < plan["upper"], (by_hand, plan)
    women = _finding(planted.plan, "seen_oe/sex", "2/1")
    assert women.text.startswith("Women were seen")
    assert "more often than men" in women.text
    ages = [f for f in planted.plan.findings if f.indicator == "seen_rate/age_band"]
    assert len(ages) == 1
    assert ages[0].level_code.startswith("90+/")
    assert "need for rehab rises with age" in ages[0].text
    assert ages[0].size > np.log(10)  # seen ten times as often or more
