"""Who accesses: people seen per 1,000 of each group's population, with 95% intervals,
by any characteristic or the default pairs (issue 11 item 1; DESIGN 10).

The page asks the session for the access section of one breakdown and draws:

* its ``seen_rate`` in the bar chart panel, on all records (as the plan gives it) or on
  known values (:func:`rehabdash.plan.shares.on_known_values`), the "All" row first;
* beside it, each group's share of the people seen against its share of the population;
* above, how much of the breakdown is not recorded (not stated, not known, blank or
  invalid), since those people count in "All" only.

Clicking a bar shows its numbers; "Drill into" breaks that group down by a second
characteristic (the pair breakdown, its rows for that group only). A change of breakdown
or drill starts one task; a change of "Rates" redraws what the page already has.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, breakdown_choices, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

    from rehabdash.plan.result import Indicator
    from rehabdash.ui.charts.panel import ChartPanel
    from rehabdash.ui.charts.shares import ShareChart
    from rehabdash.ui.pages.page_fit import ChartRow

__all__ = ["METRIC", "RATES", "WhoAccessesPage", "breakdown_choices"]

#: The indicator this page draws (the access section's rate of people seen).
METRIC = "seen_rate"
DEFAULT = "ethnic_group"
#: The two readings of a group's rate (:mod:`rehabdash.plan.shares`).
RATES = (("all", "on all records"), ("known", "on known values"))


class WhoAccessesPage(PlanPage):
    """People seen per 1,000 by the chosen breakdown, drawn in the chart panel."""

    key = "who_accesses"
    heading = "Who accesses community rehab"
    working = "Working out who is seen…"

    panel: ChartPanel
    share_chart: ShareChart
    charts: ChartRow
    choice: QComboBox
    rates: QComboBox
    recording: QLabel
    drill_by: QComboBox
    drill_button: QPushButton
    undrill: QPushButton
    drawn: Indicator | None = None  # what the panel shows now
    clicked: str | None = None  # the level last clicked (to drill into)
    drill: tuple[str, str, str] | None = None  # (level code, its label, second characteristic)

    def build(self) -> None:
        from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton

        from rehabdash.ui.charts.panel import ChartPanel
        from rehabdash.ui.charts.shares import ShareChart
        from rehabdash.ui.pages.page_fit import ChartRow, fit_combo

        self.choice = self.add_breakdown_choice(DEFAULT)
        self.choice.currentIndexChanged.connect(self._undrilled)
        self.rates = QComboBox()
        self.rates.setAccessibleName("Rates of groups: on all records or on known values")
        for value, text in RATES:
            self.rates.addItem(text, value)
        self.rates.currentIndexChanged.connect(self._redraw)
        caption = QLabel("Rates:")
        caption.setBuddy(self.rates)
        self.controls.addWidget(caption)
        self.controls.addWidget(self.rates)
        self.recording = QLabel()
        self.recording.setWordWrap(True)
        self.panel = ChartPanel("People seen per 1,000 population")
        self.panel.row_clicked.connect(self._clicked)
        self.share_chart = ShareChart("Share of people seen and of the population")
        # Side by side, or one above the other when the groups' labels are long.
        self.charts = ChartRow(self.panel, self.share_chart)
        self.drill_by = fit_combo(QComboBox(), 16)
        self.drill_by.setAccessibleName("Drill into the group clicked by this characteristic")
        self.drill_button = QPushButton("Drill into the group")
        self.drill_button.setAccessibleName("Drill into the group clicked")
        self.drill_button.clicked.connect(self._drill)
        self.undrill = QPushButton("Back to every group")
        self.undrill.clicked.connect(self._undrill)
        drill = QHBoxLayout()
        for part in (self.drill_button, QLabel("by"), self.drill_by, self.undrill):
            drill.addWidget(part)
        drill.addStretch(1)
        self.body.addWidget(self.recording)
        self.body.addLayout(drill)
        self.body.addWidget(self.charts, 1)
        self._drill_state()

    @property
    def breakdown_key(self) -> str:
        return str(self.choice.currentData() or DEFAULT)

    def request(self) -> PageRequest:
        from rehabdash.plan.result import pair_key

        key = self.breakdown_key
        if self.drill is not None:
            key = pair_key(key, self.drill[2])
        return PageRequest(breakdown=key, sections=("access",))

    def show_result(self, result: PageResult) -> None:
        found = result.get(METRIC)
        if found is None:
            self.status.setText("This breakdown has no rate of people seen.")
            return
        self.recording.setText(_recording_note(found))
        self._redraw()

    def _seen(self) -> Indicator | None:
        """The rate drawn: the drilled group's rows of the pair, on the reading chosen."""
        from rehabdash.plan.shares import on_known_values

        found = self.result.get(METRIC) if self.result is not None else None
        if found is None:
            return None
        if self.drill is not None:
            found = _group_rows(found, self.drill[0], self.drill[1])
        if self.rates.currentData() == "known":
            return on_known_values(found) or found
        return found

    def _redraw(self, _index: int = 0) -> None:
        from rehabdash.plan.chart_data import chart_data
        from rehabdash.plan.shares import shares

        seen = self._seen()
        if seen is None:
            return
        self.drawn = seen
        data = chart_data(seen)
        self.panel.show_data(data)
        self.share_chart.show_shares(shares(seen), data.breakdown)
        self.charts.fit_charts(self.panel, self.share_chart)
        self._drill_state()

    # ------------------------------------------------------------ drill-down

    def _clicked(self, code: str) -> None:
        from rehabdash.plan.result import ALL

        self.clicked = None if code == ALL or self.drill is not None else code
        self._drill_state()

    def _drill_state(self) -> None:
        from rehabdash.codes.characteristics import CHARACTERISTICS

        single = self.breakdown_key in CHARACTERISTICS
        if single and self.drill_by.count() == 0:
            for key, char in CHARACTERISTICS.items():
                self.drill_by.addItem(char.title, key)
        self.drill_by.setVisible(single and self.drill is None)
        can = single and self.clicked is not None and self.drill is None
        self.drill_button.setVisible(single and self.drill is None)
        self.drill_button.setEnabled(can)
        label = self._label(self.clicked) if can else "the group clicked"
        self.drill_button.setText(f"Drill into {label}")
        self.undrill.setVisible(self.drill is not None)
        if self.drill is not None:
            self.undrill.setText(f"Back to every group (now: {self.drill[1]})")

    def _label(self, code: str | None) -> str:
        if code is None or self.drawn is None:
            return ""
        row = self.drawn.row(code)
        return str(row["level"]) if row else code

    def _drill(self) -> None:
        other = str(self.drill_by.currentData())
        if self.clicked is None or other == self.breakdown_key:
            self.status.setText("Choose a second characteristic other than the breakdown.")
            return
        self.drill = (self.clicked, self._label(self.clicked), other)
        self.clicked = None
        self.refresh()

    def _undrill(self) -> None:
        self._undrilled()
        self.refresh()

    def _undrilled(self, _index: int = 0) -> None:
        self.drill, self.clicked = None, None
        self._drill_state()


def _group_rows(pair: Indicator, code: str, label: str) -> Indicator:
    """The pair indicator's rows of one first-level group (and "All"), titled for it."""
    import polars as pl

    from rehabdash.plan.result import ALL

    frame = pair.frame.filter(
        (pl.col("level_code") == ALL) | pl.col("level_code").str.starts_with(f"{code}|")
    )
    return type(pair)(
        pair.key,
        pair.definition,
        frame.with_columns(
            pl.lit(f"{label}, by ")
            .add(pl.col("breakdown").str.split(" × ").list.last())
            .alias("breakdown")
        ),
    )


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
        "here (not stated, not known, blank or invalid): they count in All only, so every "
        "group's rate on all records is lower than it would be. 'Rates: on known values' "
        "shares them out among the groups like the people with a value."
    )


if __name__ == "__main__":
    sys.exit(run_alone(WhoAccessesPage))
