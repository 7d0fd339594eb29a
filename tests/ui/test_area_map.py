"""The area map on West Yorkshire's LSOAs (2021): every area drawn once, each in the
colour its value gives (worked here from the documented class bounds), not significant
hatched, no data white; clicks, hover, recolour, the table, PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from rehabdash.palette import (
    RATIO_COLOURS,
    RATIO_NO_DATA_COLOUR,
    RATIO_NOT_SIGNIFICANT_GROUND,
    RATIO_NOT_SIGNIFICANT_HATCH,
)
from rehabdash.refdata import boundaries, lsoa_centroids, lsoa_lookup
from rehabdash.refdata.boundaries import Shapes, dissolve, equirectangular
from rehabdash.ui.charts.area_map import HATCH, AreaMap
from rehabdash.ui.charts.frame import UNCONTROLLED

WEST_YORKSHIRE = "E54000054"
#: The documented class bounds (rehabdash.palette): class k from BOUNDS[k-1] up to,
#: not including, BOUNDS[k]. Written out here, not read from the code under test.
BOUNDS = [0.67, 0.8, 0.9, 1.0, 1.11, 1.25, 1.5]
#: Ratios the fixture gives, cycling: every class, the bounds themselves and a zero.
RATIOS = [0.3, 0.67, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.11, 1.2, 1.25, 1.4, 1.5, 2.5, 0.0]


def _expected_colour(value: float) -> str:
    k = 0
    while k < len(BOUNDS) and value >= BOUNDS[k]:
        k += 1
    return RATIO_COLOURS[k]


@pytest.fixture(scope="module")
def areas() -> tuple[Shapes, Shapes, Shapes]:
    lookup = lsoa_lookup(2021).filter(pl.col("icb_code") == WEST_YORKSHIRE)
    lsoa = boundaries("lsoa", 2021).subset(lookup["lsoa"])
    lads = dissolve(
        lsoa,
        dict(zip(lookup["lsoa"], lookup["lad_code"], strict=True)),
        dict(zip(lookup["lad_code"], lookup["lad_name"], strict=True)),
    )
    return lsoa, lads, boundaries("icb").subset([WEST_YORKSHIRE])


def _values(shapes: Shapes, shift: int = 0) -> pl.DataFrame:
    """Every fourth area not significant (its interval spans 1), every tenth missing,
    the rest significant with the ratios of RATIOS in turn."""
    rows = []
    for i, code in enumerate(shapes.codes):
        if i % 10 == 9:
            continue
        value = RATIOS[(i + shift) % len(RATIOS)]
        if i % 4 == 3:
            lower, upper = 0.5, 1.6
        elif value >= 1.0:
            lower, upper = 1.0 + 1e-6 if value == 1.0 else value * 0.99, value * 1.2 + 0.01
        else:
            lower, upper = value * 0.8, value * 1.01
        rows.append((code, value, lower, upper, f"{code}: {value}"))
    return pl.DataFrame(
        rows, schema=["code", "value", "lower", "upper", "text"], orient="row"
    ).with_columns(pl.col("value", "lower", "upper").cast(pl.Float64))


def _map(qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes], show: bool = False) -> AreaMap:
    lsoa, lads, icb = areas
    panel = AreaMap("People seen ÷ expected by LSOA")
    qtbot.addWidget(panel)
    panel.resize(1100, 800)
    panel.set_areas(lsoa, [("Local authority", lads), ("ICB", icb)])
    panel.set_values(_values(lsoa))
    if show:
        panel.show()
        qtbot.waitExposed(panel)
    return panel


def _scene_areas(panel: AreaMap) -> list[object]:
    return [i for i in panel.plot.scene().items() if hasattr(i, "code")]


def test_west_yorkshire_has_1434_lsoas_2021(areas: tuple[Shapes, Shapes, Shapes]) -> None:
    lsoa, lads, icb = areas
    assert len(lsoa) == 1_434  # (1,417 are the ICB's LSOAs 2011)
    assert len(lsoa_lookup(2011).filter(pl.col("icb_code") == WEST_YORKSHIRE)) == 1_417
    assert len(lads) == 6  # five districts and the part of North Yorkshire in the ICB
    assert len(icb) == 1


def test_every_area_is_drawn_exactly_once(
    qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]
) -> None:
    panel = _map(qtbot, areas)
    lsoa = areas[0]
    items = panel.area_items()
    assert list(items) == list(lsoa.codes)
    drawn = _scene_areas(panel)
    assert len(drawn) == len(lsoa) == 1_434
    assert sorted(i.code for i in drawn) == sorted(lsoa.codes)  # type: ignore[attr-defined]
    # Each item's path is its own area's: its vertices, all its rings.
    starts = lsoa.area_starts()
    x, y = lsoa.projected(panel.lat0)
    for i in (0, 500, 1_433):
        path = items[lsoa.codes[i]].path()
        a, b = starts[i], starts[i + 1]
        assert path.elementCount() == b - a
        first = path.elementAt(0)
        assert (first.x, first.y) == pytest.approx((x[a], y[a]))


def test_each_area_has_the_colour_its_value_gives(
    qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]
) -> None:
    panel = _map(qtbot, areas)
    values = {r["code"]: r for r in _values(areas[0]).iter_rows(named=True)}
    seen = set()
    for code, item in panel.area_items().items():
        brush = item.brush()
        row = values.get(code)
        if row is None:  # no data: white, solid
            assert brush.style() == Qt.BrushStyle.SolidPattern
            assert panel.area_brush(code) == QColor(RATIO_NO_DATA_COLOUR)
            seen.add("no data")
        elif row["lower"] <= 1.0 <= row["upper"]:  # not significant: the hatch
            assert brush.style() == HATCH == Qt.BrushStyle.BDiagPattern
            assert panel.area_brush(code) == QColor(RATIO_NOT_SIGNIFICANT_HATCH)
            assert item.ground.color() == QColor(RATIO_NOT_SIGNIFICANT_GROUND)  # type: ignore[attr-defined]
            seen.add("not significant")
        else:
            assert brush.style() == Qt.BrushStyle.SolidPattern
            assert panel.area_brush(code) == QColor(_expected_colour(row["value"])), row
            assert item.ground is None  # type: ignore[attr-defined]
            seen.add(_expected_colour(row["value"]))
        assert item.toolTip() == (row["text"] if row else item.toolTip())
    assert seen == {*RATIO_COLOURS, "no data", "not significant"}
    missing = next(c for c in areas[0].codes if c not in values)
    assert panel.area_items()[missing].toolTip().endswith(": no data")


def test_recolouring_sets_brushes_and_adds_no_item(
    qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]
) -> None:
    panel = _map(qtbot, areas)
    before = panel.area_items()
    count = len(panel.plot.scene().items())
    paths = {code: item.path() for code, item in before.items()}
    colours = {code: panel.area_brush(code) for code in before}
    panel.set_values(_values(areas[0], shift=3))
    after = panel.area_items()
    assert all(after[c] is before[c] for c in before)
    assert len(panel.plot.scene().items()) == count
    assert all(after[c].path() == paths[c] for c in before)
    changed = sum(panel.area_brush(c) != colours[c] for c in before)
    assert changed > 500
    values = {r["code"]: r for r in _values(areas[0], shift=3).iter_rows(named=True)}
    for code, row in list(values.items())[::37]:
        if not row["lower"] <= 1.0 <= row["upper"]:
            assert panel.area_brush(code) == QColor(_expected_colour(row["value"]))


def test_values_before_areas_and_values_off_the_map(
    qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]
) -> None:
    lsoa = areas[0]
    panel = AreaMap("Map")
    qtbot.addWidget(panel)
    extra = pl.DataFrame(
        {
            "code": ["E01000001"],
            "value": [0.5],
            "lower": [0.4],
            "upper": [0.6],
            "text": ["City of London 001A: observed ÷ expected 0.5"],
        }
    )
    panel.set_values(pl.concat([_values(lsoa), extra]))
    assert panel.area_items() == {}
    panel.set_areas(lsoa)
    first = lsoa.codes[0]
    assert panel.area_brush(first) == QColor(_expected_colour(RATIOS[0]))
    said = "1 area with a value has no boundary on this map, a code having changed since "
    assert said + "(City of London 001A): the table and the export have its numbers." == (
        panel.message.text()
    )


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_clicking_an_area_selects_it(qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]) -> None:
    panel = _map(qtbot, areas, show=True)
    lsoa = areas[0]
    centres = lsoa_centroids(2021).filter(pl.col("lsoa").is_in(list(lsoa.codes)))
    # A large area whose centroid lies inside it, well away from any edge.
    pick = None
    for row in centres.iter_rows(named=True):
        (x,), (y,) = equirectangular(
            np.array([row["longitude"]]), np.array([row["latitude"]]), panel.lat0
        )
        item = panel.area_items()[row["lsoa"]]
        if item.boundingRect().width() > 3 and item.path().contains(QPointF(x, y)):
            pick = row["lsoa"], x, y
            break
    assert pick is not None
    code, x, y = pick
    scene = panel.scene_position(x, y)
    assert panel.area_at(scene) == code
    where = panel.plot.mapFromScene(scene)
    with qtbot.waitSignal(panel.area_clicked, timeout=2000) as clicked:
        qtbot.mouseClick(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(where))
    assert clicked.args == [code]
    assert panel.selected == code
    assert panel.outline.isVisible()
    assert panel.outline.path() == panel.area_items()[code].path()
    assert code in panel.details.text()
    # Hover shows the area's text above the map.
    qtbot.mouseMove(panel.plot.viewport(), QPoint(where))
    qtbot.waitUntil(lambda: panel.hover_text.text() == panel.area_items()[code].toolTip())


def test_select_from_code_and_the_table(qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]) -> None:
    panel = _map(qtbot, areas)
    code = areas[0].codes[42]
    with qtbot.waitSignal(panel.area_clicked) as clicked:
        panel.select(code)
    assert clicked.args == [code]
    model = panel.model
    selected = panel.table.selectionModel().selectedRows()
    assert [model.value(i.row(), 0) for i in selected] == [code]
    assert model.rowCount() == 1_434
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "Code",
        "Area",
        "Observed ÷ expected",
        "Lower 95%",
        "Upper 95%",
        "Class",
    ]
    # Sorted by value as numbers (blank last), as the header's click would.
    panel.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    column = [model.value(r, 2) for r in range(model.rowCount())]
    given = [v for v in column if v is not None]
    assert given == sorted(given)
    assert column[: len(given)] == given
    # Enter on a row selects its area (the keyboard route).
    row = 10
    target = model.value(row, 0)
    with qtbot.waitSignal(panel.area_clicked) as clicked:
        panel.table.activated.emit(model.index(row, 0))
    assert clicked.args == [target]
    # New values keep the user's order.
    panel.set_values(_values(areas[0], shift=5))
    column = [model.value(r, 2) for r in range(model.rowCount())]
    given = [v for v in column if v is not None]
    assert given == sorted(given)
    assert "no data" in {model.value(r, 5) for r in range(model.rowCount())}
    text = panel.copy()
    assert text.splitlines()[0].split("\t")[:3] == ["Code", "Area", "Observed ÷ expected"]
    lines = text.splitlines()
    assert len(lines) == 1 + 1_434 + 2  # the header, the areas, then a blank line and:
    assert lines[-1] == UNCONTROLLED  # the screen's numbers are not disclosure-controlled
    panel.select(None)
    assert panel.selected is None
    assert not panel.outline.isVisible()


def test_sites_have_a_marker_a_type_and_a_key(
    qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]
) -> None:
    panel = _map(qtbot, areas)
    sites = pl.DataFrame(
        {
            "name": ["St James's", "Pinderfields", "Shipley clinic", "Halifax clinic"],
            "site_type": ["Hospital", "Hospital", "Clinic", "Clinic"],
            "latitude": [53.807, 53.692, 53.833, 53.722],
            "longitude": [-1.520, -1.487, -1.775, -1.862],
        }
    )
    panel.set_sites(sites)
    markers = panel._site_items
    assert list(markers) == ["Hospital", "Clinic"]
    assert markers["Hospital"].opts["symbol"] != markers["Clinic"].opts["symbol"]
    assert [p.data() for p in markers["Clinic"].points()] == [
        "Shipley clinic (Clinic)",
        "Halifax clinic (Clinic)",
    ]
    words = [label.text for _, label in panel.key.items]
    assert words[:8] == [
        "1.5 or more",
        "1.25 to under 1.5",
        "1.11 to under 1.25",
        "1 to under 1.11",
        "0.9 to under 1",
        "0.8 to under 0.9",
        "0.67 to under 0.8",
        "under 0.67",
    ]
    assert words[8:] == [
        "not significantly different from 1",
        "no data",
        "Local authority",
        "ICB",
        "Hospital",
        "Clinic",
    ]
    # A site with no place has no marker; no sites, no site key.
    unplaced = pl.DataFrame(
        {"name": ["Somewhere"], "site_type": ["Hub"], "latitude": [None], "longitude": [None]},
        schema_overrides={"latitude": pl.Float64, "longitude": pl.Float64},
    )
    panel.set_sites(pl.concat([sites, unplaced]))
    assert list(panel._site_items) == ["Hospital", "Clinic"]
    panel.set_sites(sites.clear())
    assert panel._site_items == {}
    assert [label.text for _, label in panel.key.items][-1] == "ICB"
    panel.set_sites(sites)
    # New areas keep the sites, projected about their latitude.
    panel.set_areas(areas[0])
    assert list(panel._site_items) == ["Hospital", "Clinic"]
    assert [label.text for _, label in panel.key.items][-2:] == ["Hospital", "Clinic"]


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_png_and_svg_are_written(
    qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes], tmp_path: Path
) -> None:
    panel = _map(qtbot, areas, show=True)
    png = panel.save_png(tmp_path / "map.png")
    svg = panel.save_svg(tmp_path / "map.svg")
    assert png.stat().st_size > 20_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert text.count("<path") > 1_000
    assert RATIO_COLOURS[0].lower() in text.lower()
    assert "pattern" in text  # the hatch


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_whole_area_view_holds_the_outlines_too(
    qtbot: QtBot, areas: tuple[Shapes, Shapes, Shapes]
) -> None:
    """Areas drawn for part of the ICB (an authority without a boundary, say): "Whole
    area" still shows the whole ICB outline, not only the areas drawn."""
    lsoa, _lads, icb = areas
    panel = AreaMap("Map")
    qtbot.addWidget(panel)
    panel.resize(1100, 800)
    panel.show()
    qtbot.waitExposed(panel)
    part = lsoa.subset(lsoa.codes[:20])
    panel.set_areas(part, [("ICB", icb)])
    panel.show_whole()
    x, y = icb.projected(panel.lat0)
    shown = panel.view.viewRect()
    assert shown.left() <= float(np.nanmin(x))
    assert float(np.nanmax(x)) <= shown.right()
    assert shown.top() <= float(np.nanmin(y))
    assert float(np.nanmax(y)) <= shown.bottom()
