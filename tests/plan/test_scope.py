"""Resolving a filter into the referrals, areas and population a plan is about."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash.plan import FilterError, parse_filter
from rehabdash.plan.access import access_indicators
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.result import NOT_AVAILABLE
from rehabdash.plan.scope import pull_scope, resolve_scope, vintage_of
from rehabdash.queries.referrals import PullScope, ReferralSource

# LSOAS[0..1] are in Bradford (E08000032); E01011229 (Kirklees) is given another LAD here.
CALDERDALE = "E01011229"


def _store(tmp_path: Path) -> ReferralSource:
    rows = referral_rows(
        age=[70, 40, 17, 70, 70],
        age_band=["70-74", "40-44", "15-19", "70-74", "70-74"],
        sex=["1", "2", "2", "1", "1"],
        lsoa=[LSOAS[0], LSOAS[1], LSOAS[1], CALDERDALE, None],
        provider_code=["RY6", "RY6", "TAD", "RY6", "RY6"],
        referral_date=[date(2024, 6, 1)] * 4 + [date(2024, 9, 1)],
    )
    counts = {}
    for area in (LSOAS[0], LSOAS[1], CALDERDALE):
        for sex in ("1", "2"):
            counts[(area, sex, "15-19")] = 50.0
            counts[(area, sex, "70-74")] = 20.0
    lookup = lookup_rows({LSOAS[0]: 1, LSOAS[1]: 10, CALDERDALE: 5}).with_columns(
        pl.when(pl.col("lsoa") == CALDERDALE)
        .then(pl.lit("E08000033"))
        .otherwise(pl.col("lad_code"))
        .alias("lad_code")
    )
    engine = write_store(
        f"sqlite:///{tmp_path / 's.db'}", rows, people=population_rows(counts), lookup=lookup
    )
    return ReferralSource(engine)


def test_default_scope_is_the_imported_population(tmp_path: Path) -> None:
    scope = resolve_scope(_store(tmp_path), parse_filter(period="2024-25"))
    assert scope.areas == {LSOAS[0], LSOAS[1], CALDERDALE}
    assert scope.vintage == 2011
    assert scope.imd_edition == 2019
    # The referral with no LSOA still counts for the whole population.
    assert scope.people.height == 5
    assert scope.denominator is not None
    assert scope.denominator.total == pytest.approx(420)


def test_area_filter_keeps_its_residents_only(tmp_path: Path) -> None:
    scope = resolve_scope(_store(tmp_path), parse_filter(period="2024-25", area="lad:E08000032"))
    assert scope.areas == {LSOAS[0], LSOAS[1]}
    assert scope.people.height == 3
    assert any("outside these areas" in note for note in scope.notes)
    assert any("no LSOA" in note for note in scope.notes)
    assert scope.denominator is not None
    assert scope.denominator.total == pytest.approx(280)


def test_age_filter_cuts_population_bands_pro_rata(tmp_path: Path) -> None:
    scope = resolve_scope(_store(tmp_path), parse_filter(period="2024-25", age="18-64"))
    assert scope.people.height == 1  # only the 40-year-old
    # 15-19 holds ages 15..19: 18 and 19 are 2 of its 5 years; 70-74 is outside.
    assert scope.denominator is not None
    assert scope.denominator.total == pytest.approx(3 * 2 * 50 * 2 / 5)


def test_provider_and_period_filters(tmp_path: Path) -> None:
    source = _store(tmp_path)
    assert resolve_scope(source, parse_filter(period="2024-25", providers="TAD")).people.height == 1
    quarter = resolve_scope(source, parse_filter(period="2024-25 Q2"))
    assert quarter.people.height == 1  # received 1 Sep 2024
    assert quarter.referrals.height == 5  # the earlier ones, still open, are kept


def test_imd_edition_of_another_vintage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FilterError, match="IMD edition 2025: it is published for LSOA 2021"):
        resolve_scope(_store(tmp_path), parse_filter(period="2024-25", imd_edition="2025"))


def test_unknown_area_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FilterError, match="lad:E08000099: no LSOA"):
        resolve_scope(_store(tmp_path), parse_filter(period="2024-25", area="lad:E08000099"))


def test_pcn_scope_has_no_population_rates(tmp_path: Path) -> None:
    from rehabdash import refdata

    practice = refdata.gp_practices().row(0, named=True)
    rows = referral_rows(gp_practice=[practice["practice_code"], "Z99999"], lsoa=[LSOAS[0]] * 2)
    engine = write_store(f"sqlite:///{tmp_path / 'p.db'}", rows)
    flt = parse_filter(period="2024-25", area=f"pcn:{practice['pcn_code']}")
    scope = resolve_scope(ReferralSource(engine), flt)
    assert scope.people.height == 1
    assert scope.denominator is None
    rates = {i.metric: i for i in access_indicators(scope, breakdown("sex"))}["seen_rate"]
    assert set(rates.frame["flag"].to_list()) == {NOT_AVAILABLE}


def test_postgresql_pushes_the_period_and_team_types_down() -> None:
    flt = parse_filter(period="2024-25", team_types="20,26")
    assert pull_scope(flt, "sqlite") == PullScope()
    assert pull_scope(flt, "postgresql") == PullScope(
        date(2024, 4, 1), date(2025, 3, 31), ("20", "26")
    )


def test_vintage_is_read_from_codes_of_one_vintage_only() -> None:
    # E01000010 exists only in 2011 (changed in 2021); E01035000 only in 2021.
    only_2011 = pl.Series(["E01010568", "E01000010"])
    assert vintage_of(only_2011) == 2011
    assert vintage_of(pl.Series(["E01010568", "E01035000"])) == 2021
    assert vintage_of(pl.Series(["E01010568"]), hint=2011) == 2011
