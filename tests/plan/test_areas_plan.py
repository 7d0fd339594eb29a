"""Areas in the plan (issue 14): neighbourhoods, waits, DNA and Core20 by area, the
distance to the nearest site and access by distance band, on a small store worked out
by hand. Expected numbers are computed here from their definitions (Byar's and Wilson
limits written out, distances by the chord of unit vectors), never from rehabdash."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from areas_store import DECILES, PEOPLE, POPULATION, A, B, C, D, areas_store, centroid
from scipy.stats import norm

from rehabdash import refdata
from rehabdash.plan import parse_filter
from rehabdash.plan.distance import DISTANCE_BANDS, distance_indicators, nearest_sites
from rehabdash.plan.filters import FilterError
from rehabdash.plan.findings import candidates
from rehabdash.plan.need import need_by_area
from rehabdash.plan.places import neighbourhoods_on
from rehabdash.plan.result import ALL, Definition, Indicator
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries.referrals import ReferralSource
from rehabdash.refdata.boundaries import EARTH_RADIUS_KM
from rehabdash.store import open_store

Z = norm.ppf(0.975)


def _store(url: str, *, sites: bool = True, area: str | None = None) -> Scope:
    engine = areas_store(url, sites=sites)
    return resolve_scope(ReferralSource(engine), parse_filter(period="2024-25", area=area))


@pytest.fixture(scope="module")
def scope(tmp_path_factory: pytest.TempPathFactory) -> Scope:
    return _store(f"sqlite:///{tmp_path_factory.mktemp('areas') / 's.db'}")


def _frames(items: list[Indicator]) -> dict[str, pl.DataFrame]:
    return {i.metric: i.frame for i in items}


def _values(frame: pl.DataFrame, column: str = "value") -> dict[str, object]:
    return dict(frame.select("level_code", column).iter_rows())


def _byars(x: float) -> tuple[float, float]:
    lower = x * (1 - 1 / (9 * x) - Z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def _wilson(x: float, n: float) -> tuple[float, float]:
    p = x / n
    centre = p + Z**2 / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return (centre - half) / (1 + Z**2 / n), (centre + half) / (1 + Z**2 / n)


def _seen(lsoa: str) -> int:
    men, women, _unseen, _wait = PEOPLE[lsoa]
    return men + women


# --- by area ---------------------------------------------------------------------------


def test_people_seen_per_1000_by_lsoa_with_byars_limits(scope: Scope) -> None:
    frame = _frames(need_by_area(scope, "lsoa"))["area_seen_rate"]
    for lsoa in (A, B):  # 20 and 8 people seen: Byar's from 10, exact Poisson below
        row = frame.filter(pl.col("level_code") == lsoa).row(0, named=True)
        pop = sum(POPULATION[lsoa])
        assert row["value"] == pytest.approx(_seen(lsoa) / pop * 1000)
        assert row["numerator"] == _seen(lsoa)
        assert row["denominator"] == pop
    row = frame.filter(pl.col("level_code") == A).row(0, named=True)
    low, high = _byars(20)
    assert (row["lower"], row["upper"]) == pytest.approx((low / 400 * 1000, high / 400 * 1000))
    everyone = frame.filter(pl.col("level_code") == ALL).row(0, named=True)
    total_seen = sum(_seen(lsoa) for lsoa in PEOPLE)
    total_pop = sum(sum(p) for p in POPULATION.values())
    assert everyone["value"] == pytest.approx(total_seen / total_pop * 1000)


def test_core20_share_is_the_population_in_deciles_1_and_2(scope: Scope) -> None:
    frames = _frames(need_by_area(scope, "neighbourhood"))
    share = _values(frames["area_core20_share"])
    assert share["N1"] == pytest.approx(100.0)  # A decile 1, B decile 2
    assert share["N2"] == pytest.approx(0.0)  # C decile 5
    core20 = sum(POPULATION[A]) + sum(POPULATION[B])
    total = sum(sum(p) for p in POPULATION.values())
    assert share[ALL] == pytest.approx(core20 / total * 100)


def test_waits_and_dna_by_neighbourhood(scope: Scope) -> None:
    frames = _frames(need_by_area(scope, "neighbourhood"))
    median = _values(frames["area_wait_median"])
    # N1 holds A (20 waits of 5 days) and B (8 of 30): the median of the 28 is 5.
    waits_n1 = [5] * 20 + [30] * 8
    assert median["N1"] == pytest.approx(float(np.median(waits_n1)))
    assert median["N2"] == pytest.approx(60.0)
    assert median["Not known"] == pytest.approx(200.0)  # D: in no neighbourhood
    within = _values(frames["area_wait_within_18w"])
    assert within["Not known"] == pytest.approx(0.0)  # 200 days > 126
    dna = frames["area_dna_rate"].filter(pl.col("level_code") == "N1").row(0, named=True)
    # A: 20 people x (2 attended, 1 DNA); B: 8 x (3 attended, 1 cancelled).
    missed, booked = 20 * 1, 20 * 3 + 8 * 4
    assert (dna["numerator"], dna["denominator"]) == (missed, booked)
    assert dna["value"] == pytest.approx(missed / booked * 100)
    low, high = _wilson(missed, booked)
    assert (dna["lower"], dna["upper"]) == pytest.approx((low * 100, high * 100))


def test_neighbourhood_people_seen_and_the_unplaced(scope: Scope) -> None:
    items = need_by_area(scope, "neighbourhood")
    seen = _values(_frames(items)["area_people_seen"])
    assert seen == {
        "N1": _seen(A) + _seen(B),
        "N2": _seen(C),
        "Not known": _seen(D),
        ALL: sum(_seen(lsoa) for lsoa in PEOPLE),
    }
    names = _values(_frames(items)["area_people_seen"], "level")
    assert names["N1"] == "Neighbourhood 1"
    caveats = " ".join(items[0].definition.caveats)
    assert "1 of the scope's LSOAs are in no neighbourhood" in caveats
    assert len(set(items[0].definition.batches)) >= 4  # activity, lookup, population, areas


def test_no_neighbourhood_lookup_no_neighbourhood_tables(tmp_path: Path) -> None:
    scope = _store(f"sqlite:///{tmp_path / 's.db'}", sites=False)
    plain = Scope(**{**scope.__dict__, "neighbourhoods": None, "cache": {}})  # type: ignore[arg-type]
    assert need_by_area(plain, "neighbourhood") == []
    assert distance_indicators(scope) == []  # no sites imported


def test_filter_to_a_neighbourhood_by_code_or_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    scope = _store(url, area="neighbourhood:N1")
    assert scope.areas == {A, B}
    by_name = resolve_scope(
        ReferralSource(open_store(url)),
        parse_filter(period="2024-25", area="neighbourhood:neighbourhood 2"),
    )
    assert by_name.areas == {C}
    with pytest.raises(FilterError, match="neighbourhood:NOWHERE"):
        resolve_scope(
            ReferralSource(open_store(url)),
            parse_filter(period="2024-25", area="neighbourhood:nowhere"),
        )


def test_two_area_types_are_never_mixed_in_one_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = areas_store(url, sites=False, localities={A: "L1", C: "L1", D: "L2"})
    scope = resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))
    items = need_by_area(scope, "neighbourhood")
    seen = _frames(items)["area_people_seen"]
    assert set(seen["level_code"]) == {"N1", "N2", "Not known", "All"}
    assert _values(seen)["N1"] == _seen(A) + _seen(B)  # A is in L1 too: counted once here
    assert _values(seen)["Not known"] == _seen(D)
    assert seen["breakdown"][0] == "Neighbourhood of residence (the ICB's own lookup)"
    caveats = items[0].definition.caveats
    assert any("the locality lookup is imported too" in c for c in caveats)
    # a filter may use the other type's areas, by code or name
    for area in ("locality:L1", "locality:locality l1", "neighbourhood:L1"):
        filtered = resolve_scope(ReferralSource(engine), parse_filter(period="2024-25", area=area))
        assert filtered.areas == {A, C}, area


def test_a_locality_lookup_is_called_so(tmp_path: Path) -> None:
    engine = areas_store(f"sqlite:///{tmp_path / 's.db'}", sites=False, area_type="locality")
    scope = resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))
    items = need_by_area(scope, "neighbourhood")
    assert items[0].frame["breakdown"][0] == "Locality of residence (the ICB's own lookup)"
    caveats = items[0].definition.caveats
    assert "1 of the scope's LSOAs are in no locality of the lookup: " in " ".join(caveats)
    assert not any("imported too" in c for c in caveats)


def test_a_lookup_on_the_other_vintage_goes_where_most_parts_are() -> None:
    pairs = refdata.lsoa11_to_lsoa21()
    split = (
        pairs.filter(pl.col("change") == "S")
        .group_by("lsoa11")
        .agg(pl.col("lsoa21").sort())
        .filter(pl.col("lsoa21").list.len() == 3)
        .sort("lsoa11")
        .row(0)
    )
    old, parts = split[0], split[1]
    merged = (
        pairs.filter(pl.col("change") == "M")
        .group_by("lsoa21")
        .agg(pl.col("lsoa11").sort())
        .filter(pl.col("lsoa11").list.len() == 2)
        .sort("lsoa21")
        .row(0)
    )
    new, sources = merged[0], merged[1]
    on_2021 = pl.DataFrame(
        {
            "lsoa": parts,
            "lsoa_vintage": [2021] * 3,
            "code": ["X", "X", "Y"],
            "name": ["X", "X", "Y"],
            "area_type": ["neighbourhood"] * 3,
            "batch_id": [7] * 3,
        }
    )
    carried = neighbourhoods_on(on_2021, 2011)
    assert dict(carried.select("lsoa", "code").iter_rows()) == {old: "X"}
    on_2011 = pl.DataFrame(
        {
            "lsoa": sources,
            "lsoa_vintage": [2011] * 2,
            "code": ["P", "Q"],
            "name": ["P", "Q"],
            "area_type": ["locality"] * 2,
            "batch_id": [8] * 2,
        }
    )
    # A tie between the two sources: the first code.
    assert dict(neighbourhoods_on(on_2011, 2021).select("lsoa", "code").iter_rows()) == {new: "P"}


# --- distance --------------------------------------------------------------------------


def _chord_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance from the chord between unit vectors (not the haversine)."""

    def unit(lat: float, lon: float) -> np.ndarray:
        la, lo = math.radians(lat), math.radians(lon)
        return np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])

    chord = float(np.linalg.norm(unit(lat1, lon1) - unit(lat2, lon2)))
    return 2 * EARTH_RADIUS_KM * math.asin(chord / 2)


def test_nearest_site_distances_against_an_independent_formula() -> None:
    rng = np.random.default_rng(14)
    lat, lon = rng.uniform(50, 55.5, 40), rng.uniform(-5.5, 1.5, 40)
    site_lat, site_lon = rng.uniform(50, 55.5, 7), rng.uniform(-5.5, 1.5, 7)
    km, index = nearest_sites(lat, lon, site_lat, site_lon)
    for i in range(lat.size):
        each = [_chord_km(lat[i], lon[i], site_lat[j], site_lon[j]) for j in range(7)]
        assert index[i] == int(np.argmin(each))
        assert km[i] == pytest.approx(min(each), rel=1e-9)
    # One degree of latitude along a meridian is R × π / 180.
    one, _ = nearest_sites(np.array([52.0]), np.array([-1.0]), np.array([53.0]), np.array([-1.0]))
    assert one[0] == pytest.approx(EARTH_RADIUS_KM * math.pi / 180, rel=1e-12)


def _band_of(km: float) -> str:
    return next(
        c for c, _, low, high in DISTANCE_BANDS if km >= low and (high is None or km < high)
    )


def test_distance_of_each_lsoa_and_access_by_band(scope: Scope) -> None:
    items = distance_indicators(scope)
    frames = _frames(items)
    sites = [
        centroid(A),
        (centroid(B)[0] + 3.0 / EARTH_RADIUS_KM * 180 / math.pi, centroid(B)[1]),
    ]
    names = ["S1 hub", "S2 clinic"]
    km = {}
    for lsoa in PEOPLE:
        each = [_chord_km(*centroid(lsoa), *site) for site in sites]
        km[lsoa] = min(each)
        row = frames["site_distance"].filter(pl.col("level_code") == lsoa).row(0, named=True)
        assert row["value"] == pytest.approx(km[lsoa], rel=1e-9)
        assert row["note"] == f"nearest: {names[int(np.argmin(each))]}"
    assert km[A] == pytest.approx(0.0, abs=1e-9)
    assert _band_of(km[B]) == "2_5km"
    assert _band_of(km[C]) == _band_of(km[D]) == "10km_plus"
    band = {lsoa: _band_of(d) for lsoa, d in km.items()}
    seen = _values(frames["distance_people_seen"])
    rate = frames["distance_seen_rate"]
    for code, *_ in DISTANCE_BANDS:
        members = [lsoa for lsoa in PEOPLE if band[lsoa] == code]
        assert seen[code] == sum(_seen(lsoa) for lsoa in members)
        pop = sum(sum(POPULATION[lsoa]) for lsoa in members)
        row = rate.filter(pl.col("level_code") == code).row(0, named=True)
        if pop:
            assert row["value"] == pytest.approx(seen[code] / pop * 1000)
        else:  # no LSOA in the band: not applicable, not missing
            assert row["flag"] == "[z]"
    # O/E: expected at the scope's rates by sex and IMD quintile (one age band here).
    quintile = {lsoa: (d + 1) // 2 for lsoa, d in DECILES.items()}
    rates: dict[tuple[str, int], float] = {}
    for sex_index, sex in enumerate("12"):
        for q in set(quintile.values()):
            cell = [lsoa for lsoa in PEOPLE if quintile[lsoa] == q]
            seen_cell = sum(PEOPLE[lsoa][sex_index] for lsoa in cell)
            pop_cell = sum(POPULATION[lsoa][sex_index] for lsoa in cell)
            rates[(sex, q)] = seen_cell / pop_cell
    oe = frames["distance_oe"]
    for code, *_ in DISTANCE_BANDS:
        members = [lsoa for lsoa in PEOPLE if band[lsoa] == code]
        if not members:
            continue
        expected = sum(
            POPULATION[lsoa][i] * rates[(sex, quintile[lsoa])]
            for lsoa in members
            for i, sex in enumerate("12")
        )
        row = oe.filter(pl.col("level_code") == code).row(0, named=True)
        assert row["denominator"] == pytest.approx(expected)
        assert row["value"] == pytest.approx(row["numerator"] / expected)
    everyone = oe.filter(pl.col("level_code") == ALL).row(0, named=True)
    assert everyone["value"] == pytest.approx(1.0)
    assert any("straight-line" in c for c in items[0].definition.caveats)


def _band_indicator(rows: dict[str, tuple[float, float]]) -> Indicator:
    codes = list(rows)
    labels = {c: lab for c, lab, *_ in DISTANCE_BANDS}
    frame = pl.DataFrame(
        {
            "breakdown_key": ["distance_band"] * len(codes),
            "level_code": codes,
            "level": [labels.get(c, c) for c in codes],
            "value": [o / e for o, e in rows.values()],
            "numerator": [o for o, _ in rows.values()],
            "denominator": [e for _, e in rows.values()],
        }
    )
    definition = Definition("O/E", "", "", "", "ratio")
    return Indicator("distance_oe/distance_band", definition, frame)


def test_a_finding_when_access_falls_with_distance(scope: Scope) -> None:
    ind = _band_indicator({"under_2km": (100, 80), "5_10km": (50, 50), "10km_plus": (40, 60)})
    found = [f for f in candidates({ind.key: ind}, scope) if f.indicator == ind.key]
    assert len(found) == 1
    assert found[0].significant
    ratio = (40 / 60) / (100 / 80)
    half = Z * math.sqrt(1 / 40 + 1 / 100)
    low, high = ratio * math.exp(-half), ratio * math.exp(half)
    assert f"ratio {ratio:.2f}, 95% CI {low:.2f} to {high:.2f}" in found[0].text
    assert found[0].text.startswith("People living 10 km or more from the nearest rehab site")
    assert "than people living within 2 km of one" in found[0].text
    assert "47% less likely" in found[0].text
    same = _band_indicator({"under_2km": (100, 100), "10km_plus": (60, 60)})
    quiet = [f for f in candidates({same.key: same}, scope) if f.indicator == same.key]
    assert len(quiet) == 1
    assert not quiet[0].significant


def test_the_distance_finding_from_the_plan_itself(scope: Scope) -> None:
    """On the small store: the furthest band (C and D, 10 km and over) against the
    nearest (A, under 2 km), each O/E at the scope's rates by sex and IMD quintile,
    worked here: C and D are alone in their quintiles (O/E 1); A shares quintile 1
    with B."""
    items = {i.key: i for i in distance_indicators(scope)}
    found = [f for f in candidates(items, scope) if f.indicator == "distance_oe/distance_band"]
    assert len(found) == 1
    seen_q1 = _seen(A) + _seen(B)
    pop_q1 = sum(POPULATION[A]) + sum(POPULATION[B])
    near = _seen(A) / (sum(POPULATION[A]) * seen_q1 / pop_q1)
    far = 1.0
    assert f"ratio {far / near:.2f}" in found[0].text
    assert not found[0].significant  # 20 and 8 people: too few to tell
