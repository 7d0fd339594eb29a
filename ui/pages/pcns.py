"""PCNs: people seen, contacts, waits and DNA by primary care network (issue 14).

People are placed in the PCN of their GP practice (NHS England ODS practice -> PCN
lookup, October 2024). A PCN has no resident population here, so the page shows counts,
waits and DNA, not rates per population. The table sorts by any column; choosing a row
(Enter or double-click) drills the other pages to that PCN.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    import polars as pl
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QLabel, QTableView

    from rehabdash.ui.frame_model import FrameModel

__all__ = ["PcnsPage"]


class PcnsPage(PlanPage):
    """A sortable table of the PCNs of the period's referrals."""

    key = "pcns"
    heading = "Primary care networks"
    working = "Working out the PCNs…"
    #: A PCN to drill the other pages to: its filter value ("pcn:U…") and name.
    drill_requested = Signal(str, str)

    table: QTableView
    model: FrameModel
    caption: QLabel

    def build(self) -> None:
        from PySide6.QtWidgets import QLabel

        from rehabdash.ui.frame_model import FrameModel, frame_view

        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.model = FrameModel()
        self.table = frame_view("Primary care networks: people seen, waits and DNA", self.model)
        self.table.setSortingEnabled(True)
        self.table.activated.connect(self._row_chosen)
        self.body.addWidget(self.caption)
        self.body.addWidget(self.table, 1)

    def request(self) -> PageRequest:
        return PageRequest(extras=("areas:pcn",), undrilled=("pcn",))

    @staticmethod
    def prepare_result(result: PageResult) -> pl.DataFrame:
        from rehabdash.plan.map_data import PCN_COLUMNS, area_table

        pcn = [i for i in result.indicators if i.breakdown_key == "pcn"]
        table = area_table(pcn, PCN_COLUMNS)
        if not table.height:
            return table
        return table.rename({"code": "PCN code", "Area": "PCN"}).sort(
            "People seen", descending=True, nulls_last=True
        )

    def show_result(self, result: PageResult) -> None:
        from PySide6.QtCore import Qt

        from rehabdash.ui.frame_model import fit_columns

        table: pl.DataFrame = result.prepared
        self.model.set_frame(table)
        if table.height:  # the header says the order: most people seen first
            seen = table.columns.index("People seen")
            self.table.horizontalHeader().setSortIndicator(seen, Qt.SortOrder.DescendingOrder)
        fit_columns(self.table)
        unplaced = result.get("area_people_seen", "pcn")
        row = unplaced.row("Not known") if unplaced is not None else None
        missing = int(row["value"] or 0) if row else 0
        self.caption.setText(
            f"{table.height:,} PCNs of the GP practices of the period's referrals (ODS "
            "practice → PCN lookup, October 2024). A PCN has no resident population here, "
            "so there are no rates per 1,000. "
            + (f"{missing:,} people seen have no GP practice in a PCN. " if missing else "")
            + "Choose a row (Enter or double-click) to show the other pages for that PCN."
        )

    def _row_chosen(self, index: QModelIndex) -> None:
        frame = self.model.frame
        if frame is None or not index.isValid():
            return
        code, name = frame["PCN code"][index.row()], frame["PCN"][index.row()]
        self.drill_requested.emit(f"pcn:{code}", f"{name} (PCN)")


if __name__ == "__main__":
    sys.exit(run_alone(PcnsPage))
