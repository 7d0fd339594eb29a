"""The Waits and DNAs page draws what the plan engine returns (read back from the
pyqtgraph items): the chosen measure as bars with intervals, the week bands as stacked
segments; a change of measure redraws without a task, a change of breakdown is one."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from task_spy import watch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consequences_store import session as store_session

from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.result import Indicator
from rehabdash.plan.stacked_data import band_keys
from rehabdash.queries.referrals import ReferralSource
from rehabdash.ui.pages.waits import EIGHTEEN_WEEKS, WaitsPage
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner


def _engine(session: Session, key: str = "imd_quintile") -> dict[str, Indicator]:
    assert session.filter is not None
    items = PlanEngine(ReferralSource(session.engine)).breakdown(
        session.filter, key, ("consequences",)
    )
    return {i.metric: i for i in items}


def _order(found: Indicator) -> list[str]:
    codes = found.frame["level_code"].to_list()
    return ["All", *[c for c in codes if c != "All"]]


def _values(found: Indicator, column: str = "value") -> dict[str, float | None]:
    return dict(zip(found.frame["level_code"], found.frame[column], strict=True))


def _bars(page: WaitsPage) -> dict[float, float]:
    out = {}
    for bars in (page.panel.all_bar, page.panel.bars, page.panel.low_bars):
        ys, widths = np.asarray(bars.opts["y"]).tolist(), np.asarray(bars.opts["width"]).tolist()
        out |= dict(zip(ys, widths, strict=True))
    return out


def _segments(page: WaitsPage, band: int) -> dict[float, list[float]]:
    """Each row's segment of ``band``: y -> [where it starts, how long it is]."""
    opts = page.bands.segments[band].opts
    x0, widths = np.asarray(opts["x0"]).tolist(), np.asarray(opts["width"]).tolist()
    return {y: [a, w] for y, a, w in zip(np.asarray(opts["y"]).tolist(), x0, widths, strict=True)}


def _page(qtbot: QtBot, session: Session, runner: TaskRunner | None = None) -> WaitsPage:
    page = WaitsPage(session, runner or TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1186, 700)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    return page


def _counting(runner: TaskRunner, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return watch(runner, monkeypatch).kinds


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_bars_and_bands_are_what_the_engine_returns(qtbot: QtBot, tmp_path: Path) -> None:
    session = store_session(tmp_path)
    page = _page(qtbot, session)
    assert page.breakdown_key == "imd_quintile"
    want = _engine(session)
    median = want["wait_median"]
    assert page.drawn is not None
    assert page.drawn.frame.equals(median.frame)
    order, values = _order(median), _values(median)
    assert _bars(page) == pytest.approx(
        {float(y): values[c] for y, c in enumerate(order) if values[c]}
    )
    # the intervals drawn are the engine's limits
    errors = page.panel.errors.opts
    lower = (np.asarray(errors["x"]) - np.asarray(errors["left"])).tolist()
    lows = _values(median, "lower")
    assert lower == pytest.approx([lows[c] for c in order if lows[c] is not None])
    assert page.panel.line.isVisible()  # days: the 18-week line
    assert page.panel.line.value() == EIGHTEEN_WEEKS
    # each band's segments start where the bands before it end, and are its share long
    bands = [want[k] for k in band_keys("wait_band")]
    drawn = [c for c in order if _values(bands[0])[c] is not None]
    assert drawn == ["All", "1", "5"]
    start = dict.fromkeys(drawn, 0.0)
    for i, band in enumerate(bands):
        shares = _values(band)
        segments = _segments(page, i)
        assert sorted(segments) == [float(order.index(c)) for c in drawn]
        for c in drawn:
            assert segments[float(order.index(c))] == pytest.approx([start[c], shares[c]])
        start = {c: start[c] + float(shares[c] or 0.0) for c in drawn}
    assert start == pytest.approx(dict.fromkeys(drawn, 100.0))
    # a group nobody in was seen: a [z] marker, no segment
    marked = sorted(p.pos().y() for p in page.bands.markers.points())
    assert marked == [float(order.index(c)) for c in order if c not in drawn]
    table = page.bands.model.frame
    assert table.height == len(order)
    assert table.row(1)[1] == f"{_values(bands[0])['1']:.4g}"
    # the line in words names the longer wait (quintile 1) and compares it with All
    assert page.words.text().startswith("Longest median wait to first contact: Quintile 1")
    assert "for All" in page.words.text()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_new_measure_redraws_without_a_task_and_a_breakdown_is_one(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = store_session(tmp_path)
    runner = TaskRunner(synchronous=True)
    kinds = _counting(runner, monkeypatch)
    page = _page(qtbot, session, runner)
    assert kinds == ["waits"]
    page.measure.setCurrentIndex(page.measure.findData("dna_rate"))
    assert kinds == ["waits"]  # the result already has it
    want = _engine(session)
    assert page.drawn is not None
    assert page.drawn.frame.equals(want["dna_rate"].frame)
    values = _values(want["dna_rate"])
    order = _order(want["dna_rate"])
    assert _bars(page) == pytest.approx(
        {float(y): values[c] for y, c in enumerate(order) if values[c]}
    )
    assert not page.panel.line.isVisible()  # a % has no 18-week line
    # the waiting list: its own bands, of the time waited so far
    page.measure.setCurrentIndex(page.measure.findData("waiting_count"))
    assert kinds == ["waits"]
    assert page.drawn_bands is not None
    assert page.drawn_bands.title.startswith("Time waited so far")
    first = _values(want["waiting_band_0_1w"])
    assert _segments(page, 0)[0.0] == pytest.approx([0.0, first["All"]])
    page.choice.setCurrentIndex(page.choice.findData("sex"))
    assert kinds == ["waits", "waits"]
    assert page.drawn is not None
    assert page.drawn.breakdown_key == "sex"
    assert page.drawn.frame.equals(_engine(session, "sex")["waiting_count"].frame)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_nobody_seen_says_so_in_both_charts(qtbot: QtBot, tmp_path: Path) -> None:
    page = _page(qtbot, store_session(tmp_path, seen=False))
    assert all(not np.asarray(s.opts["width"]).size for s in page.bands.segments)
    assert page.bands.message.isVisibleTo(page.bands)
    assert "no waits" in page.bands.message.text()
    assert page.panel.message.isVisibleTo(page.panel)
    assert "Nobody in this filter" in page.panel.message.text()
    assert page.words.text().startswith("No group has a value")
    assert len(page.bands.markers.points()) == len(_order(page.drawn))  # type: ignore[arg-type]
