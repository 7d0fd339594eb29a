"""What a chart of an indicator draws: rows in order, "All" first, empty states apart."""

from __future__ import annotations

from chart_helpers import ROWS, indicator

from rehabdash.plan.chart_data import STATES, chart_data


def test_rows_keep_the_order_with_all_first_and_each_state_apart() -> None:
    data = chart_data(indicator())
    assert [r.code for r in data.rows] == ["All", "A", "J", "R", "K", "Z", "S", "99"]
    states = {r.code: r.state for r in data.rows}
    assert states == {
        "All": "value",
        "A": "value",
        "J": "value",
        "R": "zero",  # a true zero, not a missing value
        "K": "suppressed",
        "Z": "not_applicable",
        "S": "low",  # drawn, with its value, and marked
        "99": "not_available",
    }
    low = next(r for r in data.rows if r.code == "S")
    assert (low.value, low.lower, low.upper) == (12.0, 3.1, 30.6)
    assert data.value_title == "People seen per 1,000 population"
    assert data.breakdown == "Ethnic group"
    assert data.has_intervals
    assert data.recorded
    assert data.states() == [
        "value",
        "zero",
        "suppressed",
        "not_available",
        "not_applicable",
        "low",
    ]
    assert data.caveats == ("Ethnicity is recorded for only 70% of people",)


def test_the_table_is_the_rows_drawn_with_shorthand_for_the_empty_states() -> None:
    table = chart_data(indicator()).table()
    header, *rows = table
    assert header[:4] == ["Group", "Value", "Lower 95%", "Upper 95%"]
    by_label = {r[0]: r for r in rows}
    assert len(rows) == len(ROWS)
    assert by_label["All"][1:6] == ["38.2", "37.6", "38.8", "15,000", "392,670"]
    assert by_label["Chinese (R)"][1] == "0"
    assert by_label["Bangladeshi (K)"][1] == "[c]"
    assert by_label["Bangladeshi (K)"][6] == "1 to 7 people"
    assert by_label["Not stated (Z)"][1] == "[z]"
    assert by_label["Not known (99)"][1] == "[x]"
    assert by_label["Any other ethnic group (S)"][6] == f"few people; {STATES['low']}"
    tsv = chart_data(indicator()).tsv()
    assert tsv.splitlines()[0].split("\t") == header
    assert len(tsv.splitlines()) == len(rows) + 1


def test_a_breakdown_with_nothing_recorded_says_so() -> None:
    only_all = [ROWS[1], ("99", "Not known (99)", None, None, None, 80.0, None, "[x]", None)]
    data = chart_data(indicator(only_all))
    assert not data.recorded
    assert [r.code for r in data.rows] == ["All", "99"]
