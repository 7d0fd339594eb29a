"""The demo ICB: deterministic, complete, and carrying exactly the documented ground truth.

Each inequity is re-derived here from the generated rows with plain polars arithmetic
(standardised ratios, medians), not with rehabdash's own analysis code, for the default
demo (every inequity planted) and for the no-inequity demo (none planted: each ratio 1).
The people's characteristics are checked against the Census 2021 shares read straight
from the shipped tables.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import func, select

from rehabdash.demo import build_demo, generate, store_has_activity, truth
from rehabdash.demo.generate import DemoData, nhs_check_digit
from rehabdash.refdata.census import census_shares
from rehabdash.store import open_store
from rehabdash.store.keys import pseudonym_key
from rehabdash.store.schema import REFERRAL_COLUMNS, import_batch, referral

FY1 = (date(2023, 4, 1), date(2024, 3, 31))


NULL_ARGS = ("--rows", "2000", "--seed", "3", "--no-inequities")
RECORDED = {"religion": 0.74}  # share of people whose true religion is recorded as it is


@pytest.fixture(scope="module")
def planted() -> DemoData:
    return generate(rows=400_000, seed=11)


@pytest.fixture(scope="module")
def null_demo() -> DemoData:
    return generate(rows=400_000, seed=11, plant=False)


@pytest.fixture(params=["planted", "no inequities"])
def either(request: pytest.FixtureRequest) -> DemoData:
    """Each demo in turn: the checks expect truth's factors when planted, 1 when not."""
    name = "planted" if request.param == "planted" else "null_demo"
    data: DemoData = request.getfixturevalue(name)
    return data


@pytest.fixture
def demo(planted: DemoData) -> DemoData:
    return planted


def _share(data: DemoData, topic: str, code: str) -> pl.DataFrame:
    """lsoa, share: the census share of ``code`` in each of the demo's LSOAs."""
    shares = census_shares(topic, 2011).filter(pl.col("nhs") == code)  # type: ignore[arg-type]
    return data.areas.select("lsoa").join(
        shares.select(pl.col("area_code").alias("lsoa"), "share"), on="lsoa", how="left"
    )


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = (
        generate(rows=3_000, seed=7),
        generate(rows=3_000, seed=7),
        generate(rows=3_000, seed=8),
    )
    assert a.referrals.equals(b.referrals)
    assert not a.referrals.equals(c.referrals)


def test_real_geography(demo: DemoData) -> None:
    assert demo.icb.ods_code == "QWO"
    assert demo.areas.height == 1_417
    assert 2_300_000 < demo.population["count"].sum() < 2_500_000
    assert demo.referrals.height == 400_000


def test_every_canonical_field_is_there(demo: DemoData) -> None:
    design_4_1 = {
        "person_id",
        "referral_id",
        "provider_code",
        "team_type",
        "service_name",
        "referral_date",
        "source_of_referral",
        "first_contact_date",
        "discharge_date",
        "closure_reason",
        "rejection_date",
        "rejection_reason",
        "date_of_birth",
        "age",
        "sex",
        "gender_identity",
        "gender_same_at_birth",
        "ethnic_category",
        "gp_practice",
        "lsoa",
        "disability",
        "religion",
        "sexual_orientation",
        "marital_status",
        "pregnancy",
        "contacts_attended",
        "contacts_dna",
        "contacts_cancelled",
        "outcome_tool",
        "outcome_start",
        "outcome_end",
        "nhs_number",
    }
    assert design_4_1 <= set(demo.referrals.columns)
    assert set(REFERRAL_COLUMNS) - {
        "batch_id",
        "person_key",
        "nhs_number_key",
        "imd_decile",
    } <= set(demo.referrals.columns)


def test_code_mixes_keep_gaps_apart(demo: DemoData) -> None:
    eth = demo.referrals["ethnic_category"]
    for gap in ("Z", "99", "INVALID"):
        assert (eth == gap).sum() > 100
    assert eth.null_count() > 100
    valid = demo.referrals.group_by("provider_code").agg(
        pl.col("ethnic_category").is_in(list("ABCDEFGHJKLMNPRS")).mean().alias("valid")
    )
    shares = dict(valid.iter_rows())
    assert shares["NLO"] < 0.80 < shares["RY6"]  # one provider below the CSDS threshold


def test_nhs_numbers_are_valid_test_numbers(demo: DemoData) -> None:
    nhs = demo.referrals["nhs_number"].drop_nulls().unique().cast(pl.Int64).to_numpy()
    assert ((nhs // 10_000_000 == 999) | (nhs // 10_000_000 == 998)).all()
    assert (nhs_check_digit(nhs // 10) == nhs % 10).all()
    # the check digit itself against the published worked example 943 476 5919
    assert nhs_check_digit(np.array([943476591]))[0] == 9


def _fy1(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("referral_date").is_between(*FY1))


def test_deprivation_gradient(either: DemoData) -> None:
    """Non-Pakistani referrals, 2023-24, against the non-J census population: decile 1 /
    decile 10 standardised ratio = 0.70 planted, 1 not."""
    demo = either
    not_j = _share(demo, "ethnic_group", "J").select("lsoa", (1 - pl.col("share")).alias("s"))
    pop = (
        demo.population.join(demo.areas.select("lsoa", "imd_decile"), on="lsoa")
        .join(not_j, on="lsoa")
        .with_columns((pl.col("count") * pl.col("s")).alias("pop"))
    )
    refs = _fy1(demo.referrals).filter(
        pl.col("true_ethnicity") != "J", pl.col("lsoa").is_not_null()
    )
    observed = refs.group_by("imd_decile", "true_sex", "age_band").len()
    cells = pop.group_by("imd_decile", "sex", "age_band").agg(pl.col("pop").sum())
    joined = cells.join(
        observed.rename({"true_sex": "sex"}), on=["imd_decile", "sex", "age_band"], how="left"
    )
    joined = joined.with_columns(pl.col("len").fill_null(0))
    rates = joined.group_by("sex", "age_band").agg(
        (pl.col("len").sum() / pl.col("pop").sum()).alias("rate")
    )
    srr = (
        joined.join(rates, on=["sex", "age_band"])
        .group_by("imd_decile")
        .agg((pl.col("len").sum() / (pl.col("pop") * pl.col("rate")).sum()).alias("srr"))
    )
    by = dict(srr.iter_rows())
    if demo.planted:
        assert by[1] / by[10] == pytest.approx(truth.DECILE1_TO_DECILE10_ACCESS, abs=0.05)
        assert by[1] < by[5] < by[10]
    else:
        assert by[1] / by[10] == pytest.approx(1.0, abs=0.05)
        assert max(by.values()) - min(by.values()) < 0.08


def test_women_referred_more_in_both_demos(either: DemoData) -> None:
    """Need stays in the no-inequity demo: female / male referrals per head, age by age."""
    refs = either.referrals.group_by("true_sex", "age_band").len()
    pop = either.population.group_by("sex", "age_band").agg(pl.col("count").sum())
    rates = pop.join(refs.rename({"true_sex": "sex"}), on=["sex", "age_band"]).with_columns(
        (pl.col("len") / pl.col("count")).alias("rate")
    )
    wide = rates.pivot(on="sex", index="age_band", values="rate")
    # standardised to the male population: sum(female rate x male pop) / male referrals
    male = pop.filter(pl.col("sex") == "1").select("age_band", pl.col("count").alias("m"))
    joined = wide.join(male, on="age_band")
    ratio = float((joined["2"] * joined["m"]).sum()) / float((joined["1"] * joined["m"]).sum())
    assert ratio == pytest.approx(truth.FEMALE_FACTOR, abs=0.03)
    if not either.planted:  # planted, older people's less deprived areas add to their rate
        old = float(rates.filter(pl.col("age_band") == "85-89")["rate"].mean())  # type: ignore[arg-type]
        young = float(rates.filter(pl.col("age_band") == "20-24")["rate"].mean())  # type: ignore[arg-type]
        assert old / young == pytest.approx(190 / 15, rel=0.06)  # BASE_RATE_PER_1000


def test_pakistani_people_under_referred(either: DemoData) -> None:
    """LSOA by LSOA, J referrals against what other people's referrals and the census J
    share predict (others x s / (1 - s)): ratio 0.60 planted, 1 not."""
    demo = either
    refs = demo.referrals.filter(pl.col("lsoa").is_not_null())
    counts = refs.group_by("lsoa").agg(
        (pl.col("true_ethnicity") == "J").sum().alias("j"),
        (pl.col("true_ethnicity") != "J").sum().alias("others"),
    )
    joined = counts.join(_share(demo, "ethnic_group", "J"), on="lsoa")
    observed = float(joined["j"].sum())
    expected = float((joined["others"] * joined["share"] / (1 - joined["share"])).sum())
    factor = truth.UNDER_REFERRAL_FACTOR if demo.planted else 1.0
    assert observed / expected == pytest.approx(factor, abs=0.04)


@pytest.mark.parametrize("group", ["true_ethnicity", "imd_decile"])
def test_referrals_per_person_do_not_depend_on_the_group(either: DemoData, group: str) -> None:
    """15% of referrals are a further referral of someone already referred, whatever the
    person's cell (the plan counts people: a repeat rate that grew with the cell's size made
    White British people look under-served): each person has 1 + Geometric referrals, mean
    1 / 0.85 and variance 0.15 / 0.85², in every ethnic group and decile alike (within 4
    standard errors; the small groups once came out near 1.0)."""
    repeat = 0.15
    mean, variance = 1 / (1 - repeat), repeat / (1 - repeat) ** 2
    refs = either.referrals.filter(pl.col(group).is_not_null())
    per_group = refs.group_by(group).agg(
        pl.len().alias("referrals"), pl.col("person_id").n_unique().alias("people")
    )
    assert per_group.height >= 10
    for value, referrals, people in per_group.iter_rows():
        assert people > 400, value
        se = (variance / people) ** 0.5
        assert abs(referrals / people - mean) < 4 * se, (value, referrals / people, mean)


def _people(demo: DemoData) -> pl.DataFrame:
    """One row per person (their characteristics are the same on every referral)."""
    return demo.referrals.filter(pl.col("lsoa").is_not_null()).unique(
        "person_id", keep="first", maintain_order=True
    )


@pytest.mark.parametrize(
    ("group", "letter"),
    [
        ("Christian", "C"),
        ("No religion", "L"),
        ("Muslim", "G"),
        ("Sikh", "I"),
        ("Hindu", "D"),
        ("Other religion", "K"),
        ("Buddhist", "B"),
        ("Jewish", "F"),
    ],
)
def test_religion_follows_each_lsoas_census_shares(demo: DemoData, group: str, letter: str) -> None:
    """People recorded with each religion: 74% (recorded as it is) of the sum over people
    of their LSOA's census share, within 4 standard errors (Poisson)."""
    people = _people(demo).join(_share(demo, "religion", group), on="lsoa")
    expected = RECORDED["religion"] * float(people["share"].sum())
    observed = (people["religion"] == letter).sum()
    assert abs(float(observed) - expected) < 4 * np.sqrt(expected) + 1, (observed, expected)


def test_disability_is_the_lsoa_census_share_at_every_age(demo: DemoData) -> None:
    """P(disabled) = the LSOA's all-ages census share, whatever the age (the plan's
    denominators assume each group shares its LSOA's age structure, and the demo follows
    that): on the people whose disability is recorded (yes or NN), the disabled count is
    the sum of their LSOA shares within 4 standard errors, overall and separately for
    people under 40 and 75 and over at their first referral."""
    people = (
        _people(demo)
        .filter(pl.col("disability").is_not_null(), pl.col("disability") != "ZZ")
        .join(_share(demo, "disability", "yes"), on="lsoa")
    )
    first_age = demo.referrals.group_by("person_id").agg(pl.col("age").min().alias("a"))
    people = people.join(first_age, on="person_id").with_columns(
        (pl.col("disability") != "NN").alias("d")
    )
    groups = {
        "all": people,
        "under 40": people.filter(pl.col("a") < 40),
        "75+": people.filter(pl.col("a") >= 75),
    }
    for name, group in groups.items():
        assert group.height > 5_000, name
        expected = float(group["share"].sum())
        # binomial variance: sum of p (1 - p)
        sd = float((group["share"] * (1 - group["share"])).sum()) ** 0.5
        observed = float(group["d"].sum())
        assert abs(observed - expected) < 4 * sd, (name, observed, expected)
    old, young = groups["75+"], groups["under 40"]
    old_oe = float(old["d"].sum()) / float(old["share"].sum())
    young_oe = float(young["d"].sum()) / float(young["share"].sum())
    assert old_oe / young_oe == pytest.approx(1.0, abs=0.08)  # was 2.6 when it rose with age


def test_children_have_no_orientation_or_marital_status(demo: DemoData) -> None:
    children = demo.referrals.filter(pl.col("age") < 15)
    assert children.height > 1_000
    orientation, marital = children["sexual_orientation"], children["marital_status"]
    assert (orientation.is_in(["9"]) | orientation.is_null()).all()
    assert (marital.is_in(["X"]) | marital.is_null()).all()
    adults = demo.referrals.filter(pl.col("age") >= 18)
    assert adults["marital_status"].is_in(["S", "M", "D", "W", "P"]).sum() > 0.7 * adults.height


def test_disabled_people_wait_longer(either: DemoData) -> None:
    demo = either
    seen = _fy1(demo.referrals).filter(
        pl.col("first_contact_date").is_not_null(), pl.col("team_type") == "26"
    )
    seen = seen.with_columns(
        (pl.col("first_contact_date") - pl.col("referral_date")).dt.total_days().alias("wait")
    )
    disabled = seen.filter(
        ~pl.col("disability").is_in(["NN", "ZZ", "INVALID"]) & pl.col("disability").is_not_null()
    )
    not_disabled = seen.filter(pl.col("disability") == "NN")
    ratio = disabled["wait"].median() / not_disabled["wait"].median()  # type: ignore[operator]
    factor = truth.DISABILITY_WAIT_FACTOR if demo.planted else 1.0
    assert ratio == pytest.approx(factor, abs=0.12)


def test_last_quarter_shock_in_deprived_areas(either: DemoData) -> None:
    demo = either
    refs = demo.referrals.filter(pl.col("referral_date") >= date(2024, 4, 1)).with_columns(
        (pl.col("referral_date") >= truth.SHOCK_QUARTER_START).alias("late"),
        pl.col("imd_decile").is_in(truth.SHOCK_DECILES).alias("deprived"),
    )
    per_month = refs.group_by("deprived", "late").agg(
        pl.len() / pl.col("referral_date").dt.month().n_unique()
    )
    rate = {(d, late): v for d, late, v in per_month.iter_rows()}
    factor = truth.SHOCK_FACTOR if demo.planted else 1.0
    assert rate[(True, True)] / rate[(True, False)] == pytest.approx(factor, abs=0.04)
    assert rate[(False, True)] / rate[(False, False)] == pytest.approx(1.0, abs=0.04)


def test_store_demo_pseudonymises_and_audits(store_url: str) -> None:
    engine = open_store(store_url)
    assert not store_has_activity(engine)
    data = build_demo(engine, rows=5_000, seed=3)
    assert store_has_activity(engine)
    key = pseudonym_key(engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(referral)).scalar() == 5_000
        kinds = conn.execute(select(import_batch.c.kind, import_batch.c.status)).all()
        pairs = conn.execute(select(referral.c.referral_id, referral.c.person_key)).all()
    assert sorted(kinds) == [
        ("activity", "committed"),
        ("areas", "committed"),
        ("lookup", "committed"),
        ("population", "committed"),
        ("sites", "committed"),
    ]
    with engine.connect() as conn:
        names = conn.execute(select(import_batch.c.source_name)).scalars().all()
    assert all(n.startswith("rehabdash demo: ") for n in names)
    clear = dict(data.referrals.select("referral_id", "person_id").iter_rows())
    for referral_id, person_key in pairs[:200]:
        expected = hmac.new(key, clear[referral_id].encode(), hashlib.sha256).hexdigest()
        assert person_key == expected
    engine.dispose()


def test_the_demo_has_neighbourhoods_and_sites_as_batches(store_url: str) -> None:
    """Issue 14: every demo LSOA in one neighbourhood of about 30,000-60,000 people, and
    ten service sites in West Yorkshire, each kind its own live batch read by the queries."""
    from rehabdash.demo.local_areas import demo_neighbourhoods
    from rehabdash.queries.areas import live_neighbourhoods, live_sites

    engine = open_store(store_url)
    data = build_demo(engine, rows=2_000, seed=3)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(import_batch.c.kind, import_batch.c.id)).all())
    hoods = live_neighbourhoods(engine)
    assert set(hoods["batch_id"]) == {ids["areas"]}
    assert sorted(hoods["lsoa"]) == sorted(data.areas["lsoa"])  # each LSOA once
    assert set(hoods["lsoa_vintage"]) == {2011}
    assert set(hoods["area_type"]) == {"neighbourhood"}
    people = data.population.group_by("lsoa").agg(pl.col("count").sum())
    sizes = hoods.join(people, on="lsoa").group_by("code", "name").agg(pl.col("count").sum())
    assert 40 <= sizes.height <= 60
    assert sizes["count"].min() >= 30_000
    assert sizes["count"].max() <= 60_000
    assert "Leeds neighbourhood 1" in sizes["name"].to_list()
    assert sizes["code"].n_unique() == sizes["name"].n_unique() == sizes.height
    sites = live_sites(engine)
    assert sites.height == 10
    assert set(sites["batch_id"]) == {ids["sites"]}
    assert all(name.startswith("Demo site: ") for name in sites["name"])
    assert set(sites["site_type"]) == {"hub", "clinic", "community hospital"}
    assert sites["latitude"].is_between(53.5, 54.0).all()
    assert sites["longitude"].is_between(-2.1, -1.3).all()
    # the grouping is the geography's, whatever the seed
    other = generate(rows=500, seed=99)
    assert demo_neighbourhoods(other).equals(demo_neighbourhoods(data))
    engine.dispose()


def test_the_pathway_keeps_its_deprivation_patterns_only_when_planted(
    planted: DemoData, null_demo: DemoData
) -> None:
    """Self-referral: 0.10 / 0.91 of decile 1's referrals against 0.18 / 0.99 of decile
    10's when planted (ratio 0.60); the same share everywhere in the no-inequity demo."""

    def ratio(data: DemoData) -> float:
        share = data.referrals.group_by("imd_decile").agg(
            (pl.col("source_of_referral") == "B1").mean().alias("self")
        )
        by = dict(share.iter_rows())
        return float(by[1] / by[10])

    assert ratio(planted) == pytest.approx((0.10 / 0.91) / (0.18 / 0.99), abs=0.06)
    assert ratio(null_demo) == pytest.approx(1.0, abs=0.06)


def test_no_inequity_store_says_so_in_every_batch(tmp_path: Path) -> None:
    db = tmp_path / "null.db"
    result = subprocess.run(
        [sys.executable, "-m", "rehabdash", "--db", f"sqlite:///{db}", "demo", *NULL_ARGS],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    assert "(no inequities planted)" in result.stdout
    engine = open_store(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(
            select(import_batch.c.kind, import_batch.c.source_name, import_batch.c.details)
        ).all()
        held = conn.execute(select(func.count()).select_from(referral)).scalar()
    engine.dispose()
    assert held == 2_000
    assert sorted(kind for kind, _, _ in rows) == [
        "activity",
        "areas",
        "lookup",
        "population",
        "sites",
    ]
    assert all("rehabdash no-inequity demo" in name for _, name, _ in rows)
    activity = next(details for kind, _, details in rows if kind == "activity")
    assert activity["inequities_planted"] is False


def test_no_clear_identifier_in_the_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    engine = open_store(f"sqlite:///{db}")
    data = build_demo(engine, rows=3_000, seed=5)
    engine.dispose()
    blob = b"".join(p.read_bytes() for p in db.parent.glob("demo.db*"))
    for value in data.referrals["person_id"].head(300).to_list():
        assert value.encode() not in blob
    for value in data.referrals["nhs_number"].drop_nulls().head(300).to_list():
        assert value.encode() not in blob
    assert b"date_of_birth" not in blob  # no column for it, so no date of birth is stored


def test_extract_shows_raw_values_never_the_store_marker(demo: DemoData) -> None:
    from rehabdash.demo.extract import extract_frame

    frame = extract_frame(demo)
    for header in ("Ethnic Category", "Gender", "Religion", "Sexual Orientation", "Marital Status"):
        assert not (frame[header] == "INVALID").any(), header
    assert (frame["Ethnic Category"] == "Q").sum() == (
        demo.referrals["ethnic_category"] == "INVALID"
    ).sum()
    labelled = frame.filter(pl.col("Organisation Code (Provider)") == "TAD")["Ethnic Category"]
    assert labelled.is_in(["White - British"]).any()  # label-style provider
    upper = frame.filter(pl.col("Organisation Code (Provider)") == "RWY")["Ethnic Category"]
    assert upper.is_in(["WHITE - BRITISH"]).any()
