"""Section 2 (consequences) on small hand-built stores: every number worked out by hand.

The period is the financial year 2024-25 (1 April 2024 to 31 March 2025). Intervals are
checked against the textbook formulas written out here (Wilson score, Student's t, the
binomial ranks of the order-statistic interval from scipy), never against the code.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store
from scipy import stats as sps

from rehabdash.codes import outcome_tools
from rehabdash.plan import parse_filter
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.consequences import METRICS, consequences_indicators, outcome_metric
from rehabdash.plan.disclosure import apply_disclosure
from rehabdash.plan.result import COLUMNS, Indicator
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries.referrals import ReferralSource

START, END = date(2024, 4, 1), date(2025, 3, 31)
Z = 1.959963984540054  # the 97.5% point of the standard normal


def _scope(url: str, **columns: list[object]) -> Scope:
    n = len(next(iter(columns.values())))
    columns.setdefault("lsoa", [LSOAS[0]] * n)
    pop = population_rows({(LSOAS[0], "1", "70-74"): 100, (LSOAS[0], "2", "70-74"): 100})
    engine = write_store(
        url, referral_rows(**columns), people=pop, lookup=lookup_rows({LSOAS[0]: 3})
    )
    return resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))


def _by_key(scope: Scope, key: str) -> dict[str, Indicator]:
    return {i.metric: i for i in consequences_indicators(scope, breakdown(key))}


def _row(indicators: dict[str, Indicator], metric: str, level: str) -> dict[str, object]:
    row = indicators[metric].row(level)
    assert row is not None, f"{metric}: no row for {level}"
    return row


def _wilson(x: float, n: float) -> tuple[float, float]:
    """DESIGN 7.1, as a percentage."""
    root = Z * math.sqrt(Z**2 + 4 * x * (1 - x / n))
    return (
        100 * (2 * x + Z**2 - root) / (2 * (n + Z**2)),
        100 * (2 * x + Z**2 + root) / (2 * (n + Z**2)),
    )


def _ranks(n: int, q: float) -> tuple[int, int]:
    """1-based ranks of the order-statistic limits (Conover): j = B⁻¹(α/2), k = B⁻¹(1-α/2)+1."""
    j = int(sps.binom.ppf(0.025, n, q))
    k = int(sps.binom.ppf(0.975, n, q)) + 1
    return max(j, 1), min(k, n)


# Women wait exactly each band edge; men 10, 20, 30 days (and one first contact dated
# before the referral, and one not seen).
WOMEN = [0, 7, 8, 14, 15, 28, 29, 84, 85, 126, 127, 364, 365]
MEN = [10, 20, 30]


def _waits_scope(url: str) -> Scope:
    received = date(2024, 4, 2)
    waits: list[int | None] = [*WOMEN, *MEN, -3, None]
    return _scope(
        url,
        sex=["2"] * len(WOMEN) + ["1"] * (len(MEN) + 2),
        referral_date=[received] * len(waits),
        first_contact_date=[None if w is None else received + timedelta(days=w) for w in waits],
        discharge_date=[None] * len(waits),
    )


def test_waits_median_centile_18_weeks_and_bands(store_url: str) -> None:
    got = _by_key(_waits_scope(store_url), "sex")
    women = sorted(WOMEN)
    median = _row(got, "wait_median", "2")
    assert median["value"] == 29.0  # the 7th of 13
    j, k = _ranks(13, 0.5)
    assert (j, k) == (3, 11)  # binomial(13, ½): F(2) = 0.011 < 0.025 <= F(3); F(10) = 0.989
    assert (median["lower"], median["upper"]) == (women[j - 1], women[k - 1]) == (8, 127)
    assert median["numerator"] == 13
    assert median["flag"] is None
    assert median["value_kind"] == "simple"
    assert median["method"] == "order statistics"
    p90 = _row(got, "wait_p90", "2")
    assert p90["value"] == pytest.approx(127 + 0.8 * (364 - 127))  # h = 12 × 0.9 = 10.8
    assert p90["flag"] == "[u]"  # 13 values: too few for a 95% interval of the 90th centile
    within = _row(got, "wait_within_18w", "2")
    assert (within["numerator"], within["denominator"]) == (10, 13)
    assert within["value"] == pytest.approx(1000 / 13)
    assert (within["lower"], within["upper"]) == pytest.approx(_wilson(10, 13))
    bands = {
        "0_1w": 2, "1_2w": 2, "2_4w": 2, "4_12w": 2, "12_18w": 2, "18_52w": 2, "52w_plus": 1,
    }  # fmt: skip
    for band, count in bands.items():
        row = _row(got, f"wait_band_{band}", "2")
        assert (row["numerator"], row["denominator"]) == (count, 13), band
        assert row["value"] == pytest.approx(100 * count / 13)
    men = _row(got, "wait_median", "1")
    assert (men["value"], men["numerator"], men["flag"]) == (20.0, 3, "[u]")
    assert "before the referral" in str(men["note"])  # the negative wait, left out
    assert _row(got, "wait_median", "2")["note"] is None
    everyone = _row(got, "wait_median", "All")
    assert everyone["numerator"] == 16
    assert everyone["value"] == sorted(WOMEN + MEN)[7] + 0.5 * (
        sorted(WOMEN + MEN)[8] - sorted(WOMEN + MEN)[7]
    )
    assert any(
        "1 referrals whose first contact" in c for c in got["wait_median"].definition.caveats
    )


def test_levels_nobody_is_in_are_zero_counts_and_not_applicable(tmp_path: Path) -> None:
    got = _by_key(_waits_scope(f"sqlite:///{tmp_path}/s.db"), "sex")
    nobody = _row(got, "waiting_count", "9")  # indeterminate: nobody in the data
    assert (nobody["value"], nobody["numerator"], nobody["flag"]) == (0.0, 0.0, None)
    for metric in ("wait_median", "wait_within_18w", "dna_rate", "outcome_change_msk_hq"):
        row = _row(got, metric, "9")
        assert (row["value"], row["flag"]) == (None, "[z]"), metric
    levels = breakdown("sex").level_frame()["level_code"].to_list()
    for indicator in got.values():
        assert indicator.frame["level_code"].to_list() == levels  # every level, All last
        assert list(indicator.frame.columns) == list(COLUMNS)
        assert indicator.key == f"{indicator.metric}/sex"


def test_waiting_list_at_the_period_end(store_url: str) -> None:
    rows = {  # referral, first contact, discharge, rejection, attended contacts
        "a": (date(2025, 3, 1), None, None, None, None),  # waited 30 days
        "b": (date(2024, 12, 31), None, None, None, None),  # 90
        "c": (date(2023, 1, 1), None, None, None, None),  # before the period: 820
        "d": (date(2025, 1, 1), date(2025, 4, 10), None, None, 1),  # seen after the end: 89
        "e": (date(2025, 1, 1), None, None, date(2025, 2, 1), None),  # rejected
        "f": (date(2025, 3, 25), None, None, date(2025, 4, 15), None),  # rejected later: 6
        "g": (date(2025, 1, 1), None, date(2025, 3, 15), None, None),  # discharged
        "h": (date(2025, 3, 31), None, date(2025, 4, 20), None, None),  # discharged later: 0
        "i": (date(2025, 1, 1), date(2025, 3, 31), None, None, 1),  # seen on the last day
        "j": (date(2025, 1, 1), None, None, None, 2),  # attended, first contact not dated
    }
    cols = list(zip(*rows.values(), strict=True))
    scope = _scope(
        store_url,
        referral_date=list(cols[0]),
        first_contact_date=list(cols[1]),
        discharge_date=list(cols[2]),
        rejection_date=list(cols[3]),
        contacts_attended=list(cols[4]),
        sex=["2"] * len(rows),
    )
    got = _by_key(scope, "All")
    assert set(got["waiting_count"].frame["level_code"]) == {"All"}
    count = _row(got, "waiting_count", "All")
    assert (count["value"], count["numerator"], count["value_kind"]) == (6.0, 6.0, "count")
    median = _row(got, "waiting_median", "All")  # 0, 6, 30, 89, 90, 820
    assert (median["value"], median["numerator"], median["flag"]) == (30 + 0.5 * 59, 6, None)
    bands = {"0_1w": 2, "1_2w": 0, "2_4w": 0, "4_12w": 1, "12_18w": 2, "18_52w": 0}
    for band, n in {**bands, "52w_plus": 1}.items():
        row = _row(got, f"waiting_band_{band}", "All")
        assert (row["numerator"], row["denominator"]) == (n, 6), band
    gone = _row(got, "discharged_unseen", "All")  # g only (h after the end, c not in period)
    assert (gone["numerator"], gone["denominator"], gone["value"]) == (1, 1, 100.0)


def test_dna_and_cancellation_per_booked_contact(tmp_path: Path) -> None:
    scope = _scope(
        f"sqlite:///{tmp_path}/s.db",
        sex=["2", "2", "1", "1", "2"],
        referral_date=[date(2024, 5, 1)] * 4 + [date(2023, 6, 1)],  # the last: before
        contacts_attended=[5, 3, 0, None, 2],
        contacts_dna=[1, 0, 0, None, 2],
        contacts_cancelled=[0, 1, 0, None, 2],
    )
    got = _by_key(scope, "sex")
    for metric in ("dna_rate", "cancellation_rate"):
        women = _row(got, metric, "2")  # booked 5 + 1 + 0 and 3 + 0 + 1
        assert (women["numerator"], women["denominator"], women["value"]) == (1, 10, 10.0)
        assert (women["lower"], women["upper"]) == pytest.approx(_wilson(1, 10))
        assert women["value_kind"] == "ratio"
        assert women["denominator_is_count"]
        assert women["multiplier"] == 100.0
        assert women["method"] == "Wilson"
        men = _row(got, metric, "1")
        assert (men["denominator"], men["value"], men["flag"]) == (0, None, "[z]")
    assert _row(got, "dna_rate", "All")["denominator"] == 10  # the older referral is not in


def test_discharged_without_being_seen(tmp_path: Path) -> None:
    scope = _scope(
        f"sqlite:///{tmp_path}/s.db",
        referral_date=[date(2024, 6, 1)] * 5,
        first_contact_date=[date(2024, 7, 1), None, None, None, None],
        discharge_date=[
            date(2024, 8, 1),
            date(2024, 9, 1),
            date(2024, 10, 1),
            None,
            date(2025, 5, 1),
        ],
        rejection_date=[None, None, date(2024, 9, 15), None, None],
    )
    row = _row(_by_key(scope, "All"), "discharged_unseen", "All")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)
    assert (row["lower"], row["upper"]) == pytest.approx(_wilson(1, 2))


def test_outcomes_per_tool_with_loose_names_and_the_mcid(store_url: str) -> None:
    scores = [  # tool as written, start, end (all discharged in the period unless noted)
        ("MSK-HQ", 20, 30),  # +10, improved
        ("mskhq", 25, 31),  # +6: exactly the MCID, improved
        ("MSK HQ", 30, 35),  # +5
        ("Musculoskeletal Health Questionnaire", 40, 38),  # -2
        ("EQ-5D-5L", 0.637, 0.700),  # +0.063: exactly the MCID (not 0.06299…)
        ("EQ5D", 0.5, 0.55),  # +0.05
        ("TOMs", 2, 3),  # a tool the app does not know
        ("MSK-HQ", 10, 50),  # not discharged: left out
        ("MSK-HQ", 10, None),  # no end score: left out
    ]
    n = len(scores)
    scope = _scope(
        store_url,
        referral_date=[date(2024, 6, 1)] * n,
        first_contact_date=[date(2024, 6, 10)] * n,
        discharge_date=[date(2024, 9, 1)] * (n - 2) + [None, date(2024, 9, 1)],
        outcome_tool=[s[0] for s in scores],
        outcome_start=[float(s[1]) for s in scores],
        outcome_end=[None if s[2] is None else float(s[2]) for s in scores],
    )
    got = _by_key(scope, "All")
    msk = _row(got, "outcome_change_msk_hq", "All")
    changes = [10.0, 6.0, 5.0, -2.0]
    mu = sum(changes) / 4
    sd = math.sqrt(sum((c - mu) ** 2 for c in changes) / 3)
    half = sps.t.ppf(0.975, 3) * sd / 2
    assert (msk["value"], msk["numerator"], msk["value_kind"]) == (4.75, 4, "simple")
    assert (msk["lower"], msk["upper"]) == pytest.approx((mu - half, mu + half))
    improved = _row(got, "outcome_improved_msk_hq", "All")
    assert (improved["numerator"], improved["denominator"], improved["value"]) == (2, 4, 50.0)
    eq = _row(got, "outcome_change_eq5d5l", "All")
    assert (eq["value"], eq["numerator"]) == (pytest.approx(0.0565), 2)
    assert _row(got, "outcome_improved_eq5d5l", "All")["numerator"] == 1
    toms = _row(got, "outcome_change_toms", "All")
    assert (toms["value"], toms["numerator"], toms["flag"]) == (1.0, 1, "[u]")
    unknown = _row(got, "outcome_improved_toms", "All")
    assert (unknown["value"], unknown["flag"]) == (None, "[x]")
    assert "no MCID" in str(unknown["note"])
    assert got["outcome_change_toms"].definition.title == "Mean change in TOMs (end - start)"
    assert outcome_metric("outcome_improved_toms") is not None


def test_each_referral_takes_its_persons_level(tmp_path: Path) -> None:
    scope = _scope(
        f"sqlite:///{tmp_path}/s.db",
        person_key=["P", "P", "Q", "Q", "R"],
        sex=["1", "2", "1", "2", "1"],  # P's latest referral says female; Q's says male
        referral_date=[
            date(2024, 5, 1),
            date(2024, 10, 1),
            date(2024, 7, 1),
            date(2023, 2, 1),
            date(2023, 6, 1),
        ],
        first_contact_date=[date(2024, 6, 10), date(2024, 11, 30), date(2024, 7, 11), None, None],
    )
    got = _by_key(scope, "sex")
    women = _row(got, "wait_median", "2")  # both of P's referrals: 40 and 60 days
    assert (women["value"], women["numerator"]) == (50.0, 2)
    assert _row(got, "wait_median", "1")["value"] == 10.0
    # Q's open referral from 2023 takes Q's level (male); R, not referred in the period,
    # keeps the sex recorded on the referral (male)
    assert _row(got, "waiting_count", "1")["value"] == 2
    assert _row(got, "waiting_count", "2")["value"] == 0


def test_pairs_and_the_all_row_agree_with_the_all_breakdown(tmp_path: Path) -> None:
    scope = _waits_scope(f"sqlite:///{tmp_path}/s.db")
    pair = _by_key(scope, "sex×imd_quintile")
    assert _row(pair, "wait_median", "2|2")["value"] == 29.0  # decile 3 is quintile 2
    assert _row(pair, "wait_median", "2|1")["flag"] == "[z]"
    everyone = _by_key(scope, "All")
    for metric in ("wait_median", "wait_within_18w", "waiting_count"):
        a, b = _row(pair, metric, "All"), _row(everyone, metric, "All")
        assert (a["value"], a["lower"], a["numerator"]) == (b["value"], b["lower"], b["numerator"])
        assert a["breakdown_key"] == "sex×imd_quintile"
        assert b["breakdown_key"] == "All"


def test_metrics_are_declared_once_and_disclosure_can_read_them(tmp_path: Path) -> None:
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys))
    assert {"wait_median", "dna_rate", "outcome_change_msk_hq", "outcome_improved_eq5d5l"} <= set(
        keys
    )
    for m in METRICS:
        assert m.section == "consequences"
        assert (m.value_kind == "ratio") == (m.unit == "%") == m.denominator_is_count
    polarity = {m.key: m.polarity for m in METRICS}
    assert polarity["wait_median"] == polarity["dna_rate"] == "lower"
    assert polarity["outcome_change_msk_hq"] == polarity["wait_within_18w"] == "higher"
    got = _by_key(_waits_scope(f"sqlite:///{tmp_path}/s.db"), "sex")
    frame = pl.concat([i.frame for i in got.values()])
    published = apply_disclosure(frame, "hes")
    men = published.filter(pl.col("metric") == "wait_median", pl.col("level_code") == "1")
    assert men["flag"][0] == "[c]"
    assert men["value"][0] is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("MSK-HQ", "msk_hq"),
        ("mskhq", "msk_hq"),
        ("MSK HQ score", "msk_hq"),
        ("EQ-5D-5L", "eq5d5l"),
        ("EQ5D", "eq5d5l"),
        ("eq-5d-5l index", "eq5d5l"),
        ("EQ-5D-3L", "eq5d3l"),  # another instrument: not the 5L index
        ("EQ VAS", "eqvas"),
        ("TOMs", "toms"),
        ("  ", None),
    ],
)
def test_tool_names_match_loosely(name: str, key: str | None) -> None:
    assert outcome_tools.tool_key(name) == key
    assert pl.select(outcome_tools.tool_key_expr(pl.lit(name))).item() == key
    known = outcome_tools.tool(key) if key else None
    assert (known is not None) == (key in ("msk_hq", "eq5d5l"))
    if known is not None:
        assert known.mcid == {"msk_hq": 6.0, "eq5d5l": 0.063}[key]
