"""The Deprivation page draws what the plan engine returns (read back from the
pyqtgraph items), says the SII and RII in words, has its empty states, and a change of
choice is one new task."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pytestqt.qtbot import QtBot
from task_spy import watch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from deprivation_store import deprivation_store
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.result import ALL
from rehabdash.queries.referrals import ReferralSource
from rehabdash.ui.pages.deprivation import DeprivationPage
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner


def _session(engine: object) -> Session:
    session = Session("")
    session.opened(engine)
    return session


def _page(qtbot: QtBot, session: Session, runner: TaskRunner | None = None) -> DeprivationPage:
    page = DeprivationPage(session, runner or TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=30_000)
    return page


def _engine_frames(session: Session, key: str) -> dict[str, pl.DataFrame]:
    assert session.filter is not None
    items = PlanEngine(ReferralSource(session.engine)).breakdown(session.filter, key, ("access",))
    return {i.metric: i.frame for i in items}


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_bars_intervals_and_line_are_the_engines(qtbot: QtBot, tmp_path: Path) -> None:
    _, engine = deprivation_store(tmp_path)
    session = _session(engine)
    page = _page(qtbot, session)
    want = _engine_frames(session, "imd_decile")
    dsr = want["seen_dsr"].filter(pl.col("level_code").is_in([str(i) for i in range(1, 11)]))
    pops = want["seen_rate"].filter(pl.col("level_code").is_in(dsr["level_code"].implode()))
    chart = page.chart
    # Bars: heights are the DSRs, most deprived first; widths the population shares.
    heights = np.asarray(chart.bars.opts["height"], dtype=float)
    assert heights.tolist() == pytest.approx(dsr["value"].to_list())
    x0 = np.asarray(chart.bars.opts["x0"], dtype=float)
    assert np.all(np.diff(x0) > 0)
    spans = np.asarray(pops["denominator"]) / pops["denominator"].sum()
    widths = np.asarray(chart.bars.opts["width"], dtype=float)
    assert widths.tolist() == pytest.approx((spans * 0.88).tolist())
    # Error bars: the engine's limits.
    errors = chart.errors.opts
    top = np.asarray(errors["y"]) + np.asarray(errors["top"])
    bottom = np.asarray(errors["y"]) - np.asarray(errors["bottom"])
    assert top.tolist() == pytest.approx(dsr["upper"].to_list())
    assert bottom.tolist() == pytest.approx(dsr["lower"].to_list())
    # The line: from rank 0 to 1, its rise is the engine's SII; RII = its end ÷ its start.
    xs, ys = chart.line.getData()
    sii = want["sii"].row(0, named=True)
    rii = want["rii"].row(0, named=True)
    assert list(xs) == [0.0, 1.0]
    assert ys[1] - ys[0] == pytest.approx(sii["value"])
    assert ys[1] / ys[0] == pytest.approx(rii["value"])
    everyone = want["seen_dsr"].filter(pl.col("level_code") == ALL)["value"][0]
    assert chart.everyone.value() == pytest.approx(everyone)  # the All rate's line
    # The words beside the chart: the engine's numbers, the direction, the interval.
    words = page.summary.text()
    assert f"{sii['value']:.2f} per 1,000 more" in words
    assert f"95% CI {sii['lower']:.2f} to {sii['upper']:.2f}" in words
    assert f"{rii['value']:.2f} times" in words
    assert "worse direction" in words
    assert "excludes no difference" in words
    assert "age-sex standardised" in words
    # The table is what is drawn; a click shows a bar's numbers.
    table = chart.copy().splitlines()
    assert table[1].split("\t")[0] == dsr["level"][0]
    assert chart.select(0).row.code == "1"
    assert "population 600" in chart.details.text()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_change_to_quintiles_is_one_task(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, engine = deprivation_store(tmp_path)
    session = _session(engine)
    runner = TaskRunner(synchronous=True)
    kinds = watch(runner, monkeypatch).kinds
    page = _page(qtbot, session, runner)
    assert kinds == ["deprivation"]
    page.choice.setCurrentIndex(page.choice.findData("imd_quintile"))
    assert kinds == ["deprivation", "deprivation"]
    assert page.drawn is not None
    assert page.drawn.breakdown_key == "imd_quintile"
    want = _engine_frames(session, "imd_quintile")
    quintiles = want["seen_dsr"].filter(pl.col("level_code").is_in(["1", "2", "3", "4", "5"]))
    heights = np.asarray(page.chart.bars.opts["height"], dtype=float)
    assert heights.tolist() == pytest.approx(quintiles["value"].to_list())
    assert "fifth" in page.summary.text()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_two_deciles_have_no_line_and_say_why(qtbot: QtBot, tmp_path: Path) -> None:
    n = 40
    rows = referral_rows(
        sex=["1", "2"] * (n // 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[i % 2] for i in range(n)],
        first_contact_date=[None] * n,  # nobody seen: a true zero in each decile
    )
    pop = population_rows({(lsoa, sex, "70-74"): 400 for lsoa in LSOAS[:2] for sex in "12"})
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = write_store(url, rows, people=pop, lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 9}))
    page = _page(qtbot, _session(engine))
    chart = page.chart
    xs, _ = chart.line.getData()
    assert xs is None or len(xs) == 0  # no SII, no line
    assert "No slope index" in page.summary.text()
    # Deciles with no population are markers, not bars; every decile is drawn somehow.
    assert len(chart.markers.data) == 10
    assert len(chart.bars.opts["height"]) == 0
    symbols = sorted(str(s) for s in chart.markers.data["symbol"])
    assert symbols == ["d"] * 2 + ["o"] * 8  # two true zeros, eight not available
    # Nobody seen: no DSR anywhere, so the bars are the crude rate, and the page says so.
    assert page.drawn is not None
    assert page.drawn.metric == "seen_rate"
    assert "crude" in page.summary.text()
