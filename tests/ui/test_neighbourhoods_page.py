"""The Neighbourhoods and PCNs pages (issue 14): the map draws every area of the scope
once, each in the colour its observed ÷ expected gives (read back from the scene's
items, the class worked out here from the palette's documented bounds); the sites are
marked; a new filter on the same areas recolours without redrawing; a click on an area
drills the other pages to it while the map keeps its areas; the PCN table sorts and
drills; access by distance is drawn."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from areas_store import A, B, C, D, areas_store, centroid
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from rehabdash.palette import (
    RATIO_BOUNDS,
    RATIO_COLOURS,
    RATIO_NO_DATA_COLOUR,
    RATIO_NOT_SIGNIFICANT_HATCH,
)
from rehabdash.plan import parse_filter
from rehabdash.refdata.boundaries import equirectangular
from rehabdash.ui.charts.area_map import HATCH
from rehabdash.ui.main_window import MainWindow
from rehabdash.ui.pages.neighbourhoods import NeighbourhoodsPage
from rehabdash.ui.pages.pcns import PcnsPage
from rehabdash.ui.pages.registry import PAGES
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner


def _page(
    qtbot: QtBot, tmp_path: Path, level: str = "lsoa", *, lookup_imported: bool = True
) -> NeighbourhoodsPage:
    session = Session("")
    session.opened(areas_store(f"sqlite:///{tmp_path / 's.db'}", lookup_imported=lookup_imported))
    page = NeighbourhoodsPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=30_000)
    if level != "lsoa":
        page.level_choice.setCurrentIndex(page.level_choice.findData(level))
        qtbot.waitUntil(lambda: page.drawn is not None and page.drawn.level == level)
    return page


def _expected_colour(value: float | None, lower: float | None, upper: float | None) -> str:
    """The documented classes: below RATIO_BOUNDS[0] the first colour, each bound up to
    (not including) the next; hatched when the interval includes 1; white for none."""
    if value is None:
        return RATIO_NO_DATA_COLOUR
    if lower is not None and upper is not None and lower <= 1 <= upper:
        return RATIO_NOT_SIGNIFICANT_HATCH
    index = sum(1 for bound in RATIO_BOUNDS if value >= bound)
    return RATIO_COLOURS[index]


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_every_area_once_in_the_colour_its_ratio_gives(qtbot: QtBot, tmp_path: Path) -> None:
    page = _page(qtbot, tmp_path)
    assert page.drawn is not None
    items = page.map.area_items()
    assert sorted(items) == sorted([A, B, C, D])  # each LSOA of the scope, once
    ratios = page.drawn.table.select(
        "code", "Observed ÷ expected", "O/E lower 95%", "O/E upper 95%"
    )
    for code, value, lower, upper in ratios.iter_rows():
        colour = _expected_colour(value, lower, upper)
        assert page.map.area_brush(code).name().upper() == colour.upper(), code
        hatched = items[code].brush().style() == HATCH
        assert hatched == (colour == RATIO_NOT_SIGNIFICANT_HATCH)
    # The two sites are marked, at their places.
    assert page.drawn.sites.height == 2
    assert set(page.drawn.sites["name"]) == {"S1 hub", "S2 clinic"}
    # Hover text: the area's numbers.
    assert "observed ÷ expected" in items[A].toolTip()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_neighbourhoods_are_drawn_from_their_lsoas(qtbot: QtBot, tmp_path: Path) -> None:
    page = _page(qtbot, tmp_path, "neighbourhood")
    assert page.drawn is not None
    assert sorted(page.map.area_items()) == ["N1", "N2"]  # D is in none: not drawn
    assert page.drawn.shapes.names == ("Neighbourhood 1", "Neighbourhood 2")


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_no_neighbourhood_lookup_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    page = _page(qtbot, tmp_path, lookup_imported=False)
    page.level_choice.setCurrentIndex(page.level_choice.findData("neighbourhood"))
    qtbot.waitUntil(lambda: page.drawn is not None and page.drawn.level == "neighbourhood")
    assert page.map.area_items() == {}
    assert page.caption.text().startswith("No neighbourhood lookup is imported")
    assert "Neighbourhood" in page.map.title.text()  # not the level shown before
    assert page.map.model.rowCount() == 0


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_drill_to_a_pcn_keeps_the_map_of_every_area(qtbot: QtBot, tmp_path: Path) -> None:
    page = _page(qtbot, tmp_path)
    page.session.drill = ("pcn:U49851", "")  # as the PCN page's Enter does
    page.session.filter = parse_filter(period="2024-25", area="pcn:U49851")
    page.filter_changed()
    qtbot.waitUntil(lambda: page.result is not None and page.caption.text().startswith("The"))
    assert page.result is not None
    assert page.result.filter.area is None  # a PCN has no population to map
    assert sorted(page.map.area_items()) == sorted([A, B, C, D])
    assert page.caption.text().startswith("The other pages show primary care network U49851")


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_new_filter_on_the_same_areas_only_recolours(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, tmp_path)
    drawn_areas: list[int] = []
    original = page.map.set_areas
    monkeypatch.setattr(
        page.map, "set_areas", lambda *a, **k: (drawn_areas.append(1), original(*a, **k))
    )
    before = page.map.area_items()
    page.session.filter = parse_filter(period="2024-25", age="70-79")
    page.filter_changed()
    qtbot.waitUntil(lambda: page.result is not None and page.result.filter.age == (70, 79))
    assert drawn_areas == []  # the same areas: brushes only
    assert page.map.area_items() == before


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_access_by_distance_is_drawn(qtbot: QtBot, tmp_path: Path) -> None:
    page = _page(qtbot, tmp_path)
    page.tabs.setCurrentIndex(1)
    assert page.result is not None
    indicator = page.result.get("distance_oe", "distance_band")
    assert indicator is not None
    assert "Straight-line" in page.distance_note.text()
    assert page.result.get("distance_seen_rate", "distance_band") is not None
    assert page.open_at("distance_band")
    assert page.tabs.currentIndex() == 1


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_click_on_an_area_drills_the_other_pages(qtbot: QtBot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    areas_store(url)
    window = MainWindow(url, runner=TaskRunner(synchronous=True))
    qtbot.addWidget(window)
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.filter_bar.options.periods != (), timeout=20_000)
    keys = [spec.key for spec in PAGES]
    window.nav.setCurrentRow(keys.index("neighbourhoods"))
    page = window.page_widgets["neighbourhoods"]
    assert isinstance(page, NeighbourhoodsPage)
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=30_000)
    # A real click at C's centroid, where the map puts it (once the map is in view).
    QApplication.processEvents()
    lat, lon = centroid(C)
    x, y = equirectangular(lon, lat, page.map.lat0)
    scene = page.map.scene_position(float(x), float(y))
    assert page.map.area_at(scene) == C
    view = page.map.plot
    # Hovering first (a long text) neither widens the page nor moves the map.
    before = (window.width(), view.geometry(), view.mapFromScene(scene))
    view.scene().sigMouseMoved.emit(scene)  # what the scene says of a mouse move there
    hover = page.map.hover_text
    assert hover.toolTip() == " · ".join(page.map.area_items()[C].toolTip().splitlines())
    assert hover.fontMetrics().horizontalAdvance(hover.text()) <= hover.width()
    QApplication.processEvents()
    assert (window.width(), view.geometry(), view.mapFromScene(scene)) == before
    with qtbot.waitSignal(page.map.area_clicked, timeout=5_000) as clicked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))
    assert clicked.args == [C]
    assert window.session.filter is not None
    assert window.session.filter.area is not None
    assert (window.session.filter.area.kind, window.session.filter.area.code) == ("lsoa", C)
    assert window.filter_bar.choice.area == f"lsoa:{C}"
    # The other pages are for C alone; the map still shows every area, C outlined.
    qtbot.waitUntil(lambda: page.result is not None and page.map.selected == C)
    assert page.result is not None
    assert page.result.filter.area is None
    assert sorted(page.map.area_items()) == sorted([A, B, C, D])
    said = "The other pages show Kirklees 040A (on the map); this page shows every area"
    assert page.caption.text().startswith(said)
    assert page.distance_note.text().startswith(said)  # the distance tab: the same areas
    window.nav.setCurrentRow(keys.index("need"))
    need = window.page_widgets["need"]
    qtbot.waitUntil(lambda: getattr(need, "result", None) is not None, timeout=30_000)
    assert need.result.filter.area is not None  # type: ignore[attr-defined]
    assert need.result.filter.area.code == C  # type: ignore[attr-defined]


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_pcn_table_sorts_and_drills(qtbot: QtBot, tmp_path: Path) -> None:
    session = Session("")
    session.opened(areas_store(f"sqlite:///{tmp_path / 's.db'}"))
    page = PcnsPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.result is not None, timeout=30_000)
    # The small store's referrals have no GP practice: no PCN, every person unplaced.
    frame = page.model.frame
    assert frame is not None
    assert frame.height == 0
    assert "have no GP practice in a PCN" in page.caption.text()
    # A table of PCNs sorts numbers as numbers, and a chosen row drills to its PCN.
    rows = pl.DataFrame(
        {"PCN code": ["U1", "U2", "U3"], "PCN": ["a", "b", "c"], "People seen": [9.0, 10.0, 100.0]}
    )
    page.model.set_frame(rows)
    page.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert page.model.frame is not None
    assert page.model.frame["People seen"].to_list() == [9.0, 10.0, 100.0]
    page.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert page.model.frame["PCN code"].to_list() == ["U3", "U2", "U1"]
    with qtbot.waitSignal(page.drill_requested) as drilled:
        page.table.activated.emit(page.model.index(0, 0))
    assert drilled.args == ["pcn:U3", "c (PCN)"]
