"""The session's drill (issue 14), Qt-free: while the filter is drilled to an area a map
or the PCN table chose, the page of that kind of area asks with the filter before the
drill; every other page, and any other area, keeps the filter as it is."""

from __future__ import annotations

from rehabdash.plan import parse_filter
from rehabdash.ui.session import Session


def test_a_drilled_filter_is_undone_only_for_its_kinds() -> None:
    session = Session("")
    session.drill = ("neighbourhood:Leeds north 1", "lad:E08000035")
    drilled = parse_filter(period="2024-25", area="neighbourhood:Leeds north 1")
    session.filter = drilled
    assert drilled.area is not None
    assert drilled.area.code == "LEEDS NORTH 1"  # the filter keeps codes in capitals
    assert session.drilled_code() == "LEEDS NORTH 1"
    back = session.undrilled(drilled, ("lsoa", "neighbourhood"))
    assert back.area is not None
    assert (back.area.kind, back.area.code) == ("lad", "E08000035")
    assert back.period == drilled.period
    assert session.undrilled(drilled, ("pcn",)) is drilled  # the PCN table: drilled
    other = parse_filter(period="2024-25", area="lsoa:E01010646")
    assert session.undrilled(other, ("lsoa",)) is other  # not the area drilled to
    session.filter = other
    assert session.drilled_code() is None


def test_a_drill_from_the_whole_population_goes_back_to_it() -> None:
    session = Session("")
    session.drill = ("lsoa:E01010646", "")
    drilled = parse_filter(period="2024-25", area="lsoa:E01010646", age="65+")
    assert session.undrilled(drilled, ("lsoa",)).area is None
    assert session.undrilled(drilled, ("lsoa",)).age == drilled.age
