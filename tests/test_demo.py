"""The demo ICB: deterministic, complete, and carrying exactly the documented ground truth.

Each inequity is re-derived here from the generated rows with plain polars arithmetic
(standardised ratios, medians), not with rehabdash's own analysis code.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import func, select

from rehabdash.demo import build_demo, generate, store_has_activity, truth
from rehabdash.demo.generate import DemoData, nhs_check_digit
from rehabdash.store import open_store
from rehabdash.store.keys import pseudonym_key
from rehabdash.store.schema import REFERRAL_COLUMNS, import_batch, referral

FY1 = (date(2023, 4, 1), date(2024, 3, 31))


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(rows=400_000, seed=11)


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


def test_deprivation_gradient(demo: DemoData) -> None:
    """White British (true) referrals, 2023-24: decile 1 / decile 10 standardised ratio = 0.70."""
    share_a = {d: _mix("A", d) for d in range(1, 11)}
    pop = demo.population.join(demo.areas.select("lsoa", "imd_decile"), on="lsoa").with_columns(
        (
            pl.col("count") * pl.col("imd_decile").replace_strict(share_a, return_dtype=pl.Float64)
        ).alias("pop")
    )
    refs = _fy1(demo.referrals).filter(
        pl.col("true_ethnicity") == "A", pl.col("lsoa").is_not_null()
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
    assert by[1] / by[10] == pytest.approx(truth.DECILE1_TO_DECILE10_ACCESS, abs=0.05)
    assert by[1] < by[5] < by[10]


def _mix(code: str, decile: int) -> float:
    least, most = truth.ETHNIC_MIX_LEAST_DEPRIVED, truth.ETHNIC_MIX_MOST_DEPRIVED
    t = (decile - 1) / 9
    raw = {c: most[c] * (1 - t) + least[c] * t for c in least}
    return raw[code] / sum(raw.values())


def test_pakistani_people_under_referred(demo: DemoData) -> None:
    """Decile by decile, J referrals against what White British rates predict: ratio 0.60."""
    refs = demo.referrals.filter(pl.col("imd_decile").is_not_null(), pl.col("lsoa").is_not_null())
    counts = refs.group_by("imd_decile").agg(
        (pl.col("true_ethnicity") == "J").sum().alias("j"),
        (pl.col("true_ethnicity") == "A").sum().alias("a"),
    )
    observed = counts["j"].sum()
    expected = sum(a * _mix("J", d) / _mix("A", d) for d, _j, a in counts.iter_rows())
    assert observed / expected == pytest.approx(truth.UNDER_REFERRAL_FACTOR, abs=0.04)


def test_disabled_people_wait_longer(demo: DemoData) -> None:
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
    assert ratio == pytest.approx(truth.DISABILITY_WAIT_FACTOR, abs=0.12)


def test_last_quarter_shock_in_deprived_areas(demo: DemoData) -> None:
    refs = demo.referrals.filter(pl.col("referral_date") >= date(2024, 4, 1)).with_columns(
        (pl.col("referral_date") >= truth.SHOCK_QUARTER_START).alias("late"),
        pl.col("imd_decile").is_in(truth.SHOCK_DECILES).alias("deprived"),
    )
    per_month = refs.group_by("deprived", "late").agg(
        pl.len() / pl.col("referral_date").dt.month().n_unique()
    )
    rate = {(d, late): v for d, late, v in per_month.iter_rows()}
    assert rate[(True, True)] / rate[(True, False)] == pytest.approx(truth.SHOCK_FACTOR, abs=0.04)
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
        ("lookup", "committed"),
        ("population", "committed"),
    ]
    clear = dict(data.referrals.select("referral_id", "person_id").iter_rows())
    for referral_id, person_key in pairs[:200]:
        expected = hmac.new(key, clear[referral_id].encode(), hashlib.sha256).hexdigest()
        assert person_key == expected
    engine.dispose()


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
