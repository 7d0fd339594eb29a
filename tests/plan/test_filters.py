"""The plan's one filter: every accepted form, and one clear line for each bad value."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest

from rehabdash.codes.team_type import CODES, REHAB_CODES
from rehabdash.plan import Area, FilterError, PlanFilter, parse_filter
from rehabdash.queries.live import REHAB_TEAM_TYPES
from rehabdash.queries.periods import financial_year, parse_period


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2024-25", "2024-25", date(2024, 4, 1), date(2025, 3, 31)),
        ("2024/25", "2024-25", date(2024, 4, 1), date(2025, 3, 31)),
        ("FY2024-2025", "2024-25", date(2024, 4, 1), date(2025, 3, 31)),
        ("2024-25 Q1", "2024-25 Q1", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-25 Q3", "2024-25 Q3", date(2024, 10, 1), date(2024, 12, 31)),
        ("2023-24 q4", "2023-24 Q4", date(2024, 1, 1), date(2024, 3, 31)),  # leap year
        ("2025-03", "2025-03", date(2025, 3, 1), date(2025, 3, 31)),
        ("2024-02", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-04-01..2025-03-31", "2024-04-01..2025-03-31", date(2024, 4, 1), date(2025, 3, 31)),
        (
            " 2024-04-01 .. 2024-04-30 ",
            "2024-04-01..2024-04-30",
            date(2024, 4, 1),
            date(2024, 4, 30),
        ),
    ],
)
def test_periods_in_every_form(text: str, label: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-25 Q5", "period '2024-25 Q5': quarter must be Q1 to Q4"),
        ("2024-26", "period '2024-26': a financial year runs from one year to the next (2024-25)"),
        ("2025-00", "period '2025-00': month must be 01 to 12"),
        ("2025-13", "period '2025-13': a financial year runs from one year to the next"),
        ("2025-03-31..2024-04-01", "the range ends before it starts"),
        ("2024-02-30..2024-03-31", "2024-02-30 is not a date"),
        ("last year", "period 'last year': not a period: use 2024-25"),
        ("", "no period given"),
    ],
)
def test_bad_periods_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_period(text)
    with pytest.raises(FilterError) as caught:
        parse_filter(period=text)
    assert "\n" not in str(caught.value)


def test_quarters_tile_the_financial_year() -> None:
    year = parse_period("2024-25")
    quarters = [parse_period(f"2024-25 Q{q}") for q in range(1, 5)]
    assert quarters[0].start == year.start
    assert quarters[-1].end == year.end
    for before, after in itertools.pairwise(quarters):
        assert (after.start - before.end).days == 1
    assert financial_year(date(2025, 2, 1)) == year


def test_defaults_are_the_rehab_set_everything_else_open() -> None:
    plan = parse_filter(period="2024-25")
    assert plan.team_types == tuple(sorted(REHAB_CODES)) == REHAB_TEAM_TYPES
    assert plan.rehab_only
    assert (plan.providers, plan.services, plan.area, plan.imd_edition) == ((), (), None, None)
    assert plan.age == (0, 120)
    assert set(CODES) >= REHAB_CODES  # one code list, one rehab set within it


def test_filter_is_hashable_and_equal_when_written_differently() -> None:
    a = parse_filter(period="2024-25 Q3", providers="ry1, rxg", team_types=["26", "20"])
    b = parse_filter(period="2024-25  q3", providers=["RXG", "RY1"], team_types="20,26")
    assert a == b
    assert hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert a.team_types == ("20", "26")


@pytest.mark.parametrize(
    ("age", "expected"),
    [("18-64", (18, 64)), ("65+", (65, 120)), ("-17", (0, 17)), ("40", (40, 40)), (None, (0, 120))],
)
def test_age_ranges(age: str | None, expected: tuple[int, int]) -> None:
    assert parse_filter(period="2024-25", age=age).age == expected


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("icb:QWO", Area("icb", "QWO")),
        ("QWO", Area("icb", "QWO")),
        ("E54000054", Area("icb", "E54000054")),
        ("e38000225", Area("sicb", "E38000225")),
        ("E08000035", Area("lad", "E08000035")),
        ("U12345", Area("pcn", "U12345")),
        ("E01011229", Area("lsoa", "E01011229")),
        ("msoa:E02002330", Area("msoa", "E02002330")),
    ],
)
def test_areas_by_kind_or_by_shape(text: str, area: Area) -> None:
    assert parse_filter(period="2024-25", area=text).area == area


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"providers": "R!1"}, "provider 'R!1': not an ODS code"),
        ({"team_types": "physio"}, "team type 'physio': give CSDS team type codes"),
        ({"age": "65-18"}, "age '65-18': ages run from 0 to 120"),
        ({"age": "old"}, "age 'old': use a range such as 18-64"),
        ({"age": "65+70"}, "age '65+70': use 65+"),
        ({"area": "ward:E05001"}, "area 'ward:E05001': unknown kind 'ward'"),
        ({"area": "Leeds"}, "area 'Leeds': not an area code"),
        ({"imd_edition": "2015"}, "IMD edition '2015': use 2019 or 2025"),
    ],
)
def test_bad_options_say_which_and_why(options: dict[str, str], message: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(period="2024-25", **options)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_team_types_all_and_rehab_plus() -> None:
    assert parse_filter(period="2024-25", team_types="all").team_types == ()
    more = parse_filter(period="2024-25", team_types="rehab, 12").team_types
    assert set(more) == REHAB_CODES | {"12"}
    assert parse_filter(period="2024-25", team_types="4").team_types == ("04",)


def test_description_names_what_is_filtered() -> None:
    plan = parse_filter(period="2024-25 Q3", providers="RY1", age="65+", area="icb:QWO")
    assert plan.describe() == (
        "2024-25 Q3; integrated care board QWO; provider RY1; rehab team types; ages 65+"
    )
    assert isinstance(plan, PlanFilter)
