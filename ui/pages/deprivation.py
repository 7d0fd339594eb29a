"""Deprivation: people seen per 1,000 by IMD decile or quintile, most deprived on the
left, with the fitted SII line, and the SII and RII in words (issue 11 item 1; DESIGN 10).

The page asks the session for the access section of the chosen deprivation breakdown
and draws what it returns: the age-sex standardised rate (``seen_dsr``) where the
engine gives it, else the crude ``seen_rate`` (the chart's title says which), and the
line whose ends :func:`rehabdash.plan.gradient.fitted_line` gives from the engine's SII.
Beside the chart, the SII and RII with their 95% intervals in plain words: which way is
worse, and whether the interval leaves out no difference.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rehabdash.ui.pages.plan_page import PlanPage, run_alone
from rehabdash.ui.session import PageRequest, PageResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QLabel

    from rehabdash.plan.gradient import Gradient
    from rehabdash.ui.charts.gradient import GradientChart

__all__ = ["CHOICES", "DEFAULT", "DeprivationPage"]

DEFAULT = "imd_decile"
CHOICES = [("imd_decile", "IMD decile"), ("imd_quintile", "IMD quintile")]


class DeprivationPage(PlanPage):
    """Rates by deprivation with the SII line, and the SII and RII in words."""

    key = "deprivation"
    heading = "Deprivation"
    working = "Working out the gradient by deprivation…"

    chart: GradientChart
    choice: QComboBox
    summary: QLabel
    drawn: Gradient | None = None  # what the chart shows now

    def build(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QHBoxLayout, QLabel

        from rehabdash.ui.charts.gradient import GradientChart

        self.choice = self.add_breakdown_choice(DEFAULT, CHOICES, label="Deprivation")
        self.choice.setAccessibleName("Deprivation: by IMD decile or quintile")
        self.chart = GradientChart("People seen per 1,000 by deprivation")
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("The inequality gap in words")
        self.summary.setMinimumWidth(260)
        row = QHBoxLayout()
        row.addWidget(self.chart, 3)
        row.addWidget(self.summary, 1)
        self.body.addLayout(row, 1)

    @property
    def breakdown_key(self) -> str:
        return str(self.choice.currentData() or DEFAULT)

    def request(self) -> PageRequest:
        return PageRequest(breakdown=self.breakdown_key, sections=("access",))

    def show_result(self, result: PageResult) -> None:
        from rehabdash.plan.gradient import gradient

        key = self.breakdown_key
        seen = result.get("seen_rate", key)
        if seen is None:
            self.status.setText("This breakdown has no rate of people seen.")
            return
        drawn = gradient(
            seen,
            result.get("seen_dsr", key),
            result.get("seen_oe", key),
            result.get("sii", key),
            result.get("rii", key),
        )
        self.drawn = drawn
        self.chart.show_data(drawn)
        self.summary.setText(summary_html(drawn))


def summary_html(g: Gradient) -> str:
    """The words beside the chart: what the bars are, the SII, the RII, what is left out."""
    from rehabdash.plan.gradient import rii_sentence, sii_sentence

    if g.metric == "seen_dsr":
        bars = (
            "Bars: people seen per 1,000, age-sex standardised (European Standard Population 2013)."
        )
    else:
        bars = (
            "Bars: people seen per 1,000, crude (not age-sex standardised: the engine has no "
            "standardised rate for these groups)."
        )
    parts = [
        "<b>The gap between the most and least deprived</b>",
        f"<p><b>Slope index (SII).</b> {sii_sentence(g)}</p>",
        f"<p><b>Relative index (RII).</b> {rii_sentence(g)}</p>",
        f"<p>{bars}",
    ]
    if g.line is not None:
        parts.append(
            f" The line is fitted to {g.fitted_on} of every {g.quantile}, each weighted by its "
            "population (PHE method); its ends are the two ends of the SII."
        )
    parts.append("</p>")
    if g.unknown:
        parts.append(
            f"<p>{g.unknown:,.0f} people seen have no deprivation {g.quantile} (no area of "
            "residence recorded): they count in All only.</p>"
        )
    return "".join(parts)


if __name__ == "__main__":
    sys.exit(run_alone(DeprivationPage))
