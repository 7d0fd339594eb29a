"""Disclosure control: hand-worked tables, and an attacker who must fail to undo it."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl
import pytest
from disclosure_helpers import (
    TOTAL,
    Cell,
    Constraint,
    attack,
    breakdown_table,
    counts_frame,
    frame,
    pair_table,
    published,
    row,
    tables,
)
from hypothesis import HealthCheck, assume, find, given, settings

from rehabdash.plan import disclosure
from rehabdash.plan.disclosure import (
    DISCLOSURE_NOTE,
    RULES,
    DisclosureRule,
    apply_disclosure,
    disclosure_note,
    rule,
)
from rehabdash.plan.result import COLUMNS, empty_frame, pair_key
from rehabdash.stats import proportion, rate

#: Suppression without rounding: secondary suppression is then all that protects.
SUPPRESS_ONLY = DisclosureRule("test", "a suppress-only test rule", 8, 1)
ATTACK = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def by_level(out: pl.DataFrame, *columns: str) -> dict[str, tuple[Any, ...]]:
    return {r[0]: r[1:] for r in out.select("level_code", *columns).rows()}


def one_count_each(counts: list[int]) -> pl.DataFrame:
    """Each count its own metric's All row: no totals to add up."""
    return frame(
        row(breakdown_key="All", level_code="All", metric=f"m{i}", value=float(n))
        for i, n in enumerate(counts)
    )


# -- the rules ------------------------------------------------------------------------


def test_rules_and_their_notes() -> None:
    assert RULES == ("hes", "mhsds", "none")
    assert (rule("hes").threshold, rule("hes").base) == (8, 5)
    assert (rule("mhsds").threshold, rule("mhsds").base) == (5, 5)
    assert rule(SUPPRESS_ONLY) is SUPPRESS_ONLY
    assert disclosure_note("hes") == DISCLOSURE_NOTE
    assert DISCLOSURE_NOTE.startswith(
        "Small numbers suppressed under the HES/ECDS rule: counts of 1 to 7 are shown as [c] "
        "and others rounded to the nearest 5; rates are computed from the rounded numbers"
    )
    assert "counts of 1 to 4 are shown as [c]" in disclosure_note("mhsds")
    assert disclosure_note("none").startswith("No disclosure control was applied")
    assert "not rounded" in disclosure_note(SUPPRESS_ONLY)


def test_an_unknown_rule_is_one_clear_line() -> None:
    with pytest.raises(ValueError, match=r"^unknown disclosure rule 'HES': choose one of hes, mh"):
        rule("HES")
    with pytest.raises(ValueError, match="unknown disclosure rule"):
        apply_disclosure(one_count_each([3]), "strict")


def test_missing_columns_and_ratios_that_cannot_be_recomputed_are_refused() -> None:
    with pytest.raises(ValueError, match="needs the columns flag"):
        apply_disclosure(one_count_each([3]).drop("flag"))
    bad = frame([row(value=2.5, numerator=25.0, denominator=1000.0, value_kind="ratio")])
    with pytest.raises(ValueError, match=r"seen \(sex None\) is a ratio without"):
        apply_disclosure(bad)
    pair = frame([row(breakdown_key=pair_key("age", "sex"), level_code="A1", value=9.0)])
    with pytest.raises(ValueError, match=r"not of the form 'x\|y'"):
        apply_disclosure(pair)


# -- counts ---------------------------------------------------------------------------

HES = {0: 0, 1: None, 3: None, 7: None, 8: 10, 12: 10, 13: 15, 17: 15, 18: 20, 102: 100, 103: 105}
MHSDS = {0: 0, 1: None, 4: None, 5: 5, 7: 5, 8: 10, 12: 10, 13: 15, 102: 100}


@pytest.mark.parametrize(("name", "expected"), [("hes", HES), ("mhsds", MHSDS)])
def test_counts_are_suppressed_or_rounded_to_5(name: str, expected: dict[int, int]) -> None:
    out = apply_disclosure(one_count_each(list(expected)), name)
    for n, (value, numerator, flag) in zip(
        expected, out.select("value", "numerator", "flag").rows(), strict=True
    ):
        want = expected[n]
        assert (value, numerator) == (want, want), n
        assert flag == ("[c]" if want is None else None), n  # a true zero is 0, unflagged
    assert out.schema == pl.Schema(COLUMNS)
    assert out.height == len(expected)


@pytest.mark.parametrize("name", RULES)
def test_an_empty_table_stays_empty(name: str) -> None:
    given_ = empty_frame(series=True, areas=True)
    assert apply_disclosure(given_, name).schema == given_.schema


def test_none_changes_nothing_but_says_so() -> None:
    given_ = one_count_each([3, 12]).with_columns(note=pl.Series(["from the provider", None]))
    out = apply_disclosure(given_, "none")
    assert out.drop("note").equals(given_.drop("note"))
    assert out["note"].to_list() == [
        "from the provider; no disclosure control applied: not for publication",
        "no disclosure control applied: not for publication",
    ]


def test_flags_x_and_z_are_kept_and_u_gives_way_to_c() -> None:
    rows = [
        row(
            breakdown_key="All", level_code="All", metric="a", value=None, numerator=3.0, flag="[x]"
        ),
        row(
            breakdown_key="All",
            level_code="All",
            metric="b",
            value=None,
            numerator=40.0,
            flag="[z]",
        ),
        row(breakdown_key="All", level_code="All", metric="c", value=3.0, flag="[u]"),
        row(breakdown_key="All", level_code="All", metric="d", value=41.0, flag="[u]"),
    ]
    out = apply_disclosure(frame(rows)).select("value", "numerator", "flag").rows()
    assert out == [
        (None, None, "[x]"),
        (None, 40.0, "[z]"),
        (None, None, "[c]"),
        (40.0, 40.0, "[u]"),
    ]


# -- ratios, simple and complex statistics ---------------------------------------------


def ratio(numerator: float, denominator: float, *, per: float = 1000.0, **fields: Any) -> dict:
    fields.setdefault("denominator_is_count", True)
    fields.setdefault("value", numerator / denominator * per)
    return row(
        value_kind="ratio", numerator=numerator, denominator=denominator, multiplier=per, **fields
    )


def test_rates_are_recomputed_from_the_rounded_numbers() -> None:
    rows = [
        ratio(23, 1000, level_code="A"),  # 25 / 1,000 x 1,000 = 25
        ratio(23, 1003, level_code="B"),  # 25 / 1,005 x 1,000
        ratio(23, 1003, level_code="C", denominator_is_count=False),  # population: kept
        ratio(0, 40, level_code="D"),  # a true zero
        ratio(3, 40, level_code="E"),
        ratio(20, 4, level_code="F"),  # the denominator is the small number
    ]
    out = by_level(
        apply_disclosure(frame(rows), "hes"), "value", "numerator", "denominator", "flag"
    )
    assert out["A"] == (25.0, 25.0, 1000.0, None)
    assert out["B"] == pytest.approx((25 / 1005 * 1000, 25.0, 1005.0, None))
    assert out["C"] == pytest.approx((25 / 1003 * 1000, 25.0, 1003.0, None))
    assert out["D"] == (0.0, 0.0, 40.0, None)
    assert out["E"] == (None, None, 40.0, "[c]")
    assert out["F"] == (None, 20.0, None, "[c]")


def test_mhsds_suppresses_rates_whose_numerator_or_denominator_is_below_5() -> None:
    rows = [
        ratio(4, 50, level_code="A"),
        ratio(12, 4, level_code="B"),
        ratio(5, 50, level_code="C"),
        ratio(12, 5, level_code="D"),
        ratio(12, 4, level_code="E", denominator_is_count=False),  # a population of 4
    ]
    out = by_level(apply_disclosure(frame(rows), "mhsds"), "value", "flag")
    assert out == {
        "A": (None, "[c]"),
        "B": (None, "[c]"),
        "C": (100.0, None),  # 5 / 50 x 1,000
        "D": (2000.0, None),  # 10 / 5 x 1,000
        "E": (2500.0, None),  # 10 / 4 x 1,000: populations are not suppressed
    }


def limits(fn: Any, x: float, n: float, **options: Any) -> tuple[float, float, str]:
    got = fn(pl.DataFrame({"x": [x], "n": [n]}), "x", "n", **options).row(0, named=True)
    return got["lower"], got["upper"], got["method"]


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_wilson_and_poisson_intervals_are_recomputed_at_their_level(confidence: float) -> None:
    p_low, p_high, _ = limits(proportion, 23, 1000, multiplier=100, confidence=confidence)
    r_low, r_high, _ = limits(rate, 9, 10_000, multiplier=1000, confidence=confidence)
    c_low, c_high, _ = limits(rate, 23, 1, multiplier=1, confidence=confidence)
    rows = [
        ratio(23, 1000, per=100, lower=p_low, upper=p_high, method="Wilson", level_code="P"),
        ratio(9, 10_000, lower=r_low, upper=r_high, method="Exact", level_code="R"),
        row(value=23.0, lower=c_low, upper=c_high, method="Byars", metric="n", level_code="C"),
    ]
    rows[1]["denominator_is_count"] = False
    out = by_level(apply_disclosure(frame(rows)), "value", "lower", "upper", "method")
    want_p = limits(proportion, 25, 1000, multiplier=100, confidence=confidence)
    want_r = limits(rate, 10, 10_000, multiplier=1000, confidence=confidence)
    want_c = limits(rate, 25, 1, multiplier=1, confidence=confidence)
    assert out["P"] == pytest.approx((2.5, *want_p[:2], "Wilson"))
    assert out["R"] == pytest.approx((1.0, *want_r[:2], "Byars"))  # 10 events: Byar's now
    assert want_r[2] == "Byars"
    assert out["C"] == pytest.approx((25.0, *want_c[:2], "Byars"))


def test_other_intervals_on_rounded_numbers_are_withheld_with_a_note() -> None:
    rows = [
        ratio(23, 1000, lower=15.0, upper=35.0, method="Normal", level_code="A"),
        ratio(25, 1000, lower=15.0, upper=35.0, method="Normal", level_code="B"),  # unchanged
        ratio(3, 1000, lower=1.0, upper=9.0, method="Wilson", level_code="C"),
    ]
    out = by_level(apply_disclosure(frame(rows)), "lower", "upper", "note")
    assert out["A"] == (None, None, disclosure._WITHHELD)
    assert out["B"] == (15.0, 35.0, None)
    assert out["C"] == (None, None, None)  # suppressed, so no interval


def test_simple_statistics_of_few_people_are_suppressed_complex_ones_kept() -> None:
    rows = [
        row(level_code="A", value_kind="simple", value=41.5, numerator=5.0, unit="days"),
        row(level_code="B", value_kind="simple", value=38.0, numerator=12.0, unit="days"),
        row(level_code="C", value_kind="complex", value=310.0, lower=64.0, upper=905.0,
            numerator=3.0, denominator=968.0, denominator_is_count=False, flag="[u]"),
    ]  # fmt: skip
    columns = ("value", "lower", "numerator", "denominator", "flag")
    hes = by_level(apply_disclosure(frame(rows), "hes"), *columns)
    assert hes == {
        "A": (None, None, None, None, "[c]"),
        "B": (38.0, None, 10.0, None, None),
        "C": (310.0, 64.0, None, 968.0, "[u]"),
    }
    mhsds = by_level(apply_disclosure(frame(rows), "mhsds"), *columns)
    assert mhsds["A"] == (41.5, None, 5.0, None, None)


# -- secondary suppression ----------------------------------------------------------


def shown_counts(counts: dict[Cell, int], name: str | DisclosureRule = "hes") -> dict:
    return published(apply_disclosure(counts_frame(counts), name))


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    cells, _ = breakdown_table([3, 40, 50, 0])
    assert list(shown_counts(cells).values()) == [None, None, 50.0, 0.0, 95.0]
    plain = published(disclosure._apply(counts_frame(cells), "hes", secondary=False))
    assert list(plain.values()) == [None, 40.0, 50.0, 0.0, 95.0]


def test_of_equal_cells_the_first_goes() -> None:
    cells, _ = breakdown_table([1, 8, 8])
    assert list(shown_counts(cells).values()) == [None, None, 10.0, 15.0]


def test_a_pair_table_with_margins_and_a_chain() -> None:
    """3 takes 20 (its row) and 30 (its column); hiding 30 leaves 40 alone in its row."""
    cells, _ = pair_table([[3, 20], [30, 40]])
    shown = shown_counts(cells)
    key = pair_key("age", "sex")
    assert [shown[(key, c)] for c in ("a0|s0", "a0|s1", "a1|s0", "a1|s1")] == [None] * 4
    assert [shown[("age", "a0")], shown[("age", "a1")]] == [25.0, 70.0]
    assert [shown[("sex", "s0")], shown[("sex", "s1")], shown[TOTAL]] == [35.0, 60.0, 95.0]


def test_a_margin_against_the_intersections_is_caught_by_the_rank_test() -> None:
    """s3 = a0 + a1 (its column holds only rows a0 and a1) = All - a2: hide All too."""
    cells, constraints = pair_table([[0, 0, 0, 1], [0, 0, 0, 2], [0, 1, 7, 0]])
    shown = shown_counts(cells, SUPPRESS_ONLY)
    assert shown[TOTAL] is None
    assert shown[("age", "a2")] == 8.0
    ranges = attack(shown, constraints, threshold=8, base=1, floor=0)
    low, high = ranges[("sex", "s3")]
    assert (low, high > 100) == (0, True)


def test_ranges_of_rounded_numbers_are_caught_too() -> None:
    """MHSDS 4 + 4 = 8, published as 10 (8 to 12): two cells of 1 to 4 must both be 4."""
    cells, constraints = breakdown_table([4, 4])
    plain = published(disclosure._apply(counts_frame(cells), "mhsds", secondary=False))
    assert plain[TOTAL] == 10.0
    small = [("sex", "L0"), ("sex", "L1")]
    assert attack(plain, constraints, threshold=5, base=5, small=small)[small[0]] == (4, 4)
    assert list(shown_counts(cells, "mhsds").values()) == [None, None, None]


def test_cells_pinned_by_being_small_alone_set_off_no_cascade() -> None:
    """MHSDS: column s1 is four 1s and s1 is 4. A reader told that all five are 1 to 4
    knows them all; no suppression elsewhere can change that, so none is made for it."""
    cells, constraints = pair_table([[50, 1], [60, 1], [70, 1], [80, 1]])
    shown = shown_counts(cells, "mhsds")
    assert [shown[("age", f"a{x}")] for x in range(4)] == [50.0, 60.0, 70.0, 80.0]
    assert shown[TOTAL] == 265.0
    assert [shown[("sex", "s0")], shown[("sex", "s1")]] == [None, None]  # s0: s1's partner
    assert realistic((cells, constraints), "mhsds") == []
    assert ("sex", "s1") in told((cells, constraints), "mhsds")  # the known limit


def test_the_all_row_inside_a_breakdown_is_the_same_cell() -> None:
    rows = [row(level_code=c, value=v) for c, v in (("L0", 4.0), ("L1", 4.0), ("All", 8.0))]
    rows.append(row(breakdown_key="All", level_code="All", value=8.0))
    out = apply_disclosure(frame(rows), "mhsds")
    assert out["flag"].to_list() == ["[c]"] * 4


def test_metrics_periods_and_areas_are_separate_tables() -> None:
    def table(metric: str, period: str, area: str, small: int) -> list[dict]:
        levels = {"L0": small, "L1": 40, "All": small + 40}
        return [
            row(metric=metric, period=period, area=area, level_code=c, value=float(v))
            for c, v in levels.items()
        ]

    rows = table("seen", "2024-25", "E1", 3) + table("seen", "2023-24", "E1", 30)
    rows += table("seen", "2024-25", "E2", 30) + table("referred", "2024-25", "E1", 30)
    out = apply_disclosure(frame(rows, period=pl.String(), area=pl.String()))
    assert out["flag"].to_list() == ["[c]", "[c]"] + [None] * 10


def test_ratio_numerators_and_count_denominators_are_cells() -> None:
    """Rates of 2 of 5, 20 of 40 and 30 of 50 people: both small ones take the next."""
    rows = [
        ratio(2, 5, level_code="L0"),
        ratio(20, 40, level_code="L1"),
        ratio(30, 50, level_code="L2"),
        ratio(52, 95, breakdown_key="All", level_code="All"),
    ]
    out = by_level(apply_disclosure(frame(rows)), "numerator", "denominator", "flag")
    assert out == {
        "L0": (None, None, "[c]"),
        "L1": (None, None, "[c]"),
        "L2": (30.0, 50.0, None),
        "All": (50.0, 95.0, None),
    }


def test_five_thousand_rows_take_well_under_a_second() -> None:
    rng = np.random.default_rng(7)
    rows = []
    for metric in ("seen", "referred", "discharged"):
        for period in range(40):
            grid = rng.choice([0, 1, 3, 6, 9, 14, 40, 200], size=(6, 5))
            cells, _ = pair_table(grid.tolist())
            rows += [
                row(breakdown_key=bk, level_code=lc, value=float(n), period=str(period))
                | {"metric": metric}
                for (bk, lc), n in cells.items()
            ]
    big = frame(rows, period=pl.String())
    assert big.height == 5040
    start = time.perf_counter()
    out = apply_disclosure(big)
    assert time.perf_counter() - start < 1.0
    assert out.height == big.height


# -- the attacker -------------------------------------------------------------------


def run(table: tuple[dict[Cell, int], list[Constraint]], name: str | DisclosureRule, **kw: Any):
    cells, constraints = table
    chosen = rule(name)
    out = disclosure._apply(counts_frame(cells), chosen, secondary=kw.pop("secondary", True))
    shown = published(out)
    small = [c for c, n in cells.items() if 0 < n < chosen.threshold]
    return cells, constraints, chosen, shown, small


def check_truth(ranges: dict[Cell, tuple[float, float]], cells: dict[Cell, int]) -> None:
    """The attacker's model is right: every true value lies in its range."""
    for cell, (low, high) in ranges.items():
        assert low <= cells[cell] <= high, cell


def realistic(table: Any, name: str | DisclosureRule, **kw: Any) -> list[Cell]:
    """Small cells an attacker pins, who knows the rule (a [c] is 1 or more) but not the data."""
    cells, constraints, chosen, shown, small = run(table, name, **kw)
    ranges = attack(shown, constraints, threshold=chosen.threshold, base=chosen.base)
    check_truth(ranges, cells)
    return [c for c in small if ranges[c][1] == ranges[c][0]]


def told(table: Any, name: str | DisclosureRule, **kw: Any) -> list[Cell]:
    """Small cells pinned by an attacker told which [c] are the small ones (1 to t - 1)."""
    cells, constraints, chosen, shown, small = run(table, name, **kw)
    t, base = chosen.threshold, chosen.base
    ranges = attack(shown, constraints, threshold=t, base=base, small=small, floor=0)
    check_truth(ranges, cells)
    return [c for c in small if ranges[c][1] == ranges[c][0]]


def linear(table: Any, name: str | DisclosureRule, **kw: Any) -> list[Cell]:
    """Suppressed cells fixed by the published numbers alone (any [c] 0 or more)."""
    cells, constraints, chosen, shown, _ = run(table, name, **kw)
    ranges = attack(shown, constraints, threshold=chosen.threshold, base=chosen.base, floor=0)
    check_truth(ranges, cells)
    return [c for c, (low, high) in ranges.items() if high == low]


@pytest.mark.parametrize("name", ["hes", "mhsds"])
@ATTACK
@given(table=tables)
def test_a_reader_who_knows_the_rule_cannot_pin_a_small_cell(name: str, table: Any) -> None:
    assert realistic(table, name) == []


@pytest.mark.parametrize("name", ["hes", "mhsds"])
@ATTACK
@given(table=tables)
def test_nor_one_told_which_cells_are_small_when_the_totals_are_not(name: str, table: Any) -> None:
    cells, constraints = table
    threshold = rule(name).threshold
    assume(all(not 0 < cells[total] < threshold for total, _ in constraints))
    assert told(table, name) == []


@ATTACK
@given(table=tables)
def test_without_rounding_no_suppressed_cell_follows_from_the_totals(table: Any) -> None:
    assert linear(table, SUPPRESS_ONLY) == []


@given(table=tables)
@settings(max_examples=150, deadline=None)
def test_zeros_stay_zero_and_every_published_count_is_a_multiple_of_5(table: Any) -> None:
    cells, _ = table
    shown = shown_counts(cells)
    for cell, n in cells.items():
        if n == 0:
            assert shown[cell] == 0
        elif n < 8:
            assert shown[cell] is None
        if shown[cell] is not None:
            assert shown[cell] % 5 == 0
            assert abs(shown[cell] - n) <= 2


@pytest.mark.parametrize(
    ("attacker", "name", "levels", "pinned"),
    [
        # 8 and 8 shown as 10 and 10 (8 to 12 each), All 17 as 15 (13 to 17): L0 <= 1
        (realistic, "hes", [1, 8, 8], ["L0"]),
        # All 7 and L2 5 shown as 5 (5 to 7): L0 + L1 <= 2
        (realistic, "mhsds", [1, 1, 5], ["L0", "L1"]),
        # 8 shown as 10 (8 to 12), 58 as 60 (58 to 62), All 67 as 65 (63 to 67): L0 <= 1
        (told, "hes", [1, 8, 58], ["L0"]),
        (told, "mhsds", [4, 4], ["L0", "L1"]),
        (linear, SUPPRESS_ONLY, [3, 40], ["L0"]),
    ],
)
def test_the_attacks_succeed_without_secondary_suppression(
    attacker: Any, name: Any, levels: list[int], pinned: list[str]
) -> None:
    """So the properties above have teeth: the same attacker wins on these tables."""
    table = breakdown_table(levels)
    assert attacker(table, name, secondary=False) == [("sex", c) for c in pinned]
    assert attacker(table, name) == []


def test_the_table_generator_reaches_tables_the_attack_wins_on() -> None:
    """Over the generated tables, switching secondary suppression off lets the attack win."""
    # Derandomised: the search is then the same on every run (a random one can miss).
    settings_ = settings(max_examples=2000, deadline=None, database=None, derandomize=True)
    found = find(tables, lambda t: bool(realistic(t, "hes", secondary=False)), settings=settings_)
    assert realistic(found, "hes", secondary=False)
    assert realistic(found, "hes") == []
