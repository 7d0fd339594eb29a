"""The Need page draws what the plan engine returns (read back from the pyqtgraph
items): observed ÷ expected and unmet need by group, the funnel plot of areas with its
limits, classes by shape, a highlighted area and the outliers' table; its empty states;
a change of breakdown or area level is one new task, a change of highlight none."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pytestqt.qtbot import QtBot
from task_spy import watch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from deprivation_store import deprivation_store

from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.need import outlying_areas
from rehabdash.plan.result import ALL, Indicator
from rehabdash.queries.referrals import ReferralSource
from rehabdash.ui.charts.funnel import SHAPES
from rehabdash.ui.pages.need import NeedPage
from rehabdash.ui.session import PageResult, Session
from rehabdash.ui.tasks import TaskRunner


def _session(tmp_path: Path) -> Session:
    _, engine = deprivation_store(tmp_path)
    session = Session("")
    session.opened(engine)
    return session


def _runner(monkeypatch: pytest.MonkeyPatch, kinds: list[str]) -> TaskRunner:
    runner = TaskRunner(synchronous=True)
    started = watch(runner, monkeypatch)
    started.kinds = kinds
    return runner


def _page(qtbot: QtBot, session: Session, runner: TaskRunner) -> NeedPage:
    page = NeedPage(session, runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.drawn_funnel is not None, timeout=30_000)
    return page


def _engine(session: Session) -> PlanEngine:
    return PlanEngine(ReferralSource(session.engine))


def _widths(panel: object) -> dict[float, float]:
    out = {}
    for bars in (panel.all_bar, panel.bars, panel.low_bars):  # type: ignore[attr-defined]
        ys, widths = np.asarray(bars.opts["y"]).tolist(), np.asarray(bars.opts["width"]).tolist()
        out |= dict(zip(ys, widths, strict=True))
    return out


def _bars(frame: pl.DataFrame) -> dict[float, float]:
    """Each drawn bar's value by its row on the chart: All first, then the levels."""
    order = ["All", *[c for c in frame["level_code"] if c != ALL]]
    values = dict(zip(frame["level_code"], frame["value"], strict=True))
    return {float(y): values[c] for y, c in enumerate(order) if values[c]}


def _metric(items: list[Indicator], metric: str) -> pl.DataFrame:
    return next(i for i in items if i.metric == metric).frame


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_groups_and_funnel_are_the_engines(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(tmp_path)
    kinds: list[str] = []
    page = _page(qtbot, session, _runner(monkeypatch, kinds))
    assert kinds == ["need"]
    page.level_choice.setCurrentIndex(page.level_choice.findData("lsoa"))
    assert kinds == ["need", "need"]  # a new area level: one task
    assert session.filter is not None
    engine = _engine(session)
    groups = engine.breakdown(session.filter, "imd_quintile", ("access", "need"))
    assert _widths(page.oe_panel) == pytest.approx(_bars(_metric(groups, "seen_oe")))
    assert _widths(page.unmet_panel) == pytest.approx(_bars(_metric(groups, "unmet_need")))
    assert page.oe_panel.line.value() == 1.0
    assert page.oe_panel.line.isVisible()

    areas = engine.extra(session.filter, "areas:lsoa")
    oe = _metric(areas, "area_oe").filter(pl.col("level_code") != ALL)
    expected = _metric(areas, "area_expected_seen").filter(pl.col("level_code") != ALL)
    outlier = _metric(areas, "area_outlier").filter(pl.col("level_code") != ALL)
    funnel = page.funnel
    xs, ys = funnel.points.getData()
    assert xs.tolist() == pytest.approx(expected["value"].to_list())
    assert ys.tolist() == pytest.approx(oe["value"].to_list())
    # Each point's shape is its class: circles within, triangles up above, down below.
    symbols = [str(s) for s in funnel.points.data["symbol"]]
    assert symbols == [SHAPES[c][0] for c in outlier["value"].to_list()]
    assert {-2.0, 1.0} <= set(outlier["value"].to_list())  # the store has both kinds
    # The limit lines go through each area's own limits, by expected count.
    f95 = _metric(areas, "area_funnel_95").filter(pl.col("level_code") != ALL).sort("denominator")
    line_x, line_y = funnel.limits["upper_95"].getData()
    assert line_x.tolist() == pytest.approx(f95["denominator"].to_list())
    assert line_y.tolist() == pytest.approx(f95["upper"].to_list())
    f998 = _metric(areas, "area_funnel_998").filter(pl.col("level_code") != ALL)
    _, low998 = funnel.limits["lower_998"].getData()
    assert low998.tolist() == pytest.approx(f998.sort("denominator")["lower"].to_list())
    # Highlighted by default: the area with the largest unmet need, ringed.
    unmet = _metric(areas, "area_unmet_need").filter(pl.col("level_code") != ALL)
    most = unmet.sort("value", descending=True).row(0, named=True)
    assert funnel.highlighted == most["level_code"]
    assert page.area_choice.currentData() == most["level_code"]
    ring_x, ring_y = funnel.ring.getData()
    row = oe.filter(pl.col("level_code") == most["level_code"]).row(0, named=True)
    assert (ring_x[0], ring_y[0]) == pytest.approx((row["denominator"], row["value"]))
    # The outliers' table: the engine's outlying areas, in its order.
    want = outlying_areas(areas)
    got = [page.outlier_model.value(r, 1) for r in range(page.outlier_model.rowCount())]
    assert got == want["area_code"].to_list()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_highlight_and_clicks_start_no_task(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(tmp_path)
    kinds: list[str] = []
    page = _page(qtbot, session, _runner(monkeypatch, kinds))
    page.level_choice.setCurrentIndex(page.level_choice.findData("lsoa"))
    page.choice.setCurrentIndex(page.choice.findData("sex"))
    assert kinds == ["need", "need", "need"]
    assert page.drawn_oe is not None
    assert page.drawn_oe.breakdown_key == "sex"
    drawn = page.drawn_funnel
    assert drawn is not None
    other = next(p for p in drawn.points if p.code != page.funnel.highlighted)
    page.area_choice.setCurrentIndex(page.area_choice.findData(other.code))
    assert page.funnel.highlighted == other.code
    assert other.name in page.funnel.details.text()
    assert f"O/E {other.oe:.2f}" in page.funnel.details.text()
    # Clicking a point (the scatter's signal, as a mouse click sends it) highlights it.
    spots = page.funnel.points.points()
    third = next(s for s in spots if s.data() not in (other.code,))
    with qtbot.waitSignal(page.funnel.row_clicked):
        page.funnel.points.sigClicked.emit(page.funnel.points, [third], None)
    assert page.funnel.highlighted == third.data()
    assert page.area_choice.currentData() == third.data()
    assert kinds == ["need", "need", "need"]  # the highlight is drawing, not work


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_empty_states_say_why(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session, TaskRunner(synchronous=True))
    assert page.result is not None
    empty = PageResult(page.result.request, page.result.filter, ())
    page.show_result(replace(empty, prepared=NeedPage.prepare_result(empty)))
    assert page.drawn_oe is None
    assert "No observed ÷ expected" in page.oe_panel.message.text()
    assert "No unmet need" in page.unmet_panel.message.text()
    xs, _ = page.funnel.points.getData()
    assert len(xs) == 0
    assert page.funnel.highlighted is None
    assert "No area has an observed ÷ expected ratio" in page.funnel.message.text()
    assert not page.area_choice.isEnabled()
    assert page.outlier_model.rowCount() == 0
    assert "No area lies outside" in page.outlier_caption.text()
