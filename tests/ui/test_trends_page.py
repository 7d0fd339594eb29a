"""The Trends page draws the SPC charts the plan's trends extra returns (read back from
the pyqtgraph items), its summary table says what each chart's badges say, the gaps
are the engine's, and the empty states say why nothing is charted."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.spc_chart import trend_board
from rehabdash.queries.referrals import ReferralSource
from rehabdash.ui.pages.trends import TrendsPage
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner

MONTHS = [date(2024, m, 1) for m in range(4, 13)] + [date(2025, m, 1) for m in range(1, 4)]


def _session(tmp_path: Path) -> Session:
    dates: list[date] = []
    for i, month in enumerate(MONTHS):
        # 20 to 23 people a month, then 60 in March: a special cause at the end.
        dates += [month + timedelta(days=d % 27) for d in range(60 if i == 11 else 20 + i % 4)]
    n = len(dates)
    rows = referral_rows(
        sex=["1", "2"] * (n // 2) + ["1"] * (n % 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[i % 2] for i in range(n)],
        referral_date=dates,
        first_contact_date=[d + timedelta(days=5) for d in dates],  # seen within 28 days
        ethnic_category=(["A", "J", "M", None] * n)[:n],
    )
    pop = population_rows({(lsoa, sex, "70-74"): 400 for lsoa in LSOAS[:2] for sex in ("1", "2")})
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = write_store(url, rows, people=pop, lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 9}))
    session = Session(url)
    session.opened(engine)
    return session


def _page(qtbot: QtBot, session: Session) -> TrendsPage:
    page = TrendsPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1186, 700)
    page.show()
    qtbot.waitUntil(lambda: page.board is not None, timeout=30_000)
    return page


def _engine_trends(session: Session) -> list:  # type: ignore[type-arg]
    assert session.filter is not None
    return PlanEngine(ReferralSource(session.engine)).extra(session.filter, "trends")


def _with(frame: pl.DataFrame, prefix: str) -> list[float]:
    """The values of the points whose verdict starts with ``prefix``."""
    return frame.filter(pl.col("note").str.starts_with(prefix))["value"].to_list()


def _ys(item: object) -> list[float]:
    _x, y = item.getData()  # type: ignore[attr-defined]
    return [] if y is None else np.asarray(y, dtype=float).tolist()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_chart_draws_the_engines_spc_frame(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    spc = next(i for i in _engine_trends(session) if i.key == "spc_seen_rate_monthly/All")
    frame = spc.frame
    assert page.drawn is not None
    assert page.drawn.key == "spc_seen_rate_monthly/All/All"
    chart = page.chart
    # the points joined by a line: the engine's values, in period order
    assert _ys(chart.line) == pytest.approx(frame["value"].to_list())
    # the limits and the mean (midway) as lines
    assert _ys(chart.upper_line) == pytest.approx([frame["upper"][0]] * 2)
    assert _ys(chart.lower_line) == pytest.approx([frame["lower"][0]] * 2)
    assert _ys(chart.mean_line) == pytest.approx([(frame["upper"][0] + frame["lower"][0]) / 2] * 2)
    assert chart.labels["upper"].toPlainText() == "Upper limit"
    # each special-cause point in its own item (shape and colour), as the engine says
    for variation, label in (
        ("improvement", "special cause improvement"),
        ("concern", "special cause concern"),
    ):
        got = chart.points[variation].data["y"].tolist()
        assert got == pytest.approx(_with(frame, label))
    assert chart.points["improvement"].data["y"].size >= 1  # March's jump
    assert chart.points["improvement"].opts["symbol"] == "s"
    assert chart.points["concern"].opts["symbol"] == "t1"
    common = _with(frame, "common")
    assert chart.points["common cause"].data["y"].tolist() == pytest.approx(common)
    # the latest point is a special cause improvement: the badge says so in words
    assert frame["method"][0].endswith("latest point: special cause improvement")
    assert "Special cause improving variation (high)" in chart.variation_badge.text()
    assert "No target set" in chart.assurance_badge.text()
    # ticks are the engine's periods; the table is what is drawn
    ticks = chart.plot.getPlotItem().getAxis("bottom")._tickLevels[1]
    assert [t for _x, t in ticks] == frame["period"].to_list()
    assert [r[0] for r in chart._table[1:]] == frame["period"].to_list()
    point = chart.select(11)
    assert point.period == "2025-03"
    assert "Special cause improvement" in chart.details.text()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_summary_table_says_what_every_chart_shows(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    model = page.summary_model
    assert model.rowCount() == len(page._summary_keys) > 20
    checked = 0
    for row, key in enumerate(page._summary_keys):
        index = model.index(row, 0)
        page._summary_clicked(index)
        drawn = page.drawn
        assert drawn is not None
        assert drawn.key == key
        variation, assurance = model.value(row, 6), model.value(row, 7)
        latest = model.value(row, 5)
        if drawn.charted:
            assert variation in page.chart.variation_badge.text()
            assert assurance in page.chart.assurance_badge.text()
            # the latest value is the chart's last point
            ys = _ys(page.chart.line)
            assert drawn.format(ys[-1]) == latest
            checked += 1
        else:
            assert variation == "No SPC chart"
            assert page.chart.message.text().startswith("No SPC chart")
            assert not page.chart.message.isHidden()
    assert checked > 10
    # The choices follow the row: quarterly people referred by ethnic group, Asian.
    key = "spc_people_referred_quarterly/ethnic_group/Asian"
    page.show_key(key)
    assert page.every.currentData() == "quarterly"
    assert page.measure.currentData() == "people_referred"
    assert page.group.currentData() == "Asian"
    assert page.drawn is not None
    assert page.drawn.key == key


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_gaps_are_the_engines(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    items = _engine_trends(session)
    want = trend_board(items).gaps_table()
    model = page.gaps_model
    rows = [
        [model.value(r, c) for c in range(model.columnCount())] for r in range(model.rowCount())
    ]
    assert rows == want[1:]
    for r in rows:
        assert r[5] in {"improving", "no significant change", "worsening"} or r[5].startswith(
            "not available"
        )
    rr = next(i for i in items if i.metric == "gap_rate_ratio_q1_q5")
    change = rr.frame.filter(pl.col("period") == "change").row(0, named=True)
    assert rows[0][5] == (change["note"] or "")
    assert "improving" in page.gaps_note.text().lower()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_empty_states_say_why(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    # "Not known" has no rate (not a group of people): no chart, and the page says so.
    page.show_key("spc_seen_rate_monthly/ethnic_group/Not known")
    assert page.drawn is not None
    assert not page.drawn.charted
    assert "No SPC chart" in page.chart.message.text()
    assert "[z] not applicable" in page.chart.message.text()
    row = page._summary_keys.index("spc_seen_rate_monthly/ethnic_group/Not known")
    assert page.summary_model.value(row, 5) == "[z] not applicable"
    assert _ys(page.chart.mean_line) == []
    assert _ys(page.chart.upper_line) == []
    assert "No SPC chart" in page.chart.variation_badge.text()
    # A quarterly series of a year has 4 points: limits of low reliability.
    page.show_key("spc_seen_rate_quarterly/All/All")
    assert "Fewer than 12 points" in page.chart.message.text()
    assert len(_ys(page.chart.line)) == 4
    # Nothing returned at all: no series, and the chart says why instead of drawing.
    page.show_board(trend_board([]))
    assert page.drawn is None
    assert "no series" in page.chart.message.text()
    assert _ys(page.chart.line) == []
    assert page.summary_model.rowCount() == 0
    assert page.gaps_note.text() == "The plan returned no gaps for this period."
