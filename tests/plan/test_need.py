"""Section 3 (provision against need) on a small store worked out by hand.

Expected counts, O/E and unmet need below are computed in the test from DESIGN 7.2/7.3
(Byar's limits written out; scipy's Poisson tail probabilities for the funnel classes),
never from rehabdash's own output.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store
from scipy.stats import norm, poisson

from rehabdash import refdata
from rehabdash.plan import parse_filter
from rehabdash.plan.access import access_indicators
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.need import (
    METRICS,
    OUTLYING_COLUMNS,
    need_by_area,
    need_by_group,
    outlying_areas,
)
from rehabdash.plan.result import ALL, COLUMNS, NOT_APPLICABLE, NOT_AVAILABLE, Indicator
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store

Z = norm.ppf(0.975)
A, B, C, D = LSOAS
BAND = "70-74"
# Men 70-74 (sex 1) and women 70-74 (sex 2) by LSOA: D has a population of 0.
POPULATION = {A: (100, 100), B: (300, 0), C: (0, 100), D: (0, 0)}
# People seen (2 contacts each) by LSOA and sex; one man seen with no LSOA, one person of
# sex X seen in A (counted as seen, not in O/E), one woman in A not seen.
SEEN = {A: (36, 10), B: (16, 0), C: (0, 22)}


def _practices() -> tuple[tuple[str, str], tuple[str, str]]:
    """Two real GP practices in different PCNs: (practice, pcn) each."""
    gp = refdata.gp_practices().drop_nulls("pcn_code").sort("practice_code")
    first = gp.row(0, named=True)
    other = gp.filter(pl.col("pcn_code") != first["pcn_code"]).row(0, named=True)
    return (first["practice_code"], first["pcn_code"]), (other["practice_code"], other["pcn_code"])


def _store(url: str) -> Scope:
    rows: dict[str, list[object]] = {"sex": [], "lsoa": [], "contacts_attended": []}
    for lsoa, (men, women) in SEEN.items():
        for sex, count in (("1", men), ("2", women)):
            rows["sex"] += [sex] * count
            rows["lsoa"] += [lsoa] * count
            rows["contacts_attended"] += [2] * count
    rows["sex"] += ["1", "X", "2"]
    rows["lsoa"] += [None, A, A]
    rows["contacts_attended"] += [2, 2, 0]
    n = len(rows["sex"])
    (p1, _), (p2, _) = _practices()
    practice = [p1 if lsoa == A else p2 if lsoa == B else None for lsoa in rows["lsoa"]]
    referrals = referral_rows(**rows, age=[72] * n, age_band=[BAND] * n, gp_practice=practice)
    pop = population_rows(
        {(lsoa, sex, BAND): counts[i] for lsoa, counts in POPULATION.items()
         for i, sex in enumerate(("1", "2"))}
    )  # fmt: skip
    lookup = lookup_rows({A: 10, B: 1, C: 10, D: 1}).with_columns(
        pl.when(pl.col("lsoa").is_in([C, D])).then(pl.lit("E08000033")).otherwise("lad_code")
        .alias("lad_code")
    )  # fmt: skip
    engine = write_store(url, referrals, people=pop, lookup=lookup)
    return resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))


def _byars(x: float) -> tuple[float, float]:
    lower = x * (1 - 1 / (9 * x) - Z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def _frames(indicators: list[Indicator]) -> dict[str, pl.DataFrame]:
    return {i.metric: i.frame for i in indicators}


def _row(frame: pl.DataFrame, code: str) -> dict[str, object]:
    return frame.filter(pl.col("level_code") == code).row(0, named=True)


def _values(frame: pl.DataFrame, column: str = "value") -> dict[str, object]:
    return dict(frame.select("level_code", column).iter_rows())


# Area reference rates (people seen living in the areas): men 52/400, women 32/200.
RATE_M, RATE_F = 52 / 400, 32 / 200
EXPECTED = {
    lsoa: men * RATE_M + women * RATE_F for lsoa, (men, women) in POPULATION.items()
}  # A 29, B 39, C 16, D 0


def test_lsoa_expected_oe_unmet_need_and_funnel(store_url: str) -> None:
    scope = _store(store_url)
    frames = _frames(need_by_area(scope, "lsoa"))
    assert set(frames) == {m.key for m in METRICS} - {"unmet_need"}
    assert _values(frames["area_people_seen"]) == {
        A: 47, B: 16, C: 22, D: 0, "Not known": 1, ALL: 86
    }  # fmt: skip
    oe = frames["area_oe"]
    assert _values(oe, "numerator") == {A: 46, B: 16, C: 22, ALL: 84, D: None}
    assert _values(oe, "denominator") == pytest.approx(
        {A: 29.0, B: 39.0, C: 16.0, ALL: 84.0, D: None}
    )
    assert _row(oe, B)["value"] == pytest.approx(16 / 39)
    low, high = _byars(16)
    assert (_row(oe, B)["lower"], _row(oe, B)["upper"]) == pytest.approx((low / 39, high / 39))
    # The scope is its own reference: "All" is exactly 1, the funnel's centre.
    assert _row(oe, ALL)["value"] == pytest.approx(1.0)
    # No population in D: not available, in every table against population.
    for key in ("area_oe", "area_expected_seen", "area_unmet_need", "area_outlier"):
        assert _row(frames[key], D)["flag"] == NOT_AVAILABLE, key
        assert _row(frames[key], D)["value"] is None
    # Unmet need: B is significantly below expected; A and C are not.
    unmet = frames["area_unmet_need"]
    b = _row(unmet, B)
    assert b["value"] == pytest.approx(39 - 16)
    assert (b["lower"], b["upper"]) == pytest.approx((39 - high, 39 - low))
    for code in (A, C, ALL):
        assert _row(unmet, code)["value"] == 0
        assert _row(unmet, code)["lower"] is None
        assert "not significantly below" in str(_row(unmet, code)["note"])
    # Funnel classes, against exact Poisson tail probabilities at each area's E.
    assert poisson.cdf(16, 39) < 0.001  # B: below the 99.8% limit
    assert 0.001 < poisson.sf(45, 29) < 0.025  # A: above 95%, within 99.8%
    assert poisson.sf(21, 16) > 0.025  # C: within
    assert poisson.cdf(22, 16) > 0.025
    outlier = frames["area_outlier"]
    assert _values(outlier) == {A: 1.0, B: -2.0, C: 0.0, D: None, ALL: None}
    assert _row(outlier, B)["note"] == "below 99.8%"
    assert _row(outlier, ALL)["flag"] == NOT_APPLICABLE
    f95, f998 = _row(frames["area_funnel_95"], B), _row(frames["area_funnel_998"], B)
    assert f95["value"] == f998["value"] == 1.0
    assert f998["lower"] < f95["lower"] < 1 < f95["upper"] < f998["upper"]
    # Near the normal approximation 1 ± z/√E at E = 39.
    assert f95["lower"] == pytest.approx(1 - Z / math.sqrt(39), abs=0.03)
    assert f998["upper"] == pytest.approx(1 + norm.ppf(0.999) / math.sqrt(39), abs=0.05)
    # Contacts: 2 per person seen; per 1,000 with Byar's limits.
    assert _values(frames["area_contacts"]) == {
        A: 94, B: 32, C: 44, D: 0, "Not known": 2, ALL: 172
    }  # fmt: skip
    rate_a = _row(frames["area_contacts_rate"], A)
    low, high = _byars(94)
    assert rate_a["value"] == pytest.approx(470.0)
    assert (rate_a["lower"], rate_a["upper"]) == pytest.approx((low * 5, high * 5))
    assert _row(frames["area_contacts_rate"], ALL)["value"] == pytest.approx(172 / 600 * 1000)
    # Long format: the level code is the area code (no separate area column, so that
    # disclosure control links the areas to All); names from the IMD 2019 file.
    assert list(oe.columns) == list(COLUMNS)
    names = dict(refdata.imd(2019).select("lsoa", "lsoa_name").iter_rows())
    assert _row(oe, A)["level"] == names[A]


def test_outlying_areas_furthest_below_expected_first(tmp_path: Path) -> None:
    indicators = need_by_area(_store(f"sqlite:///{tmp_path / 's.db'}"), "lsoa")
    table = outlying_areas(indicators)
    assert table.schema == pl.Schema(OUTLYING_COLUMNS)
    assert table["area_code"].to_list() == [B, A]  # C is within the limits
    assert table["outlier"].to_list() == ["below 99.8%", "above 95%"]
    first = table.row(0, named=True)
    assert (first["observed"], first["expected"]) == pytest.approx((16, 39))
    assert first["unmet_need"] == pytest.approx(23)
    assert first["lower_998"] < first["lower_95"] < first["ratio"] + 1
    assert outlying_areas(indicators, limit="99.8")["area_code"].to_list() == [B]
    assert outlying_areas([]).height == 0


def test_lad_and_msoa_aggregate_their_lsoas(tmp_path: Path) -> None:
    scope = _store(f"sqlite:///{tmp_path / 's.db'}")
    lad = _frames(need_by_area(scope, "lad"))["area_oe"]
    assert _values(lad, "level") == {"E08000032": "Bradford", "E08000033": "Calderdale", ALL: ALL}
    assert _values(lad, "denominator") == pytest.approx(
        {"E08000032": EXPECTED[A] + EXPECTED[B], "E08000033": EXPECTED[C], ALL: 84.0}
    )
    assert _values(lad, "numerator") == {"E08000032": 62, "E08000033": 22, ALL: 84}
    # MSOAs: each LSOA 2011's 2021 parts' MSOA, worked out from the ONS lookups here.
    pairs = refdata.lsoa11_to_lsoa21().join(refdata.lsoa_to_msoa(), on="lsoa21")
    msoa_of = dict(pairs.filter(pl.col("lsoa11").is_in(LSOAS)).select("lsoa11", "msoa21").rows())
    want: dict[str, float] = {}
    for lsoa, e in EXPECTED.items():
        want[msoa_of[lsoa]] = want.get(msoa_of[lsoa], 0.0) + e
    msoa = _frames(need_by_area(scope, "msoa"))
    got = msoa["area_expected_seen"].filter(pl.col("level_code") != ALL)
    assert _values(got.filter(pl.col("flag").is_null())) == pytest.approx(
        {k: v for k, v in want.items() if v > 0}
    )
    assert _row(msoa["area_oe"], ALL)["value"] == pytest.approx(1.0)


def test_split_lsoa_goes_to_the_msoa_of_most_of_its_parts(tmp_path: Path) -> None:
    # E01000155 (Barnet) split into E01033916 (MSOA E02006953) and E01033921, E01033922
    # (E02006954); E01005194 (Manchester) into one part in each of E02006985, E02006986.
    split, tie = "E01000155", "E01005194"
    parts = refdata.lsoa11_to_lsoa21().join(refdata.lsoa_to_msoa(), on="lsoa21")
    assert sorted(parts.filter(pl.col("lsoa11") == split)["msoa21"]) == [
        "E02006953", "E02006954", "E02006954"
    ]  # fmt: skip
    assert sorted(parts.filter(pl.col("lsoa11") == tie)["msoa21"]) == ["E02006985", "E02006986"]
    referrals = referral_rows(
        sex=["1", "1"], age=[72, 72], age_band=[BAND, BAND], lsoa=[split, tie],
        first_contact_date=[date(2024, 7, 1)] * 2,
    )  # fmt: skip
    pop = population_rows({(split, "1", BAND): 100, (tie, "1", BAND): 100})
    engine = write_store(
        f"sqlite:///{tmp_path / 's.db'}", referrals, people=pop,
        lookup=lookup_rows({split: 1, tie: 2}),
    )  # fmt: skip
    scope = resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))
    seen = _frames(need_by_area(scope, "msoa"))["area_people_seen"]
    assert _values(seen) == {"E02006954": 1, "E02006985": 1, "Not known": 0, ALL: 2}
    name = refdata.imd(2025).filter(pl.col("lsoa") == "E01033921")["lsoa_name"][0]
    assert _row(seen, "E02006954")["level"] == name[:-1]


def test_pcn_gives_counts_and_no_ratio(tmp_path: Path) -> None:
    (_, pcn1), (_, pcn2) = _practices()
    frames = _frames(need_by_area(_store(f"sqlite:///{tmp_path / 's.db'}"), "pcn"))
    by_population = ("area_oe", "area_seen_rate", "area_core20_share", "area_contacts_rate")
    care = ("area_wait_median", "area_wait_within_18w", "area_dna_rate")
    assert set(frames) == {"area_people_seen", "area_contacts", *by_population, *care}
    assert _values(frames["area_people_seen"]) == {pcn1: 47, pcn2: 16, "Not known": 23, ALL: 86}
    assert _values(frames["area_contacts"]) == {pcn1: 94, pcn2: 32, "Not known": 46, ALL: 172}
    for key in by_population:
        frame = frames[key]
        assert set(frame["flag"]) == {NOT_AVAILABLE}
        assert frame["value"].null_count() == frame.height
        assert set(frame["note"]) == {"a PCN's registered population is needed"}
    names = dict(refdata.gp_practices().select("pcn_code", "pcn_name").unique("pcn_code").rows())
    assert _row(frames["area_people_seen"], pcn1)["level"] == names[pcn1]


def test_overdispersion_factor_from_winsorised_z_scores(tmp_path: Path) -> None:
    indicators = need_by_area(_store(f"sqlite:///{tmp_path / 's.db'}"), "lsoa", overdispersion=True)
    observed, expected = np.array([46.0, 16.0, 22.0]), np.array([29.0, 39.0, 16.0])
    z = (observed / expected - 1) / np.sqrt(1 / expected)
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    assert phi > 1
    outlier = next(i for i in indicators if i.metric == "area_outlier")
    assert any(f"φ = {phi:.3g}" in c for c in outlier.definition.caveats)
    b = _row(next(i for i in indicators if i.metric == "area_funnel_95").frame, B)
    assert b["lower"] == pytest.approx(1 - Z * math.sqrt(phi / 39))
    assert "overdispersion" in str(b["method"])


def test_need_weights_rescale_the_reference(tmp_path: Path) -> None:
    scope = _store(f"sqlite:///{tmp_path / 's.db'}")
    weights = pl.DataFrame({"age_band": [BAND, BAND], "sex": ["1", "2"], "weight": [1.0, 3.0]})
    weighted = replace(scope, need_weights=weights, cache={})
    # k = 84 seen / (400 x 1 + 200 x 3) = 0.084: men 0.084, women 0.252 per person.
    oe = next(i for i in need_by_area(weighted, "lsoa") if i.metric == "area_oe")
    assert _values(oe.frame, "denominator") == pytest.approx(
        {A: 8.4 + 25.2, B: 25.2, C: 25.2, ALL: 84.0, D: None}
    )
    assert "imported relative need" in oe.definition.denominator
    plain = next(i for i in need_by_area(scope, "lsoa") if i.metric == "area_oe")
    assert "scope's own rates" in plain.definition.denominator


def test_unmet_need_by_deprivation(tmp_path: Path) -> None:
    scope = _store(f"sqlite:///{tmp_path / 's.db'}")
    [indicator] = need_by_group(scope, breakdown("imd_decile"))
    assert indicator.key == "unmet_need/imd_decile"
    frame = indicator.frame
    # Reference: everyone seen with sex and age recorded, the man with no LSOA too:
    # men 53/400, women 32/200. Decile 1 (B, D): 300 x 53/400 = 39.75; decile 10 (A, C):
    # 100 x 53/400 + 200 x 32/200 = 45.25. As access's seen_oe, the deciles' E are scaled
    # to the 16 + 68 people seen in them (the man with no LSOA is in none): x 84/85.
    e1, e10 = 39.75 * 84 / 85, 45.25 * 84 / 85
    d1 = _row(frame, "1")
    low, high = _byars(16)
    assert (d1["numerator"], d1["denominator"]) == pytest.approx((16, e1))
    assert d1["value"] == pytest.approx(e1 - 16)
    assert (d1["lower"], d1["upper"]) == pytest.approx((e1 - high, e1 - low))
    assert d1["value_kind"] == "complex"
    assert _row(frame, "10")["value"] == 0
    assert _row(frame, "10")["denominator"] == pytest.approx(e10)
    everyone = _row(frame, ALL)
    assert (everyone["value"], everyone["numerator"], everyone["denominator"]) == (0, 85, 85)
    # A decile with no population is not available; the unknown kinds not applicable.
    assert _row(frame, "5")["flag"] == NOT_AVAILABLE
    assert _row(frame, "Blank")["flag"] == NOT_APPLICABLE
    # The same O and E as access's seen_oe.
    seen_oe = next(
        i for i in access_indicators(scope, breakdown("imd_decile")) if i.metric == "seen_oe"
    ).frame
    for code in ("1", "10", ALL):
        assert _row(seen_oe, code)["numerator"] == _row(frame, code)["numerator"]
        assert _row(seen_oe, code)["denominator"] == pytest.approx(_row(frame, code)["denominator"])


def test_a_pcn_scope_has_no_population(tmp_path: Path) -> None:
    (_, pcn1), _ = _practices()
    url = f"sqlite:///{tmp_path / 's.db'}"
    _store(url)
    source = ReferralSource(open_store(url))
    pcn_scope = resolve_scope(source, parse_filter(period="2024-25", area=f"pcn:{pcn1}"))
    assert pcn_scope.denominator is None
    [unmet] = need_by_group(pcn_scope, breakdown("sex"))
    assert set(unmet.frame["flag"]) == {NOT_AVAILABLE}
    frames = _frames(need_by_area(pcn_scope, "lsoa"))
    assert _values(frames["area_people_seen"]) == {A: 47, "Not known": 0, ALL: 47}
    assert set(frames["area_oe"]["flag"]) == {NOT_AVAILABLE}
    with pytest.raises(ValueError, match="area level"):
        need_by_area(pcn_scope, "ward")  # type: ignore[arg-type]


def test_lsoa_2021_stores_map_straight_to_msoas(tmp_path: Path) -> None:
    lsoas = ("E01033916", "E01033921", "E01033922")  # MSOAs E02006953, E02006954 (x2)
    msoa_of = dict(refdata.lsoa_to_msoa().filter(pl.col("lsoa21").is_in(lsoas)).rows())
    assert sorted(msoa_of.values()) == ["E02006953", "E02006954", "E02006954"]
    referrals = referral_rows(
        sex=["2"] * 3, age=[72] * 3, age_band=[BAND] * 3, lsoa=list(lsoas),
        first_contact_date=[date(2024, 7, 1)] * 3,
    )  # fmt: skip
    pop = population_rows({(lsoa, "2", BAND): 50 for lsoa in lsoas})
    engine = write_store(
        f"sqlite:///{tmp_path / 's.db'}", referrals, people=pop,
        lookup=lookup_rows(dict.fromkeys(lsoas, 5), vintage=2021, edition=2025),
    )  # fmt: skip
    scope = resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))
    assert scope.vintage == 2021
    frames = _frames(need_by_area(scope, "msoa"))
    # Women 70-74: 3 seen of 150, so E = 50 x 3/150 = 1 per LSOA.
    assert _values(frames["area_expected_seen"]) == pytest.approx(
        {"E02006953": 1.0, "E02006954": 2.0, ALL: 3.0}
    )
    assert _values(frames["area_people_seen"]) == {
        "E02006953": 1, "E02006954": 2, "Not known": 0, ALL: 3
    }  # fmt: skip
