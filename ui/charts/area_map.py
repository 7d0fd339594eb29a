"""The area map: a choropleth of each area's observed ÷ expected ratio (issue 14), with
outlines (local authorities, the ICB) and service sites on top. The table, copy and save
are the :class:`~rehabdash.ui.charts.frame.ChartFrame`'s: the table view, sortable, is
the keyboard route to the same numbers.

* every area is one ``QGraphicsPathItem``, its path built once (``set_areas``) from the
  numpy arrays of a :class:`~rehabdash.refdata.boundaries.Shapes` in one vectorised call;
  new values only set brushes and tooltips (``set_values``);
* classes and colours are rehabdash.palette's (``ratio_class``): orange below 1, purple
  above, on a log-symmetric scale; an area whose 95% interval includes 1 is hatched on
  light grey, so significance is never told by colour alone; no data is white;
* the key is inside the plot (so a saved PNG or SVG carries it): the classes, not
  significant, no data, the outlines and each site type's marker;
* the map is km east and north (equirectangular about the areas' mean latitude), aspect
  locked; the mouse wheel zooms and dragging pans; "Whole area" zooms back out;
* hovering over an area shows its text (tooltip and the line above the map); clicking it
  outlines it, shows its numbers and emits :attr:`area_clicked` (and ``row_clicked``,
  as every chart) with its code; :meth:`select` does the same from code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyqtgraph as pg
from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyleOptionGraphicsItem,
    QWidget,
)

from rehabdash.palette import (
    RATIO_COLOURS,
    RATIO_LABELS,
    RATIO_NO_DATA,
    RATIO_NO_DATA_COLOUR,
    RATIO_NO_DATA_LABEL,
    RATIO_NOT_SIGNIFICANT,
    RATIO_NOT_SIGNIFICANT_GROUND,
    RATIO_NOT_SIGNIFICANT_HATCH,
    RATIO_NOT_SIGNIFICANT_LABEL,
)
from rehabdash.plan.area_values import area_values
from rehabdash.refdata.boundaries import Shapes, equirectangular
from rehabdash.ui.charts.frame import ChartFrame, details_text
from rehabdash.ui.frame_model import FrameModel, fit_columns
from rehabdash.ui.theme import GREY

__all__ = ["HATCH", "OUTLINE_PENS", "SITE_SYMBOLS", "AreaMap", "class_brush"]

#: The pattern of a not-significant area (drawn over its light grey ground).
HATCH = Qt.BrushStyle.BDiagPattern
#: Each outline set's line (colour, width in pixels), in the order given: thin first.
#: Each is cased in white, 2 pixels wider, so it shows on the darkest class as well.
OUTLINE_PENS: tuple[tuple[str, float], ...] = (("#000000", 1.2), ("#000000", 2.4), ("#000000", 3.4))
_CASING = 2.0
#: A site type's marker (pyqtgraph symbol), in order of first appearance.
SITE_SYMBOLS: tuple[str, ...] = ("s", "t", "d", "o", "star", "p", "h", "t1", "+", "x")
_AREA_PEN = ("#FFFFFF", 0.6)  # thin white borders part neighbouring areas
_NO_DATA_PEN = ("#9E9E9E", 0.6)  # a white area needs a grey edge to be seen at all
_SELECTED = ("#000000", 3.0)  # with a white halo beneath: seen on every class colour
_Z_OUTLINE, _Z_SELECTED, _Z_SITES = 10.0, 20.0, 30.0


def class_brush(index: int) -> QBrush:
    """The brush of a ratio class (palette.ratio_class): its colour; the hatch for not
    significant (on the ground of _AreaItem); white for no data."""
    if index == RATIO_NOT_SIGNIFICANT:
        return QBrush(QColor(RATIO_NOT_SIGNIFICANT_HATCH), HATCH)
    if index == RATIO_NO_DATA:
        return QBrush(QColor(RATIO_NO_DATA_COLOUR))
    return QBrush(QColor(RATIO_COLOURS[index]))


def _pen(colour: str, width: float) -> QPen:
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)  # pixels on the screen, whatever the zoom
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


class _AreaItem(QGraphicsPathItem):
    """One area. A hatched brush leaves its gaps clear, so a not-significant area fills
    its ground first (pattern brushes keep to screen pixels as the map zooms; a texture
    brush would scale with it)."""

    def __init__(self, path: QPainterPath, code: str, parent: QGraphicsItem) -> None:
        super().__init__(path, parent)
        self.code = code
        self.ground: QBrush | None = None

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self.ground is not None:
            painter.fillPath(self.path(), self.ground)
        super().paint(painter, option, widget)


class _Swatch(pg.ItemSample):
    """A key's sample: a square of a class's fill (and hatch), or a line for an outline."""

    def __init__(self, brush: QBrush | None, pen: QPen, ground: QBrush | None = None) -> None:
        super().__init__(None)  # no plot item behind it: paint() below draws it all
        self._brush, self._pen, self._ground = brush, pen, ground

    def paint(self, p: QPainter, *args: Any) -> None:
        if self._brush is None:  # an outline, cased as on the map
            casing = QPen(self._pen)
            casing.setColor(QColor("#FFFFFF"))
            casing.setWidthF(self._pen.widthF() + _CASING)
            for pen in (casing, self._pen):
                p.setPen(pen)
                p.drawLine(QPointF(1, 11), QPointF(19, 11))
            return
        box = QRectF(2, 3, 16, 16)
        if self._ground is not None:
            p.fillRect(box, self._ground)
        p.setPen(self._pen)
        p.setBrush(self._brush)
        p.drawRect(box)

    def mouseClickEvent(self, event: Any) -> None:
        event.accept()  # a class cannot be hidden (pyqtgraph's samples toggle their item)


class _OnLeave(QObject):
    """Calls ``on_leave`` when the mouse leaves the watched widget."""

    def __init__(self, on_leave: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._on_leave = on_leave

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._on_leave()
        return False


class _SortedModel(FrameModel):
    """FrameModel (sorted by a clicked header, numbers as numbers) that finds areas."""

    def code_row(self, code: str) -> int:
        """The row of ``code`` as sorted now (-1: none)."""
        if self.frame is None:
            return -1
        rows = self.frame.with_row_index().filter(pl.col("code") == code)["index"]
        return int(rows[0]) if rows.len() else -1

    def code_at(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        if self.frame is None or not index.isValid():
            return None
        return str(self.frame["code"][index.row()])


class AreaMap(ChartFrame):
    """A choropleth of areas coloured by their observed ÷ expected class."""

    area_clicked = Signal(str)  # the code of the area clicked or selected

    def __init__(self, name: str = "Map", parent: QWidget | None = None) -> None:
        super().__init__(name, parent, intervals=False)  # intervals: the hatch says them
        self._shapes: Shapes | None = None
        self._items: dict[str, _AreaItem] = {}
        self._outlines: list[QGraphicsPathItem] = []
        self._casings: list[QGraphicsPathItem] = []  # white, under each outline
        self._outline_names: list[str] = []
        self._lat0 = 0.0
        self._bounds = QRectF()
        self._values: pl.DataFrame | None = None  # the frame given, kept for new areas
        self._details: pl.DataFrame | None = None  # more columns for the table
        self._rows: pl.DataFrame | None = None  # area_values: one row an area
        self._sites: pl.DataFrame | None = None
        self._site_items: dict[str, pg.ScatterPlotItem] = {}
        self.selected: str | None = None
        self.value_title = "Observed ÷ expected"
        self._brushes = [class_brush(k) for k in range(RATIO_NO_DATA + 1)]
        self._ground = QBrush(QColor(RATIO_NOT_SIGNIFICANT_GROUND))
        self._area_pen = _pen(*_AREA_PEN)
        self._no_data_pen = _pen(*_NO_DATA_PEN)

        item = self.plot.getPlotItem()
        for side in ("left", "bottom"):
            item.hideAxis(side)
        self.plot.setMouseEnabled(x=True, y=True)  # zoom and pan (the frame turns them off)
        self.view = item.getViewBox()
        self.view.setAspectLocked(True)
        self.view.setMenuEnabled(False)
        self.plot.setMinimumHeight(300)  # the page fits a 1366×768 screen without scrolling
        # The key in a column of its own right of the map: never over an area, and in
        # what is saved.
        self.key = pg.LegendItem()  # made again by _set_key
        self._key_lists: tuple[object, ...] = ()
        self._set_key()
        self._layer = _layer()
        self.halo = QGraphicsPathItem()
        self.halo.setPen(_pen("#FFFFFF", _SELECTED[1] + 3))
        self.outline = QGraphicsPathItem()
        self.outline.setPen(_pen(*_SELECTED))
        for z, chart_item in ((_Z_SELECTED, self.halo), (_Z_SELECTED + 1, self.outline)):
            chart_item.setZValue(z)
            chart_item.setVisible(False)
            self.view.addItem(chart_item, ignoreBounds=True)

        # The model sorts numbers as numbers: the keyboard route through the areas.
        self.model = _SortedModel()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(self._row_activated)
        self.whole_button = QPushButton("Whole area")
        self.whole_button.setAccessibleName(f"{name}: zoom out to every area")
        self.whole_button.clicked.connect(self.show_whole)
        self.actions_row.insertWidget(self.actions_row.count() - 1, self.whole_button)
        self.hover_text = QLabel()  # the hovered area's text, beside the actions
        self.hover_text.setTextFormat(Qt.TextFormat.PlainText)
        self.hover_text.setAccessibleName(f"{name}: the area under the mouse")
        # Ignored: a long text is cut to the room there is, never widening the page (a
        # wider page would move the map under the mouse between hover and click).
        self.hover_text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.actions_row.addWidget(self.hover_text, 1)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.scene().sigMouseMoved.connect(self._hovered)
        self._leave = _OnLeave(lambda: self._hover(None), self.plot)
        self.plot.installEventFilter(self._leave)

    # ---------------------------------------------------------------- drawing

    def set_areas(self, shapes: Shapes, outlines: Sequence[tuple[str, Shapes]] = ()) -> None:
        """Draw ``shapes`` (each area once) and ``outlines`` (name, shapes) on top, no
        fill, thicker pens; the values and sites already given are kept."""
        if self._layer.scene() is not None:
            self.view.removeItem(self._layer)  # and every area with it
        for old in [*self._outlines, *self._casings]:
            self.view.removeItem(old)
        self._layer = _layer()
        self._shapes, self._items, self._outlines, self._casings = shapes, {}, [], []
        self._lat0 = shapes.mean_latitude()
        x, y = shapes.projected(self._lat0)
        for code, path in zip(shapes.codes, _area_paths(shapes, x, y), strict=True):
            area = _AreaItem(path, code, self._layer)
            area.setPen(self._no_data_pen)
            area.setBrush(self._brushes[RATIO_NO_DATA])
            self._items[code] = area
        self.view.addItem(self._layer, ignoreBounds=True)  # once: the view's per-item hooks
        self._outline_names = []
        for k, (label, outline) in enumerate(outlines):
            ox, oy = outline.projected(self._lat0)
            path = pg.arrayToQPath(ox, oy, connect=_ring_connections(outline))
            colour, width = OUTLINE_PENS[min(k, len(OUTLINE_PENS) - 1)]
            for z, pen, kept in (
                (_Z_OUTLINE + 2 * k, _pen("#FFFFFF", width + _CASING), self._casings),
                (_Z_OUTLINE + 2 * k + 1, _pen(colour, width), self._outlines),
            ):
                line = QGraphicsPathItem(path)
                line.setPen(pen)
                line.setBrush(Qt.BrushStyle.NoBrush)
                line.setZValue(z)
                line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # clicks reach the areas
                self.view.addItem(line, ignoreBounds=True)
                kept.append(line)
            self._outline_names.append(label)
        # The whole view holds the outlines too: an ICB outline reaches areas not drawn.
        xs = [x, *(o.projected(self._lat0)[0] for _, o in outlines)]
        ys = [y, *(o.projected(self._lat0)[1] for _, o in outlines)]
        every_x, every_y = np.concatenate(xs), np.concatenate(ys)
        self._bounds = (
            QRectF(
                float(np.nanmin(every_x)),
                float(np.nanmin(every_y)),
                float(np.nanmax(every_x) - np.nanmin(every_x)),
                float(np.nanmax(every_y) - np.nanmin(every_y)),
            )
            if len(every_x) and np.isfinite(every_x).any()
            else QRectF(0, 0, 1, 1)
        )
        self.select(None, emit=False)
        self.show_whole()
        if self._sites is not None:
            self._draw_sites(self._sites)  # projected about the new areas' latitude
        self._set_key()
        self.set_values(self._values if self._values is not None else _NO_VALUES)

    def set_values(
        self,
        frame: pl.DataFrame,
        value_title: str | None = None,
        details: pl.DataFrame | None = None,
    ) -> None:
        """Colour the areas by ``frame`` (code, value, lower, upper, text): the ratio
        class of each value, the hatch where its 95% interval includes 1, white where an
        area has no row; ``text`` is the area's hover text. Only brushes and tooltips
        change. ``value_title`` heads the key (default "Observed ÷ expected");
        ``details`` (code and more columns) adds the areas' other numbers to the table."""
        self._values = frame
        self._details = details
        if value_title is not None and value_title != self.value_title:
            self.value_title = value_title
            self._set_key()
        if self._shapes is None:
            return
        rows, unmatched = area_values(self._shapes.codes, self._shapes.names, frame)
        self._show_rows(rows)
        if unmatched:
            # Named as the hover text names them ("Craven: ..."), else by code.
            texts = dict(frame.select("code", "text").iter_rows()) if "text" in frame else {}
            named = [str(texts.get(c) or c).split(":")[0] for c in unmatched]
            shown = ", ".join(named[:3]) + (", …" if len(named) > 3 else "")
            one = len(unmatched) == 1
            self.say(
                f"{len(unmatched):,} area{'' if one else 's'} with a value "
                f"{'has' if one else 'have'} no boundary on this map, a code having changed "
                f"since ({shown}): the table and the export have {'its' if one else 'their'} "
                "numbers."
            )
        elif rows["value"].is_null().all():
            self.say("No area on this map has a value.")
        else:
            self.say(None)

    def _show_rows(self, rows: pl.DataFrame) -> None:
        self._rows = rows
        classes = rows["class"].to_list()
        texts = rows["text"].to_list()
        for code, k, text in zip(rows["code"].to_list(), classes, texts, strict=True):
            area = self._items[code]
            area.setBrush(self._brushes[k])
            area.ground = self._ground if k == RATIO_NOT_SIGNIFICANT else None
            area.setPen(self._no_data_pen if k == RATIO_NO_DATA else self._area_pen)
            area.setToolTip(text)
        self._set_table(rows)
        if self.selected is not None:
            self.select(self.selected, emit=False)

    def _set_table(self, rows: pl.DataFrame) -> None:
        shown = rows.select(
            "code",
            "name",
            *(pl.col(c).round(3) for c in ("value", "lower", "upper")),
            pl.col("class_label").alias("class"),
        )
        labels = dict(zip(shown.columns, _HEADER, strict=True))
        if self._details is not None and "code" in self._details.columns:  # none: no areas
            extra = self._details.drop(
                [c for c in self._details.columns if c in labels and c != "code"]
            )
            shown = shown.join(extra, on="code", how="left", maintain_order="left")
        self.model.set_frame(shown, labels=labels)
        header = self.table.horizontalHeader()  # new numbers, the user's order kept
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        fit_columns(self.table)

    def copy(self) -> str:
        """Put the table on the clipboard as tab-separated cells (as sorted); return it.
        Made here, not on every recolour: a map's table has thousands of rows."""
        shown = self.model.frame
        heads = [
            str(self.model.headerData(i, Qt.Orientation.Horizontal))
            for i in range(self.model.columnCount())
        ]
        self._table = [heads or list(_HEADER)] + [
            ["" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in row]
            for row in (shown.iter_rows() if shown is not None else ())
        ]
        return super().copy()

    def set_sites(self, frame: pl.DataFrame) -> None:
        """Service sites (name, site_type, latitude, longitude) as markers, one symbol a
        type (SITE_SYMBOLS, in order of first appearance), each named on hover."""
        self._draw_sites(frame)
        self._set_key()

    def _draw_sites(self, frame: pl.DataFrame) -> None:
        self._sites = frame
        for old in self._site_items.values():
            self.view.removeItem(old)
        self._site_items = {}
        # A site without a place (its postcode not found) has no marker.
        placed = frame.with_columns(
            pl.col("latitude", "longitude").cast(pl.Float64),
            pl.col("site_type").cast(pl.String).fill_null("Site"),
        ).drop_nulls(["latitude", "longitude"])
        types = list(dict.fromkeys(placed["site_type"].to_list()))
        if self._shapes is not None or placed.is_empty():
            lat0 = self._lat0
        else:
            lat0 = float(placed["latitude"].to_numpy().mean())
        for k, site_type in enumerate(types):
            part = placed.filter(pl.col("site_type") == site_type)
            x, y = equirectangular(part["longitude"].to_numpy(), part["latitude"].to_numpy(), lat0)
            markers = pg.ScatterPlotItem(
                x=x,
                y=y,
                data=[f"{n} ({site_type})" for n in part["name"].to_list()],
                symbol=SITE_SYMBOLS[k % len(SITE_SYMBOLS)],
                size=11,
                pen=pg.mkPen("#000000", width=1.5),
                brush=pg.mkBrush("#FFFFFF"),
                hoverable=True,
                tip=lambda x, y, data: str(data),
                name=site_type,
            )
            markers.setZValue(_Z_SITES)
            self.view.addItem(markers, ignoreBounds=True)
            self._site_items[site_type] = markers

    def _set_key(self) -> None:
        """The key, made anew when what it lists changed: the classes, then outlines and
        site types as drawn."""
        listed = (self.value_title, tuple(self._outline_names), tuple(self._site_items))
        if listed == self._key_lists and self.key.parentLayoutItem() is not None:
            # The same words: the samples may point at items drawn again, so repoint.
            sites = [s for s, _ in self.key.items if isinstance(s.item, pg.ScatterPlotItem)]
            for sample, markers in zip(sites, self._site_items.values(), strict=True):
                sample.item = markers
            return
        self._key_lists = listed
        layout = self.plot.getPlotItem().layout
        if self.key.parentLayoutItem() is layout:
            layout.removeItem(self.key)
        if self.key.scene() is not None:
            self.key.scene().removeItem(self.key)
        self.key = pg.LegendItem(labelTextColor=GREY)
        title = pg.LabelItem(f"<b>{self.value_title}</b>", color=GREY, justify="left")
        self.key.layout.addItem(title, 0, 0, 1, 2)
        border = _pen(GREY, 0.8)
        entries: list[tuple[_Swatch | pg.ScatterPlotItem, str]] = [
            (_Swatch(self._brushes[k], border), label)
            for k, label in reversed(list(enumerate(RATIO_LABELS)))  # high at the top
        ]
        entries.append(
            (
                _Swatch(self._brushes[RATIO_NOT_SIGNIFICANT], border, self._ground),
                "not significantly different from 1",
            )
        )
        entries.append((_Swatch(self._brushes[RATIO_NO_DATA], border), RATIO_NO_DATA_LABEL))
        for path, label in zip(self._outlines, self._outline_names, strict=True):
            entries.append((_Swatch(None, path.pen()), label))
        entries += [(markers, site_type) for site_type, markers in self._site_items.items()]
        for sample, label in entries:
            self.key.addItem(sample, label)
        # Its own size at the top of its cell: a stretched key spreads its rows apart.
        self.key.setMaximumSize(self.key.boundingRect().size())  # (its .size is an option)
        layout.addItem(self.key, 2, 3)
        layout.setAlignment(self.key, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.legend.setText(
            f"{self.value_title}: orange below 1 (fewer than expected), purple above 1; "
            f"hatched grey: {RATIO_NOT_SIGNIFICANT_LABEL}; white: no data. Wheel to zoom, "
            "drag to pan."
        )

    def show_whole(self) -> None:
        """Zoom to every area."""
        if self._shapes is not None:
            self.view.setRange(rect=self._bounds, padding=0.02)

    # ---------------------------------------------------------------- reading back

    def area_items(self) -> dict[str, QGraphicsPathItem]:
        """Code -> the area's item (a copy of the mapping)."""
        return dict(self._items)

    def area_brush(self, code: str) -> QColor:
        """The colour of the brush the area ``code`` is drawn with (the hatch's colour
        for a not-significant area: its style is HATCH)."""
        return self._items[code].brush().color()

    @property
    def rows(self) -> pl.DataFrame | None:
        """The numbers drawn, one row an area in the map's order (area_values: code,
        name, value, lower, upper, class, class_label, text); None before set_areas."""
        return self._rows

    def area_at(self, scene_pos: QPointF) -> str | None:
        """The code of the area at a scene position (None: no area)."""
        # By bounding box, then the fill itself: an item's shape() would stroke its pen
        # (and each outline's, which covers the map) on every mouse move.
        near = self.plot.scene().items(scene_pos, Qt.ItemSelectionMode.IntersectsItemBoundingRect)
        for found in near:
            if isinstance(found, _AreaItem) and found.path().contains(
                found.mapFromScene(scene_pos)
            ):
                return found.code
        return None

    def scene_position(self, x: float, y: float) -> QPointF:
        """The scene position of a point of the map (km, as Shapes.projected)."""
        point: QPointF = self.view.mapViewToScene(QPointF(x, y))
        return point

    @property
    def lat0(self) -> float:
        """The latitude the map is projected about (Shapes.projected's lat0)."""
        return self._lat0

    # ---------------------------------------------------------------- mouse, keys

    def _show_table(self, as_table: bool) -> None:
        super()._show_table(as_table)
        self._hover(None)  # the map's hover text does not belong to the table

    def _hovered(self, scene_pos: QPointF) -> None:
        self._hover(self.area_at(scene_pos))

    def _hover(self, code: str | None) -> None:
        """The hovered area's text on one line, cut to the label's width (all of it in
        the label's tooltip); nothing when the mouse is on no area or off the map."""
        text = "" if code is None else " · ".join(self._items[code].toolTip().splitlines())
        metrics = self.hover_text.fontMetrics()
        width = max(self.hover_text.width(), 0)
        self.hover_text.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, width))
        self.hover_text.setToolTip(text)

    def _clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        code = self.area_at(event.scenePos())
        if code is not None:
            self.select(code)

    def _row_activated(self, index: QModelIndex) -> None:
        code = self.model.code_at(index)
        if code is not None:
            self.select(code)

    def select(self, code: str | None, emit: bool = True) -> None:
        """Outline the area ``code`` (None: none), show its numbers, select its row in
        the table and (``emit``) emit :attr:`area_clicked` and ``row_clicked``."""
        area = self._items.get(code) if code is not None else None
        self.selected = code if area is not None else None
        for ring in (self.halo, self.outline):
            ring.setPath(area.path() if area is not None else QPainterPath())
            ring.setVisible(area is not None)
        if area is None or code is None:
            self.details.clear()
            return
        name = self._shapes.names[self._shapes.codes.index(code)] if self._shapes else code
        self.details.setText(details_text(f"{name} ({code})", [area.toolTip()]))
        row = self.model.code_row(code)
        if row >= 0:
            self.table.selectRow(row)
        if emit:
            self.area_clicked.emit(code)
            self.row_clicked.emit(code)

    # ---------------------------------------------------------------- saving

    def save_png(self, path: Path) -> Path:
        """The map as on the screen, key included, as PNG."""
        return self.save(path.with_suffix(".png"))

    def save_svg(self, path: Path) -> Path:
        """The map as SVG (Qt's SVG writer: pyqtgraph 0.14's exporter misreads Qt 6.11's
        paths, see ChartFrame.save)."""
        return self.save(path.with_suffix(".svg"))


_HEADER = ("Code", "Area", "Observed ÷ expected", "Lower 95%", "Upper 95%", "Class")
_NO_VALUES = pl.DataFrame(schema={"code": pl.String, "value": pl.Float64})


def _layer() -> QGraphicsPathItem:
    """A parent for the areas that draws nothing itself: added to the view once, rather
    than each area through pyqtgraph's hooks (a third of the first frame's time)."""
    layer = QGraphicsPathItem()
    layer.setPen(Qt.PenStyle.NoPen)
    layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
    return layer


def _area_paths(shapes: Shapes, x: np.ndarray, y: np.ndarray) -> list[QPainterPath]:
    """One path an area: each ring a QPolygonF filled from the arrays in one step (no
    Python loop over vertices), added to its area's path (even-odd: holes stay holes)."""
    xy = np.column_stack([x, y])
    paths = [QPainterPath() for _ in shapes.codes]
    starts = shapes.ring_starts.tolist()
    for ring, area in enumerate(shapes.ring_area.tolist()):
        a, b = starts[ring], starts[ring + 1]
        polygon = pg.functions.create_qpolygonf(b - a)
        pg.functions.ndarray_from_qpolygonf(polygon)[:] = xy[a:b]
        paths[area].addPolygon(polygon)
    return paths


def _ring_connections(shapes: Shapes) -> np.ndarray:
    """For pg.arrayToQPath: 1 where a vertex joins the next, 0 at each ring's end (the
    next vertex starts a new ring)."""
    connect = np.ones(len(shapes.lon), dtype=np.int32)
    connect[shapes.ring_starts[1:] - 1] = 0
    return connect
