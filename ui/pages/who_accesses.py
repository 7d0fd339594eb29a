"""Who accesses: people seen per 1,000 of each group's population, with 95% intervals,
by any characteristic or the default pairs (issue 11 item 1; DESIGN 10).

The page asks the session for the access section of one breakdown and draws its
``seen_rate`` indicator in the one chart panel; beside it, how much of the breakdown is
recorded (a rate on known values leaves out the people whose value is not known). A
change of breakdown starts one task; a superseded result is never drawn (the runner
drops it). The chart panel and the plan load on first show, so start-up does not pay
for them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, breakdown_choices, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel

    from rehabdash.plan.result import Indicator
    from rehabdash.ui.charts.panel import ChartPanel

__all__ = ["METRIC", "WhoAccessesPage", "breakdown_choices"]

#: The indicator this page draws (the access section's rate of people seen).
METRIC = "seen_rate"
DEFAULT = "ethnic_group"


class WhoAccessesPage(PlanPage):
    """People seen per 1,000 by the chosen breakdown, drawn in the chart panel."""

    key = "who_accesses"
    heading = "Who accesses community rehab"
    working = "Working out who is seen…"

    panel: ChartPanel
    choice: QComboBox
    recording: QLabel
    drawn: Indicator | None = None  # what the panel shows now

    def build(self) -> None:
        from PySide6.QtWidgets import QLabel

        from rehabdash.ui.charts.panel import ChartPanel

        self.choice = self.add_breakdown_choice(DEFAULT)
        self.recording = QLabel()
        self.recording.setWordWrap(True)
        self.panel = ChartPanel("People seen per 1,000 population")
        self.body.addWidget(self.recording)
        self.body.addWidget(self.panel, 1)

    @property
    def breakdown_key(self) -> str:
        return str(self.choice.currentData() or DEFAULT)

    def request(self) -> PageRequest:
        return PageRequest(breakdown=self.breakdown_key, sections=("access",))

    def show_result(self, result: PageResult) -> None:
        from rehabdash.plan.chart_data import chart_data

        found = result.get(METRIC)
        if found is None:
            self.status.setText("This breakdown has no rate of people seen.")
            return
        self.drawn = found
        self.panel.show_data(chart_data(found))
        self.recording.setText(_recording_note(found))


def _recording_note(seen: Indicator) -> str:
    """How much of the breakdown is recorded: the rates of groups leave out the people
    whose value is not stated or not known, who count in "All" only."""
    from rehabdash.plan.result import NOT_APPLICABLE  # a rate of the unknown kinds: [z]

    unknown = seen.frame.filter(seen.frame["flag"] == NOT_APPLICABLE)
    left_out = float(unknown["numerator"].sum()) if unknown.height else 0.0
    everyone = seen.row("All")
    total = float(everyone["numerator"] or 0) if everyone else 0.0
    if not total or not left_out:
        return "Every person seen has this characteristic recorded."
    share = left_out / total * 100
    return (
        f"{left_out:,.0f} of {total:,.0f} people seen ({share:.1f}%) have no recorded group "
        "here (not stated, not known, blank or invalid): they count in All only, so each "
        "group's rate is on known values and All is on all records."
    )


if __name__ == "__main__":
    sys.exit(run_alone(WhoAccessesPage))
