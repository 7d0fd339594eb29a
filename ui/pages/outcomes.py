"""Outcomes: how much people's scores changed by the chosen breakdown, one outcome tool
at a time (issue 11 item 1; DESIGN 6 section 2 and 10).

The page asks the session for the consequences section of one breakdown and draws, for
the tool chosen (MSK-HQ or EQ-5D-5L index), what the plan returns:

* the mean change in the tool's score (end - start) with Student's t 95% intervals, a
  dashed line at the tool's minimal clinically important difference (MCID);
* the % of referrals that improved by at least the MCID, with Wilson intervals.

Scores of different tools are never mixed. The MCIDs are the plan's own
(:mod:`rehabdash.codes.outcome_tools`, used by :mod:`rehabdash.plan.consequences`): the
page says which, and where the tool has no paired (start and end) scores in the
filter it says so instead of drawing empty charts. Every tool is in the one result, so
a change of tool redraws without a new task; a change of breakdown is one task.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel

    from rehabdash.codes.outcome_tools import OutcomeTool
    from rehabdash.plan.result import Indicator
    from rehabdash.ui.charts.reference import ReferencePanel
    from rehabdash.ui.pages.page_fit import ChartRow

__all__ = ["DEFAULT", "OutcomesPage", "mcid_text"]

DEFAULT = "imd_quintile"


def mcid_text(tool: OutcomeTool) -> str:
    """What the MCID of ``tool`` is, in words, for the line above the charts."""
    if tool.mcid is None:
        return f"No minimal clinically important difference (MCID) is known for {tool.title}."
    unit = "on the index" if tool.unit == "index" else tool.unit
    return (
        f"{tool.title} ({tool.scale}). Minimal clinically important difference (MCID): "
        f"{tool.mcid:g} {unit}; improved means a rise of at least that much from the start "
        f"to the end of care. Source: {tool.source}."
    )


class OutcomesPage(PlanPage):
    """Mean change and % improving by at least the MCID, for one tool, by group."""

    key = "outcomes"
    heading = "Outcomes"
    working = "Working out outcomes…"

    change: ReferencePanel
    improved: ReferencePanel
    scroll: ChartRow
    choice: QComboBox
    tool: QComboBox
    about: QLabel
    words: QLabel
    empty: QLabel
    drawn: tuple[Indicator, Indicator] | None = None  # (mean change, % improved) shown now

    def build(self) -> None:
        from PySide6.QtWidgets import QComboBox, QLabel

        from rehabdash.codes.outcome_tools import TOOLS
        from rehabdash.ui.charts.reference import ReferencePanel
        from rehabdash.ui.pages.page_fit import ChartRow, fit_combo

        self.choice = self.add_breakdown_choice(DEFAULT)
        self.tool = QComboBox()
        self.tool.setAccessibleName("Outcome tool: whose scores the charts show")
        for known in TOOLS:
            self.tool.addItem(known.title, known.key)
        fit_combo(self.tool, 14)
        caption = QLabel("Outcome tool:")
        caption.setBuddy(self.tool)
        self.controls.addWidget(caption)
        self.controls.addWidget(self.tool)
        self.tool.currentIndexChanged.connect(self._tool_chosen)
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setAccessibleName("The outcome tool and its MCID")
        self.words = QLabel()
        self.words.setWordWrap(True)
        self.words.setAccessibleName("What the charts show, in words")
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setObjectName("emptyState")
        self.empty.setAccessibleName("Why there are no outcome charts")
        self.empty.setVisible(False)
        self.change = ReferencePanel("Mean change in score by group")
        self.improved = ReferencePanel("Improved by at least the MCID by group")
        self.scroll = ChartRow(self.change, self.improved)
        for part in (self.about, self.words, self.empty):
            self.body.addWidget(part)
        self.body.addWidget(self.scroll, 1)

    @property
    def breakdown_key(self) -> str:
        return str(self.choice.currentData() or DEFAULT)

    @property
    def tool_key(self) -> str:
        return str(self.tool.currentData())

    def request(self) -> PageRequest:
        return PageRequest(breakdown=self.breakdown_key, sections=("consequences",))

    def _tool_chosen(self, _index: int) -> None:
        """Every tool is in the result: redraw, unless it is missing (recompute)."""
        if self.result is not None and self.result.get(f"outcome_change_{self.tool_key}"):
            self.show_result(self.result)
        else:
            self.refresh()

    def show_result(self, result: PageResult) -> None:
        from rehabdash.codes.outcome_tools import tool

        key = self.tool_key
        known = tool(key)
        change = result.get(f"outcome_change_{key}")
        improved = result.get(f"outcome_improved_{key}")
        if known is None or change is None or improved is None:
            self.status.setText("This breakdown has no outcome scores.")
            return
        self.about.setText(mcid_text(known))
        everyone = change.row("All")
        if not everyone or not everyone["numerator"]:
            self.drawn = None
            self.words.clear()
            self.empty.setText(
                f"No referral discharged in {result.filter.describe()} has both a start and "
                f"an end {known.title} score, so there is no change to show. Choose another "
                "tool, or widen the period or the filter."
            )
            self.empty.setVisible(True)
            self.scroll.setVisible(False)
            return
        self.empty.setVisible(False)
        self.scroll.setVisible(True)
        self._draw(change, improved, known)

    def _draw(self, change: Indicator, improved: Indicator, known: OutcomeTool) -> None:
        from rehabdash.plan.chart_data import chart_data
        from rehabdash.plan.group_words import sentence

        unit = "on the index" if known.unit == "index" else known.unit
        mcid = known.mcid
        self.change.set_reference(mcid, f"MCID {mcid:g} {unit}" if mcid is not None else "")
        self.change.show_data(chart_data(change))
        self.improved.set_reference(None)
        self.improved.show_data(chart_data(improved))
        self.drawn = (change, improved)
        self.scroll.fit_charts(self.change, self.improved)
        self.words.setText(
            sentence(change, f"Smallest mean change in {known.title}")
            + "\n"
            + sentence(improved, "Least often improved by at least the MCID")
        )


if __name__ == "__main__":
    sys.exit(run_alone(OutcomesPage))
