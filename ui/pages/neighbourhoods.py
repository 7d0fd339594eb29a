"""Neighbourhoods: where in the ICB people are not reaching rehab, on a map (issue 14;
DESIGN 6 section 3 and 10).

One request a choice: the area table of the chosen level (``areas:lsoa``, ``areas:msoa``,
``areas:neighbourhood``, ``areas:lad``), access by distance to the nearest site
(``distance``) and the scope's LSOAs, neighbourhood lookup and sites. The map and its
table are made on the worker (:func:`rehabdash.plan.map_data.map_data`); a new filter on
the same areas only recolours the map.

Clicking an area (or choosing its row in the table) drills the other pages to it: the
filter bar's area becomes that area (:attr:`NeighbourhoodsPage.drill_requested`), while
this page keeps the map of the areas it was drilled from, the area outlined.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel, QTabWidget

    from rehabdash.plan.map_data import MapData
    from rehabdash.ui.charts.area_map import AreaMap
    from rehabdash.ui.charts.panel import ChartPanel
    from rehabdash.ui.charts.reference import ReferencePanel
    from rehabdash.ui.pages.page_fit import ChartRow

__all__ = ["DEFAULT_LEVEL", "NeighbourhoodsPage"]

DEFAULT_LEVEL = "lsoa"


class NeighbourhoodsPage(PlanPage):
    """A map of areas shaded by observed ÷ expected, the sites marked; access by distance."""

    key = "neighbourhoods"
    heading = "Neighbourhoods"
    working = "Working out the areas…"
    #: An area to drill the other pages to: its filter value ("lsoa:E01…") and name.
    drill_requested = Signal(str, str)

    level_choice: QComboBox
    tabs: QTabWidget
    map: AreaMap
    caption: QLabel
    distance_panel: ReferencePanel
    distance_rate: ChartPanel
    distance_charts: ChartRow
    distance_note: QLabel
    drawn: MapData | None = None
    _drawn_areas: tuple[str, tuple[str, ...]] | None = None

    def build(self) -> None:
        from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

        from rehabdash.plan.map_data import MAP_LEVELS
        from rehabdash.ui.charts.area_map import AreaMap
        from rehabdash.ui.charts.panel import ChartPanel
        from rehabdash.ui.charts.reference import ReferencePanel
        from rehabdash.ui.pages.page_fit import ChartRow

        what = "the kind of area the map shows"
        self.level_choice = self.add_choice(
            "Map of", list(MAP_LEVELS), DEFAULT_LEVEL, what, chars=16
        )
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.map = AreaMap("Map of areas: people seen, observed ÷ expected")
        self.map.area_clicked.connect(self._area_clicked)
        on_map = QWidget()
        column = QVBoxLayout(on_map)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.caption)
        # In a scroll area: the page then asks for the map's minimum height, not its
        # preferred one, and fits a small screen (as the other pages' chart rows do).
        column.addWidget(ChartRow(self.map), 1)

        distance = QWidget()
        lower = QVBoxLayout(distance)
        self.distance_note = QLabel()
        self.distance_note.setWordWrap(True)
        self.distance_panel = ReferencePanel(
            "People seen by distance to the nearest site, observed ÷ expected"
        )
        self.distance_panel.set_reference(1.0, "1: as expected for age, sex and deprivation")
        self.distance_rate = ChartPanel("People seen per 1,000 by distance to the nearest site")
        self.distance_charts = ChartRow(self.distance_panel, self.distance_rate)
        lower.addWidget(self.distance_note)
        lower.addWidget(self.distance_charts, 1)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Neighbourhoods: the map, or access by distance to a site")
        self.tabs.tabBar().setAccessibleName(f"{self.tabs.accessibleName()}: tabs")
        self.tabs.addTab(on_map, "Map")
        self.tabs.addTab(distance, "Distance to a site")
        self.body.addWidget(self.tabs, 1)

    @property
    def level(self) -> str:
        return str(self.level_choice.currentData() or DEFAULT_LEVEL)

    def request(self) -> PageRequest:
        from rehabdash.plan.map_data import MAP_LEVELS  # each level is a filter's area kind

        # A PCN's drill too: a PCN has no resident population, so a map of its patients
        # could show no observed ÷ expected; the map keeps every area and says so.
        return PageRequest(
            extras=(f"areas:{self.level}", "distance"),
            references=("lsoas", "neighbourhoods", "sites"),
            undrilled=(*(level for level, _ in MAP_LEVELS), "pcn"),
        )

    def open_at(self, breakdown_key: str) -> bool:
        """A finding's link: access by distance opens the distance tab."""
        super().open_at(breakdown_key)  # builds the page if it is not yet
        if breakdown_key == "distance_band":
            self.tabs.setCurrentIndex(1)
            return True
        found = self.level_choice.findData(breakdown_key)
        if found >= 0:
            self.level_choice.setCurrentIndex(found)
            self.tabs.setCurrentIndex(0)
        return found >= 0

    @staticmethod
    def prepare_result(result: PageResult) -> MapData:
        """The map's shapes, values, table and sites, made on the worker."""
        from rehabdash.plan.map_data import map_data

        level = next(e.split(":", 1)[1] for e in result.request.extras if e.startswith("areas:"))
        refs = result.references
        area = result.filter.area
        return map_data(
            result.indicators,
            level,
            refs["lsoas"],
            refs.get("neighbourhoods"),
            refs.get("sites"),
            outer="ICB" if area is None else area.label,
        )

    def show_result(self, result: PageResult) -> None:
        data: MapData = result.prepared
        self.drawn = data
        areas = (data.level, data.shapes.codes)
        if areas != self._drawn_areas:  # new areas: draw them; else only recolour
            from PySide6.QtCore import QTimer

            self.map.set_areas(data.shapes, data.outlines)
            self._drawn_areas = areas
            # Once the page is laid out at its size: the whole map in view, not cut off.
            QTimer.singleShot(0, self.map.show_whole)
        # The table beside the map: the areas' other numbers after their ratio and class.
        shown = (
            "Area",
            "Observed ÷ expected",
            "O/E lower 95%",
            "O/E upper 95%",
            "Compared with expected",
        )
        self.map.set_values(data.values, details=data.table.drop(shown, strict=False))
        self.map.set_sites(data.sites)
        self.map.title.setText(f"People seen, observed ÷ expected: {data.title}")
        self.map.select(self.session.drilled_code(), emit=False)
        self.caption.setText(
            " ".join(t for t in (self._drilled_note(result), self._caption(data)) if t)
        )
        self._show_distance(result)

    def _drilled_note(self, result: PageResult) -> str:
        """While the other pages are drilled to an area this page undid: which, and that
        this page (map and distance alike) shows the areas the drill was made from."""
        drilled = self.session.filter
        if drilled is None or drilled.area is None or drilled.area == result.filter.area:
            return ""
        value = f"{drilled.area.kind}:{drilled.area.code}"
        names = {k.upper(): v for k, v in self.session.area_names.items()}
        area = names.get(value.upper(), drilled.area.label)
        return (
            f"The other pages show {area}; this page shows every area the drill was made "
            "from (choose another to drill to it)."
        )

    def _caption(self, data: MapData) -> str:
        if data.level == "neighbourhood" and not len(data.shapes):
            return (
                "No neighbourhood lookup is imported: import one (an LSOA → neighbourhood, "
                "locality or hub catchment file) on the Import page to see neighbourhoods."
            )
        parts = [
            f"{len(data.shapes):,} areas shaded by people seen ÷ those expected for their age "
            "and sex: orange fewer, purple more; hatched where the 95% interval includes 1."
        ]
        sites = data.sites.height
        parts.append(
            f"{sites:,} service sites marked." if sites else "No service sites are imported."
        )
        parts.append("Click an area to show the other pages for it.")
        return " ".join(parts)

    def _show_distance(self, result: PageResult) -> None:
        from rehabdash.plan.chart_data import ChartData, chart_data

        oe = result.get("distance_oe", "distance_band")
        per = result.get("distance_seen_rate", "distance_band")
        if oe is None or per is None:
            for panel in (self.distance_panel, self.distance_rate):
                panel.show_data(ChartData("", "", "", "", "", (), ()))
                panel.say(
                    "No service sites are imported: import the ICB's rehab sites and hubs "
                    "(name, type, and an LSOA code, postcode, latitude and longitude, or easting "
                    "and northing) on the Import page to see access by distance."
                )
            self.distance_note.setText("")
            return
        self.distance_panel.show_data(chart_data(oe))
        self.distance_rate.show_data(chart_data(per))
        self.distance_charts.fit_charts(self.distance_panel, self.distance_rate)
        self.distance_note.setText(
            " ".join(
                t
                for t in (
                    self._drilled_note(result),
                    "Straight-line distance from home (the LSOA's centroid) to the nearest "
                    "service site. Left: people seen ÷ those expected at the scope's own rates "
                    "for their age, sex and deprivation (below 1: fewer; the map's ratio "
                    "allows for age and sex only, as deprivation is what it shows). Right: "
                    "people seen per 1,000, unadjusted.",
                )
                if t
            )
        )

    def _area_clicked(self, code: str) -> None:
        if self.drawn is None or not code:
            return
        names = dict(self.drawn.table.select("code", "Area").iter_rows())
        self.drill_requested.emit(
            f"{self.drawn.level}:{code}", f"{names.get(code, code)} (on the map)"
        )


if __name__ == "__main__":
    sys.exit(run_alone(NeighbourhoodsPage))
