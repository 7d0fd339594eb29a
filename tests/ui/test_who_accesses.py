"""The Who accesses page draws what the plan engine returns for the same filter, one
task a change of breakdown, on the compute lane once the referrals are pulled."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pytestqt.qtbot import QtBot
from task_spy import watch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash.plan.engine import PlanEngine
from rehabdash.queries.referrals import ReferralSource
from rehabdash.ui.pages.who_accesses import WhoAccessesPage
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner


def _store(tmp_path: Path) -> tuple[str, object]:
    n = 80
    rows = referral_rows(
        sex=["1", "2"] * (n // 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[i % 2] for i in range(n)],
        referral_date=[date(2024, 4 + i % 9, 1) for i in range(n)],
        first_contact_date=[date(2025, 1, 10) if i % 3 else None for i in range(n)],
        ethnic_category=(["A", "J", "M", None] * (n // 4)),
    )
    pop = population_rows({(lsoa, sex, "70-74"): 400 for lsoa in LSOAS[:2] for sex in ("1", "2")})
    url = f"sqlite:///{tmp_path / 's.db'}"
    return url, write_store(url, rows, people=pop, lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 9}))


def _session(tmp_path: Path) -> Session:
    url, engine = _store(tmp_path)
    session = Session(url)
    session.opened(engine)
    return session


def _widths(page: WhoAccessesPage) -> dict[float, float]:
    assert page.panel is not None
    out = {}
    for bars in (page.panel.all_bar, page.panel.bars, page.panel.low_bars):
        ys, widths = np.asarray(bars.opts["y"]).tolist(), np.asarray(bars.opts["width"]).tolist()
        out |= dict(zip(ys, widths, strict=True))
    return out


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform's remark on show
def test_the_page_draws_what_the_engine_returns(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = WhoAccessesPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    assert page.breakdown_key == "ethnic_group"
    assert session.filter is not None
    want = PlanEngine(ReferralSource(session.engine)).breakdown(
        session.filter, "ethnic_group", ("access",)
    )
    seen = next(i for i in want if i.metric == "seen_rate")
    assert page.drawn is not None
    assert page.drawn.frame.equals(seen.frame)
    # Bars, from the top: All, then the levels in order; the drawn widths are the values.
    order = ["All", *[c for c in seen.frame["level_code"] if c != "All"]]
    values = dict(zip(seen.frame["level_code"], seen.frame["value"], strict=True))
    expected = {float(y): values[c] for y, c in enumerate(order) if values[c]}
    assert _widths(page) == pytest.approx(expected)
    assert "no recorded group" in page.recording.text()  # a quarter have no ethnicity


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_new_breakdown_is_one_task_on_the_compute_lane(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(tmp_path)
    runner = TaskRunner(synchronous=True)
    lanes = watch(runner, monkeypatch).lanes
    page = WhoAccessesPage(session, runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    assert lanes == ["database"]  # the first pull reads the store
    page.choice.setCurrentIndex(page.choice.findData("sex"))
    assert lanes == ["database", "compute"]  # then only polars, beside any import
    assert page.drawn is not None
    assert page.drawn.breakdown_key == "sex"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_slow_work_shows_progress_with_cancel_and_a_cancelled_result_is_not_drawn(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    session = _session(tmp_path)
    gate = threading.Event()
    real = session.fetch

    def slow(*args: object, **kwargs: object) -> object:
        gate.wait(10)  # a first pull of a large store
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session, "fetch", slow)
    runner = TaskRunner()
    page = WhoAccessesPage(session, runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.busy.isVisible(), timeout=5_000)  # after a blink
    assert page.cancel.isVisible()
    qtbot.mouseClick(page.cancel, Qt.MouseButton.LeftButton)
    assert not page.busy.isVisible()
    assert "Cancelled" in page.status.text()
    gate.set()
    assert runner.wait()
    qtbot.wait(100)
    assert page.drawn is None  # the result came, and was not drawn


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_chosen_breakdown_comes_back_next_time(qtbot: QtBot, tmp_path: Path) -> None:
    from rehabdash.ui.settings import Settings

    session = _session(tmp_path)
    settings = Settings()
    page = WhoAccessesPage(session, TaskRunner(synchronous=True), settings)
    qtbot.addWidget(page)
    page.show()
    page.choice.setCurrentIndex(page.choice.findData("disability×imd_quintile"))
    settings.sync()
    again = WhoAccessesPage(session, TaskRunner(synchronous=True), Settings())
    qtbot.addWidget(again)
    again.show()
    assert again.breakdown_key == "disability×imd_quintile"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_rates_on_known_values_and_shares_redraw_without_a_new_task(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rehabdash.plan.shares import known_factor, shares

    session = _session(tmp_path)
    runner = TaskRunner(synchronous=True)
    kinds = watch(runner, monkeypatch).kinds
    page = WhoAccessesPage(session, runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    assert page.result is not None
    seen = page.result.get("seen_rate")
    assert seen is not None
    # Shares: the dark blue bars are each group's share of the people seen.
    want = shares(seen)
    widths = np.asarray(page.share_chart.seen.opts["width"]).tolist()
    assert widths == pytest.approx(want["caseload_share"].to_list())
    assert sum(widths) == pytest.approx(100.0)
    before = len(kinds)
    page.rates.setCurrentIndex(page.rates.findData("known"))
    assert len(kinds) == before  # a reading of what the page has: no new task
    factor = known_factor(seen)
    assert factor is not None
    assert factor > 1
    assert page.drawn is not None
    assert page.drawn.key.startswith("seen_rate_known/")
    level = next(c for c in seen.frame["level_code"] if c not in ("All",) and seen.row(c)["value"])
    assert page.drawn.row(level)["value"] == pytest.approx(seen.row(level)["value"] * factor)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_drill_into_a_group_by_a_second_characteristic(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = WhoAccessesPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=20_000)
    assert not page.drill_button.isEnabled()  # nothing clicked yet
    data_rows = [r.code for r in page.panel._rows]
    index = data_rows.index("White")
    page.panel.select(index)  # a click on the bar of the White group
    assert page.drill_button.isEnabled()
    assert "White" in page.drill_button.text()
    page.drill_by.setCurrentIndex(page.drill_by.findData("sex"))
    page.drill_button.click()
    assert page.result is not None
    assert page.result.request.breakdown == "ethnic_group×sex"
    assert page.drawn is not None
    codes = page.drawn.frame["level_code"].to_list()
    assert "All" in codes
    assert len(codes) > 1
    assert all(c.startswith("White|") for c in codes if c != "All")
    assert next(r.code for r in page.panel._rows) == "All"  # drawn first
    assert page.undrill.isVisible()
    page.undrill.click()
    assert page.result.request.breakdown == "ethnic_group"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_failed_request_says_so_and_stops_looking_busy(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(tmp_path)

    def broken(*_args: object, **_kwargs: object) -> object:
        raise ValueError("the store has no population for 2024-25")

    monkeypatch.setattr(session, "fetch", broken)
    runner = TaskRunner(synchronous=True)
    reported: list[str] = []
    runner.error.connect(lambda kind, exc: reported.append(f"{kind}: {exc}"))
    page = WhoAccessesPage(session, runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: bool(reported), timeout=5_000)
    assert reported == ["who_accesses: the store has no population for 2024-25"]
    assert page.status.text() == (
        "Could not work out this page: the store has no population for 2024-25"
    )
    assert not page.busy.isVisible()
    assert page.drawn is None


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_filter_nobody_matches_says_so_and_areas_go_by_name(qtbot: QtBot, tmp_path: Path) -> None:
    from rehabdash.plan import parse_filter

    session = _session(tmp_path)
    session.filter = parse_filter(period="2024-25", providers="RXX")  # no such provider here
    page = WhoAccessesPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20_000)
    assert page.result is not None
    assert page.result.people == 0
    assert page.status.text().startswith("No referrals match this filter (2024-25; provider RXX")
    session.area_names = {"lad:E08000032": "Bradford (local authority)"}
    session.filter = parse_filter(period="2024-25", area="lad:E08000032")
    page.filter_changed()
    assert page.result.people
    assert page.result.people > 0
    assert page.status.text() == "2024-25; Bradford (local authority); rehab team types."
