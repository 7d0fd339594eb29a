"""The Outcomes page draws what the plan engine returns for the tool chosen (read back
from the pyqtgraph items), says what the MCID is, and says so where the tool has no
paired scores; a change of tool redraws without a task, a change of breakdown is one."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from task_spy import watch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consequences_store import session as store_session

from rehabdash.codes.outcome_tools import MSK_HQ
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.result import Indicator
from rehabdash.queries.referrals import ReferralSource
from rehabdash.ui.charts.reference import ReferencePanel
from rehabdash.ui.pages.outcomes import OutcomesPage
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner


def _engine(session: Session, key: str = "imd_quintile") -> dict[str, Indicator]:
    assert session.filter is not None
    items = PlanEngine(ReferralSource(session.engine)).breakdown(
        session.filter, key, ("consequences",)
    )
    return {i.metric: i for i in items}


def _expected(found: Indicator) -> dict[float, float]:
    codes = found.frame["level_code"].to_list()
    order = ["All", *[c for c in codes if c != "All"]]
    values = dict(zip(codes, found.frame["value"], strict=True))
    return {float(y): values[c] for y, c in enumerate(order) if values[c]}


def _bars(panel: ReferencePanel) -> dict[float, float]:
    out = {}
    for bars in (panel.all_bar, panel.bars, panel.low_bars):
        ys, widths = np.asarray(bars.opts["y"]).tolist(), np.asarray(bars.opts["width"]).tolist()
        out |= dict(zip(ys, widths, strict=True))
    return out


def _page(qtbot: QtBot, session: Session, runner: TaskRunner) -> OutcomesPage:
    page = OutcomesPage(session, runner)
    qtbot.addWidget(page)
    page.resize(1186, 700)
    page.show()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20_000)
    return page


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_mean_change_and_improved_are_what_the_engine_returns(qtbot: QtBot, tmp_path: Path) -> None:
    session = store_session(tmp_path)
    page = _page(qtbot, session, TaskRunner(synchronous=True))
    assert page.tool_key == "msk_hq"
    want = _engine(session)
    change, improved = want["outcome_change_msk_hq"], want["outcome_improved_msk_hq"]
    assert page.drawn is not None
    assert page.drawn[0].frame.equals(change.frame)
    assert page.drawn[1].frame.equals(improved.frame)
    assert _bars(page.change) == pytest.approx(_expected(change))
    assert _bars(page.improved) == pytest.approx(_expected(improved))
    # quintile 1's mean change is negative: drawn below 0, the axis reaching its limit
    q1 = change.row("1")
    assert q1 is not None
    assert q1["value"] < 0
    assert page.change.plot.getPlotItem().vb.viewRange()[0][0] <= q1["lower"]
    # the t-interval limits drawn are the engine's
    errors = page.change.errors.opts
    upper = (np.asarray(errors["x"]) + np.asarray(errors["right"])).tolist()
    ups = [u for u in change.frame["upper"] if u is not None]
    assert sorted(upper) == pytest.approx(sorted(ups))
    # the MCID: a line at it and the words above the charts
    assert page.change.line.isVisible()
    assert page.change.line.value() == MSK_HQ.mcid
    assert "MCID" in page.change.legend.text()
    assert "(MCID): 6 points" in page.about.text()
    assert page.words.text().startswith("Smallest mean change in MSK-HQ: Quintile 1 (1)")


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_tool_without_paired_scores_says_so_without_a_new_task(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = store_session(tmp_path)
    runner = TaskRunner(synchronous=True)
    kinds = watch(runner, monkeypatch).kinds
    page = _page(qtbot, session, runner)
    assert kinds == ["outcomes"]
    page.tool.setCurrentIndex(page.tool.findData("eq5d5l"))
    assert kinds == ["outcomes"]  # every tool is in the result
    assert page.empty.isVisibleTo(page)
    assert "EQ-5D-5L index score" in page.empty.text()
    assert not page.scroll.isVisibleTo(page)
    assert page.drawn is None
    assert "0.063 on the index" in page.about.text()  # the MCID is still said
    page.tool.setCurrentIndex(page.tool.findData("msk_hq"))
    assert page.scroll.isVisibleTo(page)
    assert not page.empty.isVisibleTo(page)
    page.choice.setCurrentIndex(page.choice.findData("sex"))
    assert kinds == ["outcomes", "outcomes"]
    assert page.drawn is not None
    assert page.drawn[0].breakdown_key == "sex"
    sex = _engine(session, "sex")["outcome_change_msk_hq"]
    assert page.drawn[0].frame.equals(sex.frame)
    assert _bars(page.change) == pytest.approx(_expected(sex))
