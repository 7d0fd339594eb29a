"""Waits and DNAs: what happens to people once referred, by the chosen breakdown (issue
11 item 1; DESIGN 6 section 2 and 10).

The page asks the session for the consequences section of one breakdown (default IMD
quintile) and draws two charts of what the plan returns:

* the measure chosen (median wait to first contact by default; 90th centile, % seen
  within 18 weeks, DNA and cancellation rates, discharged without being seen, and the
  waiting list at the period end) as bars with 95% intervals, a dashed line at 18 weeks
  on the charts of days, and a line in words: which group is worst off and whether its
  interval overlaps All's;
* the week bands of the waits (each group's share in each band) as stacked bars; for
  the waiting-list measures, the bands of the time waited so far.

Every measure is in the one result, so a change of measure redraws without a new task;
a change of breakdown is one task.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel

    from rehabdash.plan.result import Indicator
    from rehabdash.plan.stacked_data import StackedData
    from rehabdash.ui.charts.reference import ReferencePanel
    from rehabdash.ui.charts.stacked import StackedChart
    from rehabdash.ui.pages.page_fit import ChartRow

__all__ = ["DEFAULT", "MEASURES", "WaitsPage"]

DEFAULT = "imd_quintile"
#: (metric, what the measure combo says, the lead of the line in words).
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("wait_median", "Median wait to first contact", "Longest median wait to first contact"),
    ("wait_p90", "90th centile wait", "Longest 90th centile wait"),
    ("wait_within_18w", "% seen within 18 weeks", "Least often seen within 18 weeks"),
    ("dna_rate", "DNA rate (did not attend)", "Highest DNA rate"),
    ("cancellation_rate", "Cancellation rate", "Highest cancellation rate"),
    ("discharged_unseen", "Discharged without being seen", "Most often discharged unseen"),
    ("waiting_count", "Still waiting at the period end", "Most referrals still waiting"),
    ("waiting_median", "Median time waited so far", "Longest median time waited so far"),
)
EIGHTEEN_WEEKS = 126  # days: the line on the charts of days


class WaitsPage(PlanPage):
    """A consequences measure by the chosen breakdown, and the week bands of the waits."""

    key = "waits"
    heading = "Waits and DNAs"
    working = "Working out waits and DNAs…"

    panel: ReferencePanel
    bands: StackedChart
    choice: QComboBox
    measure: QComboBox
    words: QLabel
    scroll: ChartRow
    drawn: Indicator | None = None  # what the bar chart shows now
    drawn_bands: StackedData | None = None  # what the stacked chart shows now

    def build(self) -> None:
        from PySide6.QtWidgets import QComboBox, QLabel

        from rehabdash.plan.consequences import WAIT_BANDS
        from rehabdash.ui.charts.reference import ReferencePanel
        from rehabdash.ui.charts.stacked import StackedChart
        from rehabdash.ui.pages.page_fit import ChartRow, fit_combo

        self.choice = self.add_breakdown_choice(DEFAULT)
        self.measure = QComboBox()
        self.measure.setAccessibleName("Measure: what the bar chart shows by group")
        for key, text, _ in MEASURES:
            self.measure.addItem(text, key)
        fit_combo(self.measure, 18)
        caption = QLabel("Measure:")
        caption.setBuddy(self.measure)
        self.controls.addWidget(caption)
        self.controls.addWidget(self.measure)
        self.measure.currentIndexChanged.connect(self._measure_chosen)
        self.words = QLabel()
        self.words.setWordWrap(True)
        self.words.setAccessibleName("What the bar chart shows, in words")
        self.panel = ReferencePanel("Waits and DNAs by group")
        self.bands = StackedChart("Week bands of the waits by group", len(WAIT_BANDS))
        self.scroll = ChartRow(self.panel, self.bands)
        self.body.addWidget(self.words)
        self.body.addWidget(self.scroll, 1)

    @property
    def breakdown_key(self) -> str:
        return str(self.choice.currentData() or DEFAULT)

    @property
    def measure_key(self) -> str:
        return str(self.measure.currentData() or MEASURES[0][0])

    def request(self) -> PageRequest:
        return PageRequest(breakdown=self.breakdown_key, sections=("consequences",))

    def _measure_chosen(self, _index: int) -> None:
        """Every measure is in the result: redraw it, unless it is missing (recompute)."""
        if self.result is not None and self.result.get(self.measure_key) is not None:
            self.show_result(self.result)
        else:
            self.refresh()

    def show_result(self, result: PageResult) -> None:
        from rehabdash.plan.group_words import sentence
        from rehabdash.plan.stacked_data import band_keys, stacked_data

        key = self.measure_key
        found = result.get(key)
        if found is None:
            self.status.setText("This breakdown has no waits or DNAs.")
            return
        self._draw_measure(found)
        self.words.setText(sentence(found, next(lead for k, _, lead in MEASURES if k == key)))
        waiting = key.startswith("waiting_")
        prefix = "waiting_band" if waiting else "wait_band"
        bands = [result.get(k) for k in band_keys(prefix)]
        if all(b is not None for b in bands):
            what, total = (
                ("Time waited so far at the period end", "Referrals still waiting")
                if waiting
                else ("Wait to first contact", "Referrals seen")
            )
            self.drawn_bands = stacked_data([b for b in bands if b is not None], what, total)
            self.bands.show_data(self.drawn_bands)
            if not any(r.drawn for r in self.drawn_bands.rows):
                self.bands.say(_nobody(waiting))
        self.scroll.fit_charts(self.panel, self.bands)

    def _draw_measure(self, found: Indicator) -> None:
        from rehabdash.plan.chart_data import chart_data

        data = chart_data(found)
        days = found.definition.unit == "days"
        self.panel.set_reference(EIGHTEEN_WEEKS if days else None, "18 weeks (126 days)")
        self.drawn = found
        self.panel.show_data(data)
        everyone = next((r for r in data.rows if r.code == "All"), None)
        if everyone is not None and everyone.value is None:
            self.panel.say(
                f"Nobody in this filter is counted for {data.title.lower()} "
                f"({everyone.note or 'no values'}), so there is nothing to compare."
            )


def _nobody(waiting: bool) -> str:
    if waiting:
        return "Nobody is still waiting at the period end in this filter: no bands to show."
    return (
        "Nobody referred in this period has been seen yet in this filter, so there are "
        "no waits to split into bands."
    )


if __name__ == "__main__":
    sys.exit(run_alone(WaitsPage))
