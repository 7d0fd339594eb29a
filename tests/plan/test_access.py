"""Section 1 (who is and isn't accessing) on small stores worked out by hand.

Every expected number below is computed in the test from the formulas of DESIGN 7
(scipy's chi-squared and normal quantiles), never from rehabdash's own output.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store
from scipy.stats import chi2, norm

from rehabdash.plan import parse_filter
from rehabdash.plan.access import access_indicators
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.result import ALL, NOT_APPLICABLE, NOT_AVAILABLE
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries.referrals import ReferralSource

SEEN = date(2024, 7, 1)
Z = norm.ppf(0.975)


def _scope(url: str, copies: int = 1) -> Scope:
    """Four kinds of person, ``copies`` of each:

    p0 man 70, LSOA 0 (decile 1), seen;  p1 woman 71, LSOA 1 (decile 10), not seen;
    p2 woman 72, LSOA 1, seen;           p3 sex not known, 40, no LSOA, not seen.
    Population: LSOA 0 has 100 men and 100 women aged 70-74, LSOA 1 50 and 50.
    """
    pattern = {
        "sex": ["1", "2", "2", "X"],
        "age": [70, 71, 72, 40],
        "age_band": ["70-74", "70-74", "70-74", "40-44"],
        "lsoa": [LSOAS[0], LSOAS[1], LSOAS[1], None],
        "first_contact_date": [SEEN, None, SEEN, None],
    }
    columns = {k: v * copies for k, v in pattern.items()}
    pop = population_rows(
        {
            (LSOAS[0], "1", "70-74"): 100,
            (LSOAS[0], "2", "70-74"): 100,
            (LSOAS[1], "1", "70-74"): 50,
            (LSOAS[1], "2", "70-74"): 50,
        }
    )
    engine = write_store(
        url, referral_rows(**columns), people=pop, lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 10})
    )
    return resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))


def _exact(x: int) -> tuple[float, float]:
    return (chi2.ppf(0.025, 2 * x) / 2 if x else 0.0), chi2.ppf(0.975, 2 * x + 2) / 2


def _byars(x: float) -> tuple[float, float]:
    lower = x * (1 - 1 / (9 * x) - Z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def _wilson(x: float, n: float) -> tuple[float, float]:
    centre, spread = 2 * x + Z**2, Z * math.sqrt(Z**2 + 4 * x * (1 - x / n))
    return (centre - spread) / (2 * (n + Z**2)), (centre + spread) / (2 * (n + Z**2))


def _by_key(scope: Scope, key: str) -> dict[str, pl.DataFrame]:
    return {i.metric: i.frame for i in access_indicators(scope, breakdown(key))}


def _row(frame: pl.DataFrame, code: str) -> dict[str, object]:
    return frame.filter(pl.col("level_code") == code).row(0, named=True)


def test_counts_rates_and_kinds_by_sex(store_url: str) -> None:
    frames = _by_key(_scope(store_url), "sex")
    referred = dict(frames["people_referred"].select("level_code", "value").iter_rows())
    assert referred == {
        "1": 1,
        "2": 2,
        "9": 0,
        "Not stated": 0,
        "Not known": 1,
        "Blank": 0,
        "Invalid": 0,
        ALL: 4,
    }
    seen = dict(frames["people_seen"].select("level_code", "value").iter_rows())
    assert (seen["1"], seen["2"], seen["Not known"], seen[ALL]) == (1, 1, 0, 2)
    men = _row(frames["seen_rate"], "1")
    low, high = _exact(1)
    assert men["denominator"] == 150
    assert men["value"] == pytest.approx(1000 / 150)
    assert (men["lower"], men["upper"]) == pytest.approx((low / 150 * 1000, high / 150 * 1000))
    assert men["method"] == "Exact"
    # A rate for people whose sex is not known is not applicable: they are no group.
    unknown = _row(frames["seen_rate"], "Not known")
    assert unknown["flag"] == NOT_APPLICABLE
    assert unknown["value"] is None
    # Indeterminate (9) is a real group with no population here: not available.
    assert _row(frames["seen_rate"], "9")["flag"] == NOT_AVAILABLE
    # A level nobody is in is a true zero, not a blank.
    assert _row(frames["people_seen"], "Invalid")["value"] == 0
    assert _row(frames["people_seen"], "Invalid")["flag"] is None


def test_observed_vs_expected_by_deprivation_is_age_sex_adjusted(tmp_path: Path) -> None:
    frames = _by_key(_scope(f"sqlite:///{tmp_path / 's.db'}"), "imd_decile")
    # Reference: men 70-74 1 seen of 150, women 70-74 1 of 150. Decile 1 has 100 + 100
    # people: E = 200/150; decile 10: E = 100/150. O = 1 and 1.
    d1, d10 = _row(frames["seen_oe"], "1"), _row(frames["seen_oe"], "10")
    assert d1["denominator"] == pytest.approx(200 / 150)
    assert d1["value"] == pytest.approx(1 / (200 / 150))
    assert d10["value"] == pytest.approx(1 / (100 / 150))
    low, high = _exact(1)
    assert (d10["lower"], d10["upper"]) == pytest.approx((low * 1.5, high * 1.5))
    # Crude rates per 1,000: 1 of 200 and 1 of 100.
    assert _row(frames["seen_rate"], "1")["value"] == pytest.approx(5.0)
    assert _row(frames["seen_rate"], "10")["value"] == pytest.approx(10.0)
    # Too few for a DSR (fewer than 10 seen): not published.
    assert _row(frames["seen_dsr"], "1")["flag"] == NOT_AVAILABLE


def test_dsr_and_sii_with_enough_people(tmp_path: Path) -> None:
    scope = _scope(f"sqlite:///{tmp_path / 's.db'}", copies=10)
    frames = _by_key(scope, "imd_decile")
    # Decile 10: women 70-74 10 seen of 50, men 0 of 50; ESP 2013 70-74 = 5,500, half
    # to each sex. DSR = (10 x 2750 / 50) / 5500 x 1000 = 100.
    d10 = _row(frames["seen_dsr"], "10")
    assert d10["value"] == pytest.approx(100.0)
    var = 10 * (2750 / 50) ** 2 / 5500**2
    low, high = _byars(10)
    spread = math.sqrt(var / 10)
    assert d10["lower"] == pytest.approx(100 + spread * (low - 10) * 1000)
    assert d10["upper"] == pytest.approx(100 + spread * (high - 10) * 1000)
    # Only two deciles hold people: no SII (it needs every decile).
    assert "sii" not in frames


def test_representation_and_self_referral(tmp_path: Path) -> None:
    frames = _by_key(_scope(f"sqlite:///{tmp_path / 's.db'}", copies=5), "sex")
    men = _row(frames["representation"], "1")
    # Men: 5 of the 10 people seen whose sex has a population; half the population.
    low, high = _wilson(5, 10)
    assert men["value"] == pytest.approx(0.5 / 0.5)
    assert (men["lower"], men["upper"]) == pytest.approx((low / 0.5, high / 0.5))
    share = _row(frames["seen_share"], ALL)
    assert share["value"] == pytest.approx(10 / 20 * 100)
    assert share["denominator"] == 20
    assert _row(frames["self_referral_share"], ALL)["value"] == 0


def test_pair_breakdown_lists_every_combination(tmp_path: Path) -> None:
    frames = _by_key(_scope(f"sqlite:///{tmp_path / 's.db'}"), "imd_quintile×sex")
    codes = frames["people_seen"]["level_code"].to_list()
    assert len(codes) == (5 + 4) * (3 + 4) + 1  # every combination, then All
    seen = dict(frames["people_seen"].select("level_code", "value").iter_rows())
    assert seen["1|1"] == 1
    assert seen["5|2"] == 1
    assert seen["5|1"] == 0
    assert seen["Blank|Not known"] == 0
    assert seen[ALL] == 2
    # Quintile x sex populations come straight from the areas and bands.
    assert _row(frames["seen_rate"], "1|1")["denominator"] == 100


def test_every_indicator_names_its_denominator_and_batches(tmp_path: Path) -> None:
    scope = _scope(f"sqlite:///{tmp_path / 's.db'}")
    for ind in access_indicators(scope, breakdown("ethnicity")):
        assert ind.definition.batches == scope.batches
        assert ind.key.endswith("/ethnicity")
        if ind.definition.unit == "per 1,000":
            assert "Census 2021 TS021" in ind.definition.denominator
            assert "imported population" in ind.definition.denominator
