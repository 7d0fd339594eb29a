"""The filter bar offers only what the store's live batches hold, and a kept choice the
store no longer offers falls back to its default."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "plan"))
from plan_store import LSOAS, lookup_rows, referral_rows, write_store

from rehabdash.plan import FilterError
from rehabdash.queries.filter_options import FilterOptions, filter_options
from rehabdash.queries.periods import parse_period
from rehabdash.ui.filter_state import AGE_CHOICES, FilterChoice


def _engine(tmp_path: Path) -> object:
    rows = referral_rows(
        provider_code=["RY6", "RY6", "RCF", "TAD"],
        service_name=["MSK", "Falls", "MSK", None],
        lsoa=[LSOAS[0]] * 4,
        referral_date=[date(2023, 5, 1), date(2024, 6, 1), date(2024, 11, 3), date(2025, 1, 9)],
    )
    return write_store(f"sqlite:///{tmp_path / 's.db'}", rows, lookup=lookup_rows({LSOAS[0]: 1}))


def test_options_are_what_the_store_holds(tmp_path: Path) -> None:
    options = filter_options(_engine(tmp_path))  # type: ignore[arg-type]
    assert [y.label for y in options.years] == ["2024-25", "2023-24"]  # newest first
    # The newest referral is in Q4 of 2024-25: every quarter of it is offered.
    assert options.periods[:5] == (
        "2024-25",
        "2024-25 Q1",
        "2024-25 Q2",
        "2024-25 Q3",
        "2024-25 Q4",
    )
    assert options.providers == ("RCF", "RY6", "TAD")
    assert options.services == ("Falls", "MSK")
    assert ("lad:E08000032", "Bradford (local authority)") in options.areas
    assert ("sicb:E38000232", "NHS West Yorkshire ICB - 36J (sub-ICB location)") in options.areas


def test_no_quarter_after_the_newest_referral_is_offered() -> None:
    year = parse_period("2025-26")
    options = FilterOptions(years=(year,), newest=date(2025, 8, 2))
    assert options.periods == ("2025-26", "2025-26 Q1", "2025-26 Q2")


def test_an_empty_store_offers_nothing(tmp_path: Path) -> None:
    from rehabdash.store import open_store

    assert filter_options(open_store(f"sqlite:///{tmp_path / 'e.db'}")) == FilterOptions()


def test_a_choice_becomes_the_plan_filter() -> None:
    options = FilterOptions(years=(parse_period("2024-25"),), providers=("RY6",))
    everything = FilterChoice().to_filter(options)
    assert everything.period.label == "2024-25"  # the newest year by default
    assert everything.providers == ()
    assert everything.rehab_only
    assert everything.area is None
    narrow = FilterChoice(
        period="2024-25 Q2", provider="RY6", team_types="all", age="65+", area="lad:E08000032"
    ).to_filter(options)
    assert narrow.period.label == "2024-25 Q2"
    assert narrow.providers == ("RY6",)
    assert narrow.team_types == ()
    assert narrow.age == (65, 120)
    assert narrow.area is not None
    assert (narrow.area.kind, narrow.area.code) == ("lad", "E08000032")
    for value, _label in AGE_CHOICES:  # every age offered parses
        FilterChoice(age=value).to_filter(options)
    with pytest.raises(FilterError, match="provider"):
        FilterChoice(provider="not a code!").to_filter(options)


def test_a_kept_choice_the_store_no_longer_offers_falls_back() -> None:
    options = FilterOptions(years=(parse_period("2024-25"),), providers=("RY6",))
    kept = FilterChoice(period="2019-20", provider="RY6", service="Gone", age="65+")
    assert kept.offered(options) == FilterChoice(provider="RY6", age="65+")
    assert FilterChoice.from_dict(kept.as_dict() | {"unknown": "x"}) == kept


def test_the_icbs_own_neighbourhoods_are_offered_and_filter(tmp_path: Path) -> None:
    from areas_store import A, B, areas_store

    from rehabdash.plan.engine import PlanEngine
    from rehabdash.queries.referrals import ReferralSource

    engine = areas_store(f"sqlite:///{tmp_path / 's.db'}")
    options = filter_options(engine)
    offered = dict(options.areas)
    assert offered["neighbourhood:N1"] == "Neighbourhood 1 (neighbourhood)"
    assert offered["neighbourhood:N2"] == "Neighbourhood 2 (neighbourhood)"
    choice = FilterChoice(area="neighbourhood:N1").offered(options)
    assert choice.area == "neighbourhood:N1"
    scope = PlanEngine(ReferralSource(engine)).scope(choice.to_filter(options))
    assert scope.areas == {A, B}
